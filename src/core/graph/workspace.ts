/**
 * The graph of a workspace: exchanges streamed from the store in time order (bodies included, for
 * data-flow and auth links) through the incremental builder, then annotated with the findings
 * detection stored. A small cache of traffic graphs keyed by the query and the traffic's version
 * spares rebuilding when the analyst only changes what is drawn or triages findings.
 */
import type { Severity } from '../../shared/api-detect.ts';
import { SEVERITIES } from '../../shared/api-detect.ts';
import type { Db } from '../store/db.ts';
import { cached, iterateExchanges } from '../store/exchanges.ts';
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

/**
 * Adds to each node the open findings on its endpoint (or, for a host, on any of its endpoints).
 * A node it changes is replaced by a copy in `model.nodes`: nodes a cache still holds stay as built.
 */
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
  const nodes = model.nodes;
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const copied = new Set<number>();
  const bump = (id: string, n: number, sev: Severity) => {
    const i = index.get(id);
    if (i === undefined) return;
    if (!copied.has(i)) {
      copied.add(i);
      nodes[i] = { ...nodes[i] };
    }
    const node = nodes[i];
    node.findings += n;
    if (node.maxSeverity === null || SEVERITIES.indexOf(sev) > SEVERITIES.indexOf(node.maxSeverity)) node.maxSeverity = sev;
  };
  for (const r of rows) {
    const sev = SEVERITIES[r.sev] ?? 'low';
    bump(hostId(r.host), r.n, sev);
    if (r.method !== '*' && r.path !== '*') bump(endpointId(r.method, r.host, r.path), r.n, sev);
  }
}

/** The graph of the traffic alone (no findings on its nodes). */
function buildTrafficGraph(db: Db, q: GraphQuery, opts: GraphOptions): GraphModel {
  const b = new GraphBuilder(opts);
  for (const e of iterateExchanges(db, { filter: queryFilter(q), withBodies: true, order: 'time' })) b.add(e);
  return b.result();
}

export function buildWorkspaceGraph(db: Db, q: GraphQuery, opts: GraphOptions = {}): GraphModel {
  const model = buildTrafficGraph(db, q, opts);
  annotateFindings(db, model);
  return model;
}

/**
 * What changes when traffic is imported: the highest exchange id (exchanges are append-only,
 * nothing updates or deletes one), read from the rowid's b-tree without counting every row.
 */
function trafficVersion(db: Db): number {
  return cached(db, 'SELECT coalesce(max(id), 0) FROM exchanges').pluck().get() as number;
}

/**
 * A cached traffic graph with the findings as they are now: detection and triage change them
 * between two calls (no timestamp or count of theirs tells every change apart), so each call
 * annotates afresh, into a new node list (annotateFindings copies the nodes it changes).
 */
function withFindings(db: Db, traffic: GraphModel): GraphModel {
  const model = { ...traffic, nodes: traffic.nodes.slice() };
  annotateFindings(db, model);
  return model;
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
    const key = JSON.stringify([trafficVersion(db), queryFilter(q), opts.gapMs ?? null, opts.principals ?? false, opts.limits ?? null]);
    let m = this.entries.get(key);
    if (m) this.entries.delete(key);
    else m = buildTrafficGraph(db, q, opts);
    this.entries.set(key, m);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return withFindings(db, m);
  }
}
