import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, printJson } from '../args.ts';
import { exportHarFile, findingExchangeIds } from '../../core/export/har.ts';
import { ApiError } from '../../shared/api.ts';

const options = {
  ...DB_OPTION,
  ...JSON_OPTION,
  filter: { type: 'string' },
  finding: { type: 'string' },
  out: { type: 'string' },
  'keep-secrets': { type: 'boolean' },
} as const;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Write a traffic selection (a filter or a finding\'s evidence) as HAR 1.2, secrets redacted unless --keep-secrets.',
  usage: 'export --out FILE [--filter EXPR | --finding ID] [--keep-secrets] [--db FILE] [--json]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    if (!values.out) throw new UsageError('export needs --out FILE');
    if (values.filter !== undefined && values.finding !== undefined) throw new UsageError('give --filter or --finding, not both');
    const db = openCliWorkspace(dbPath(values, io));
    const out = resolve(io.cwd, values.out);
    try {
      const selection = values.finding !== undefined ? { ids: findingExchangeIds(db, values.finding) } : { filter: values.filter };
      const r = await exportHarFile(db, out, { ...selection, keepSecrets: values['keep-secrets'] === true });
      if (values.json) printJson(io, { file: out, format: 'har', entries: r.entries, bytes: r.bytes, redacted: r.redacted });
      else io.out(`${out}: ${r.entries} entries, ${r.bytes} bytes, HAR 1.2${r.redacted ? ', secrets redacted' : ', secrets KEPT'}\n`);
      if (!r.redacted) io.err('cartograph export: --keep-secrets: the file holds credentials and tokens as captured\n');
      return 0;
    } catch (err) {
      if (err instanceof ApiError) throw new UsageError(err.code === 'filter' ? `--filter: ${err.message}` : err.message);
      if ((err as NodeJS.ErrnoException).code) throw new UsageError(`cannot write ${out}: ${(err as Error).message}`);
      throw err;
    } finally {
      db.close();
    }
  },
};
