import type { CliCommand } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, parseIntOption, printJson, table } from '../args.ts';
import { UsageError } from '../command.ts';
import { checkFilter } from '../../core/query/index.ts';
import { buildWorkspaceGraph } from '../../core/graph/workspace.ts';
import type { GraphModel } from '../../core/graph/builder.ts';

const options = { ...DB_OPTION, ...JSON_OPTION, filter: { type: 'string' }, principals: { type: 'boolean' }, 'gap-seconds': { type: 'string' }, 'min-count': { type: 'string' } } as const;

/** cli-contract.md `graph --json` shape: the contract's fields first, more after them. */
export function graphJson(m: GraphModel, minCount = 1) {
  const edges = m.edges.filter((e) => e.count >= minCount);
  return {
    nodes: m.nodes.map((n) => ({ id: n.id, kind: n.kind, label: n.label, count: n.count, host: n.host, method: n.method, path: n.path, firstSeen: new Date(n.firstSeen).toISOString(), lastSeen: new Date(n.lastSeen).toISOString(), findings: n.findings, sensitive: n.sensitive })),
    edges: edges.map((e) => ({ source: e.source, target: e.target, kind: e.kind, count: e.count, firstSeen: new Date(e.firstSeen).toISOString(), lastSeen: new Date(e.lastSeen).toISOString(), via: e.via })),
    exchanges: m.exchanges,
  };
}

export const graphCommand: CliCommand = {
  name: 'graph',
  summary: 'The dependency graph: nodes and edges with kinds and counts.',
  usage: 'graph [--filter EXPR] [--principals] [--gap-seconds N] [--min-count N] [--db FILE] [--json]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const filter = values.filter ?? '';
    const check = checkFilter(filter);
    if (!check.ok) throw new UsageError(`bad filter at column ${check.column}: ${check.message}`);
    const gap = parseIntOption('gap-seconds', values['gap-seconds'], 1);
    const minCount = parseIntOption('min-count', values['min-count'], 1) ?? 1;
    const db = openCliWorkspace(dbPath(values, io));
    try {
      const t0 = performance.now();
      const model = buildWorkspaceGraph(db, { filter }, { principals: values.principals === true, gapMs: gap === undefined ? undefined : gap * 1000 });
      const seconds = (performance.now() - t0) / 1000;
      if (model.droppedEdges > 0) io.err(`warning: the edge table was full; ${model.droppedEdges} links between nodes not yet joined were not recorded\n`);
      if (values.json) printJson(io, graphJson(model, minCount));
      else {
        const names = new Map(model.nodes.map((n) => [n.id, n.kind === 'endpoint' ? `${n.host ?? ''} ${n.label}` : n.label]));
        const kinds = new Map<string, number>();
        for (const n of model.nodes) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
        io.out(`${model.exchanges} exchanges: ${[...kinds].map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`).join(', ') || 'no nodes'}\n\n`);
        const rows = [['KIND', 'COUNT', 'FROM', 'TO']];
        for (const e of model.edges) if (e.count >= minCount) rows.push([e.kind, String(e.count), names.get(e.source) ?? e.source, names.get(e.target) ?? e.target]);
        if (rows.length > 1) io.out(table(rows));
        io.err(`${model.edges.length} edges, built in ${seconds.toFixed(2)} s\n`);
      }
      return 0;
    } finally {
      db.close();
    }
  },
};
