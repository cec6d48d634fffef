import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, dbPath, openCliWorkspace, parse } from '../args.ts';
import { buildOpenApi } from '../../core/inventory/openapi/build.ts';

const options = { ...DB_OPTION, host: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' } } as const;

export const specCommand: CliCommand = {
  name: 'spec',
  summary: 'OpenAPI 3.1 document reconstructed from the traffic (paths, typed parameters, schemas, security schemes, redacted examples).',
  usage: 'spec [--host H] [--out FILE] [--format yaml|json] [--db FILE]   (format: from --out\'s extension, else YAML)',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const out = values.out === undefined ? null : resolve(io.cwd, values.out);
    const format = values.format ?? (out && /\.json$/i.test(out) ? 'json' : 'yaml');
    if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format must be yaml or json, got ${JSON.stringify(format)}`);
    const db = openCliWorkspace(dbPath(values, io));
    try {
      const built = buildOpenApi(db, { host: values.host });
      if (built.operations === 0) io.err(`cartograph spec: no API traffic${values.host ? ` to ${values.host}` : ''} in this workspace: the document has no paths\n`);
      const text = format === 'json' ? `${JSON.stringify(built.document, null, 2)}\n` : toYaml(built.document, { aliasDuplicateObjects: false, lineWidth: 0 });
      if (out) {
        try {
          writeFileSync(out, text);
        } catch (err) {
          throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        io.err(`wrote ${out}: ${built.paths} paths, ${built.operations} operations from ${built.exchanges} exchanges (${built.hosts.join(', ') || 'no hosts'})\n`);
      } else io.out(text);
      return 0;
    } finally {
      db.close();
    }
  },
};
