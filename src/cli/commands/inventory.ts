import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, printJson, table } from '../args.ts';
import { buildInventory, CatalogueError, inventoryJson, loadInventory } from '../../core/inventory/index.ts';
import { resolve } from 'node:path';
import { DEFAULT_CLASSIFIERS_DIR } from '../../core/inventory/classifiers.ts';

const options = { ...DB_OPTION, ...JSON_OPTION, host: { type: 'string' }, rebuild: { type: 'boolean' }, classifiers: { type: 'string', multiple: true } } as const;

export const inventoryCommand: CliCommand = {
  name: 'inventory',
  summary: 'The API inventory reconstructed from the traffic: endpoint templates, hits, statuses, params, auth, sensitive data.',
  usage: 'inventory [--host H] [--rebuild] [--classifiers DIR]... [--db FILE] [--json]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const classifiers = values.classifiers ? [DEFAULT_CLASSIFIERS_DIR, ...values.classifiers.map((d) => resolve(io.cwd, d))] : undefined;
    const db = openCliWorkspace(dbPath(values, io));
    try {
      let inv;
      try {
        inv = values.rebuild ? buildInventory(db, { host: values.host, classifiers }) : loadInventory(db, { host: values.host, classifiers });
      } catch (err) {
        if (err instanceof CatalogueError) throw new UsageError(err.message);
        throw err;
      }
      if (values.json) {
        printJson(io, inv.endpoints.map(inventoryJson));
        return 0;
      }
      const rows = [['METHOD', 'HOST', 'PATH', 'HITS', 'STATUSES', 'AUTH', 'SENSITIVE', 'PRINCIPALS']];
      for (const e of inv.endpoints) {
        rows.push([e.method, e.host, e.path, String(e.count), Object.entries(e.statuses).map(([s, n]) => `${s}:${n}`).join(' '), e.auth.join(','), e.sensitive.join(',') || '-', String(e.principals)]);
      }
      io.out(table(rows));
      io.err(`${inv.endpoints.length} endpoints over ${inv.exchanges} exchanges (${inv.mode} build)\n`);
      return 0;
    } finally {
      db.close();
    }
  },
};
