import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, printJson, table } from '../args.ts';
import { DIFF_CLASSES, type DiffItem } from '../../shared/api-spec.ts';
import { readSpecFile } from '../../core/inventory/openapi/file.ts';
import { SpecError } from '../../core/inventory/openapi/load.ts';
import { diffWorkspace } from '../../core/inventory/diff/run.ts';

const options = { ...DB_OPTION, ...JSON_OPTION, spec: { type: 'string' }, host: { type: 'string' } } as const;

function what(i: DiffItem): string {
  if (i.name === null) return '';
  return i.observed ? `${i.location} ${i.name}: ${i.expected} ≠ ${i.observed}` : `${i.location} ${i.name}`;
}

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'Traffic against a published spec: shadow, zombie, orphan endpoints, undocumented parameters/fields, type mismatches.',
  usage: 'diff --spec OPENAPI [--host H] [--db FILE] [--json]   (without --spec: the spec the workspace remembers)',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const db = openCliWorkspace(dbPath(values, io));
    try {
      const given = values.spec === undefined ? null : readSpecFile(resolve(io.cwd, values.spec));
      const r = await diffWorkspace(db, given, { host: values.host });
      for (const w of r.warnings) io.err(`cartograph diff: warning: ${w}\n`);
      if (values.json) {
        printJson(io, r);
        return 0;
      }
      io.out(`${r.spec.title} ${r.spec.version} (${r.spec.source}, OpenAPI ${r.spec.openapi}, ${r.spec.operations} operations) against ${r.exchanges} exchanges: ${r.matched} documented, ${r.notServed} unserved probes, ${r.ignored} ignored\n`);
      io.out(`${DIFF_CLASSES.map((c) => `${r.counts[c]} ${c}`).join(', ')}\n`);
      for (const cls of DIFF_CLASSES) {
        const rows = r.items.filter((i) => i.class === cls);
        if (rows.length === 0) continue;
        io.out(`\n${cls.toUpperCase()} (${rows.length})\n`);
        io.out(table([['COUNT', 'METHOD', 'HOST', 'PATH', 'WHAT', 'WHY'], ...rows.map((i) => [String(i.count), i.method, i.host ?? '-', i.path, what(i), i.reason])]));
      }
      io.err(`diffed in ${r.seconds.toFixed(2)} s\n`);
      return 0;
    } catch (err) {
      if (err instanceof SpecError) throw new UsageError(err.message);
      throw err;
    } finally {
      db.close();
    }
  },
};
