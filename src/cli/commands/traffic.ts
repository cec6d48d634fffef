import type { CliCommand } from '../command.ts';
import type { ExchangeRow } from '../../shared/api.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, parseIntOption, table } from '../args.ts';
import { UsageError } from '../command.ts';
import { pageTraffic } from '../../core/store/traffic.ts';
import { checkFilter } from '../../core/query/index.ts';

const options = { ...DB_OPTION, ...JSON_OPTION, filter: { type: 'string' }, limit: { type: 'string' } } as const;
const PAGE = 1000;

/** cli-contract.md `traffic --json` shape (more fields may be added, never removed). */
export function trafficJson(r: ExchangeRow) {
  return { id: r.id, time: new Date(r.time).toISOString(), method: r.method, host: r.host, path: r.path, query: r.query, status: r.status, ip: r.ip, principal: r.principal, source: r.source, size: r.size, duration: r.duration };
}

export const trafficCommand: CliCommand = {
  name: 'traffic',
  summary: 'List stored exchanges matching a filter expression, newest last.',
  usage: 'traffic [--filter EXPR] [--limit N] [--db FILE] [--json]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const filter = values.filter ?? '';
    const check = checkFilter(filter);
    if (!check.ok) throw new UsageError(`bad filter at column ${check.column}: ${check.message}`);
    const limit = parseIntOption('limit', values.limit, 1);
    const db = openCliWorkspace(dbPath(values, io));
    try {
      const first = pageTraffic(db, { filter, sort: 'time', dir: 'asc', offset: 0, limit: 1 });
      // Newest last: with --limit N, the N newest, still printed in time order.
      const start = limit === undefined ? 0 : Math.max(0, first.total - limit);
      const human: string[][] = [['ID', 'TIME', 'METHOD', 'STATUS', 'URL', 'IP', 'PRINCIPAL']];
      let printed = 0;
      if (values.json) io.out('[');
      for (let offset = start; offset < first.total; offset += PAGE) {
        for (const r of pageTraffic(db, { filter, sort: 'time', dir: 'asc', offset, limit: PAGE }).rows) {
          if (values.json) io.out(`${printed ? ',' : ''}\n  ${JSON.stringify(trafficJson(r))}`);
          else human.push([String(r.id), new Date(r.time).toISOString(), r.method, r.status === null ? '-' : String(r.status), `${r.scheme}://${r.host}${r.port ? `:${r.port}` : ''}${r.path}${r.query}`, r.ip ?? '-', r.principal ?? '-']);
          printed++;
        }
      }
      if (values.json) io.out(printed ? '\n]\n' : ']\n');
      else {
        io.out(table(human));
        io.err(`${printed} of ${first.total} matching exchanges\n`);
      }
      return 0;
    } finally {
      db.close();
    }
  },
};
