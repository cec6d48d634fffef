/**
 * The graph of a workspace: exchanges streamed from the store in time order (bodies included, for
 * data-flow and auth links) through the incremental builder, then annotated with the findings
 * detection stored. A small cache keyed by the query and the workspace's data version spares
 * rebuilding when the analyst only changes what is drawn.
 */
import type { Severity } from '../../shared/api-detect.ts';
import { SEVERITIES } from '../../shared/api-detect.ts';
import type { Db } from '../store/db.ts';
import { iterateExchanges } from '../store/exchanges.ts';
import { GraphBuilder, endpointId, hostId, type GraphModel, type GraphOptions } from './builder.ts';
import { principalFilter, quote } from './filters.ts';

export interface GraphQuery {
  /** Filter-language expression narrowing the exchanges. */
  filter?: string;
  from?: number;
  to?: number;
  principal?: string;
  ip?: string;
}

/** The query as one filter-language expression. */
export function queryFilter(q: GraphQuery): string {
  const parts: string[] = [];
  if (q.filter && q.filter.trim()) parts.push(`(${q.filter})`);
  if (q.from !== undefined) parts.push(`time >= ${new Date(q.from).toISOString()}`);
  if (q.to !== undefined) parts.push(`time <= ${new Date(q.to).toISOString()}`);
  if (q.principal !== undefined) parts.push(principalFilter(q.principal));
  if (q.ip !== undefined) parts.push(`ip = ${quote(q.ip)}`);
  return parts.join(' and ');
}

/** Adds to each node the open findings on its endpoint (or, for a host, on any of its endpoints). */
export function annotateFindings(db: Db, model: GraphModel): void {
  const rows = db
    .prepare(
      `SELECT f.host, f.method, f.path, count(*) AS n,
         max(CASE f.severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END) AS sev
       FROM findings f LEFT JOIN finding_triage t ON t.finding_id = f.id
       WHERE coalesce(t.status, 'open') NOT IN ('false-positive', 'suppressed')
       GROUP BY f.host, f.method, f.path`,
    )
    .all() as { host: string; method: string; path: string; n: number; sev: number }[];
  if (rows.length === 0) return;
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const bump = (id: string, n: number, sev: Severity) => {
    const node = byId.get(id);
    if (!node) return;
    node.findings += n;
    if (node.maxSeverity === null || SEVERITIES.indexOf(sev) > SEVERITIES.indexOf(node.maxSeverity)) node.maxSeverity = sev;
  };
  for (const r of rows) {
    const sev = SEVERITIES[r.sev] ?? 'low';
    bump(hostId(r.host), r.n, sev);
    if (r.method !== '*' && r.path !== '*') bump(endpointId(r.method, r.host, r.path), r.n, sev);
  }
}

export function buildWorkspaceGraph(db: Db, q: GraphQuery, opts: GraphOptions = {}): GraphModel {
  const b = new GraphBuilder(opts);
  for (const e of iterateExchanges(db, { filter: queryFilter(q), withBodies: true, order: 'time' })) b.add(e);
  const model = b.result();
  annotateFindings(db, model);
  return model;
}

/** What changes when traffic is imported or detection runs: the cache key's data part. */
export function dataVersion(db: Db): string {
  const x = db.prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS m FROM exchanges').get() as { n: number; m: number };
  const f = db.prepare('SELECT count(*) AS n, coalesce(max(run_id), 0) AS r FROM findings').get() as { n: number; r: number };
  const t = db.prepare('SELECT count(*) AS n, coalesce(max(updated_at), 0) AS u FROM finding_triage').get() as { n: number; u: number };
  return `${x.n}:${x.m}:${f.n}:${f.r}:${t.n}:${t.u}`;
}

/** Remembers the last few graphs built per workspace connection. */
export class GraphCache {
  private readonly entries = new Map<string, GraphModel>();
  private readonly size: number;
  private owner: Db | null = null;
  constructor(size = 3) {
    this.size = size;
  }
  get(db: Db, q: GraphQuery, opts: Omit<GraphOptions, 'templateOf'>): GraphModel {
    if (this.owner !== db) {
      this.entries.clear();
      this.owner = db;
    }
    const key = JSON.stringify([dataVersion(db), queryFilter(q), opts.gapMs ?? null, opts.principals ?? false, opts.limits ?? null]);
    let m = this.entries.get(key);
    if (m) {
      this.entries.delete(key);
      this.entries.set(key, m);
      return m;
    }
    m = buildWorkspaceGraph(db, q, opts);
    this.entries.set(key, m);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return m;
  }
}
