/**
 * From the full graph to what a view can draw: filter by edge kind, host and minimum count, narrow
 * to a node's neighbourhood, then aggregate endpoints (by path prefix inside a host, or the whole
 * host) until the picture fits `maxNodes`, merge the edges between what is drawn, and cap them.
 * React Flow stays responsive only up to about a thousand DOM nodes, so this runs in the engine.
 */
import type { GraphEdge, GraphEdgeKind, GraphNode, GraphSearchMatch, GraphView, GraphViewEdge, GraphViewNode } from '../../shared/api-graph.ts';
import { SEVERITIES, type Severity } from '../../shared/api-detect.ts';
import type { GraphModel } from './builder.ts';
import { anyOf, endpointFilter, hostFilter, prefixFilter, principalFilter, timeFilter } from './filters.ts';

export interface ViewOptions {
  kinds?: readonly GraphEdgeKind[];
  hosts?: readonly string[];
  minCount?: number;
  /** Keys (GraphViewNode.expandKey) the analyst opened. */
  expanded?: readonly string[];
  focus?: string;
  depth?: number;
  maxNodes?: number;
  maxEdges?: number;
  /** false: no path-prefix groups (hosts still collapse when over maxNodes). */
  group?: boolean;
}

/** Above this many endpoints, a host shows path-prefix groups instead of every endpoint. */
export const GROUP_THRESHOLD = 30;

export const groupKey = (hostPort: string, prefix: string): string => `group:${hostPort}${prefix}`;

interface Rep {
  id: string;
  node: GraphViewNode;
}

const sevRank = (s: Severity | null): number => (s === null ? -1 : SEVERITIES.indexOf(s));

function prefixOf(template: string, depth: number): string {
  const segs = template.split('/').slice(1);
  return segs.length <= depth ? template : `/${segs.slice(0, depth).join('/')}`;
}

/**
 * The deepest prefix depth at which a host's endpoints fall into at most GROUP_THRESHOLD groups;
 * when that is one or two groups (everything under /api), a deeper level of up to four times as
 * many groups says more.
 */
function groupDepth(templates: readonly string[]): number {
  let best = 1;
  let groups = 0;
  for (let d = 1; d <= 8; d++) {
    const n = new Set(templates.map((t) => prefixOf(t, d))).size;
    if (n > (groups <= 2 ? GROUP_THRESHOLD * 4 : GROUP_THRESHOLD)) break;
    best = d;
    groups = n;
    if (n === templates.length || n > GROUP_THRESHOLD) break;
  }
  return best;
}

function neighbourhood(focus: string, nodes: ReadonlyMap<string, GraphNode>, edges: readonly GraphEdge[], depth: number): Set<string> {
  const adj = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    let l = adj.get(a);
    if (!l) adj.set(a, (l = []));
    l.push(b);
  };
  for (const e of edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  const start = [focus];
  // A host stands for its endpoints.
  const f = nodes.get(focus);
  if (f?.kind === 'host') for (const n of nodes.values()) if (n.kind === 'endpoint' && n.host === f.host) start.push(n.id);
  const seen = new Set(start);
  let frontier = start;
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const m of adj.get(id) ?? []) {
        if (seen.has(m)) continue;
        seen.add(m);
        next.push(m);
      }
    }
    frontier = next;
  }
  return seen;
}

function nodeFilter(n: GraphNode, calledBy: ReadonlyMap<string, string[]>): string {
  switch (n.kind) {
    case 'endpoint': return endpointFilter(n.host ?? '', n.method, n.path ?? '/');
    case 'host': return hostFilter(n.host ?? n.label);
    case 'principal': return principalFilter(n.label);
    // Logs name the upstream only in their own fields: the gateway hosts forwarding to it.
    case 'service': return anyOf((calledBy.get(n.id) ?? []).map(hostFilter));
  }
}

export function aggregateView(model: GraphModel, opts: ViewOptions = {}): Omit<GraphView, 'seconds' | 'matches'> {
  const minCount = opts.minCount ?? 1;
  const maxNodes = opts.maxNodes ?? 400;
  const maxEdges = opts.maxEdges ?? 2000;
  const kinds = opts.kinds ? new Set(opts.kinds) : null;
  const hosts = opts.hosts && opts.hosts.length > 0 ? new Set(opts.hosts) : null;
  const expanded = new Set(opts.expanded ?? []);

  // ---- filter ----
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const keepNode = (n: GraphNode): boolean => {
    if (n.kind === 'endpoint' || n.kind === 'host') return (hosts === null || hosts.has(n.host ?? '')) && n.count >= minCount;
    return n.count >= minCount;
  };
  let nodes = new Map([...byId].filter(([, n]) => keepNode(n)));
  let edges = model.edges.filter((e) => (kinds === null || kinds.has(e.kind)) && e.count >= minCount && nodes.has(e.source) && nodes.has(e.target));
  // Services hang off hosts: with a host filter, only the ones the kept hosts call.
  const linked = new Set(edges.flatMap((e) => [e.source, e.target]));
  nodes = new Map([...nodes].filter(([id, n]) => n.kind === 'endpoint' || n.kind === 'host' || linked.has(id)));
  if (opts.focus !== undefined && nodes.has(opts.focus)) {
    const near = neighbourhood(opts.focus, nodes, edges, opts.depth ?? 1);
    nodes = new Map([...nodes].filter(([id]) => near.has(id)));
    edges = edges.filter((e) => nodes.has(e.source) && nodes.has(e.target));
  }
  const calledBy = new Map<string, string[]>();
  for (const e of model.edges) {
    if (e.kind !== 'calls') continue;
    const s = byId.get(e.source);
    if (s?.kind !== 'host') continue;
    const l = calledBy.get(e.target) ?? [];
    l.push(s.host ?? s.label);
    calledBy.set(e.target, l);
  }

  // ---- aggregate ----
  const endpointsByHost = new Map<string, GraphNode[]>();
  const others: GraphNode[] = [];
  for (const n of nodes.values()) {
    if (n.kind === 'endpoint') {
      const h = n.host ?? '';
      const l = endpointsByHost.get(h) ?? [];
      l.push(n);
      endpointsByHost.set(h, l);
    } else if (n.kind !== 'host') others.push(n);
  }
  // Per host: its layout when open (endpoints, or prefix groups), unless collapsed into one node.
  interface HostPlan {
    host: string;
    eps: GraphNode[];
    groups: Map<string, GraphNode[]>;
    open: boolean;
    size: number;
    count: number;
  }
  const plans: HostPlan[] = [];
  for (const [host, eps] of endpointsByHost) {
    const groups = new Map<string, GraphNode[]>();
    if (opts.group !== false && eps.length > GROUP_THRESHOLD && !(opts.focus !== undefined && eps.length <= maxNodes)) {
      const d = groupDepth(eps.map((n) => n.path ?? '/'));
      for (const n of eps) {
        const p = prefixOf(n.path ?? '/', d);
        const l = groups.get(p) ?? [];
        l.push(n);
        groups.set(p, l);
      }
    } else for (const n of eps) groups.set(n.id, [n]);
    let size = 1; // the host container
    for (const [p, members] of groups) size += members.length > 1 && expanded.has(groupKey(host, p)) ? members.length : 1;
    plans.push({ host, eps, groups, open: true, size, count: eps.reduce((s, n) => s + n.count, 0) });
  }
  // Collapse the quietest hosts into single nodes until the picture fits.
  let total = others.length + plans.reduce((s, p) => s + p.size, 0);
  let capped = false;
  for (const p of [...plans].sort((a, b) => a.count - b.count)) {
    if (total <= maxNodes) break;
    if (expanded.has(`host:${p.host}`) || p.size <= 1) continue;
    p.open = false;
    total -= p.size - 1;
  }

  const reps = new Map<string, Rep>();
  const viewNodes = new Map<string, GraphViewNode>();
  const mergeInto = (v: GraphViewNode, n: GraphNode) => {
    v.count += n.count;
    v.findings += n.findings;
    if (sevRank(n.maxSeverity) > sevRank(v.maxSeverity)) v.maxSeverity = n.maxSeverity;
    if (n.firstSeen < v.firstSeen) v.firstSeen = n.firstSeen;
    if (n.lastSeen > v.lastSeen) v.lastSeen = n.lastSeen;
    for (const s of n.sensitive) if (!v.sensitive.includes(s)) v.sensitive.push(s);
  };
  const single = (n: GraphNode, parent: string | null): GraphViewNode => ({ ...n, sensitive: [...n.sensitive], parent, members: 1, expandKey: null, filter: nodeFilter(n, calledBy) });
  const add = (v: GraphViewNode, members: readonly GraphNode[]) => {
    viewNodes.set(v.id, v);
    for (const m of members) reps.set(m.id, { id: v.id, node: v });
  };

  for (const p of plans) {
    const hostNode = byId.get(`host:${p.host}`);
    const hid = `host:${p.host}`;
    const base: GraphViewNode = hostNode
      ? { ...single(hostNode, null), count: 0, findings: 0, maxSeverity: null, sensitive: [] }
      : { id: hid, kind: 'host', label: p.host, count: 0, host: p.host, method: null, path: null, firstSeen: Infinity, lastSeen: -Infinity, findings: 0, maxSeverity: null, sensitive: [], parent: null, members: 0, expandKey: null, filter: hostFilter(p.host) };
    base.members = p.eps.length;
    if (hostNode) {
      base.findings = hostNode.findings;
      base.maxSeverity = hostNode.maxSeverity;
    }
    if (!p.open) {
      base.expandKey = hid;
      for (const n of p.eps) mergeInto(base, n);
      base.findings = Math.max(base.findings, hostNode?.findings ?? 0);
      add(base, [...p.eps, ...(hostNode ? [hostNode] : [])]);
      continue;
    }
    // The open host is a container; its count is the host's own traffic.
    if (hostNode) base.count = hostNode.count;
    add(base, hostNode ? [hostNode] : []);
    for (const [prefix, members] of p.groups) {
      if (members.length === 1) add(single(members[0], hid), members);
      else if (expanded.has(groupKey(p.host, prefix))) for (const m of members) add(single(m, hid), [m]);
      else {
        const g: GraphViewNode = {
          id: groupKey(p.host, prefix),
          kind: 'endpoint',
          label: `${prefix}/… (${members.length})`,
          count: 0,
          host: p.host,
          method: null,
          path: prefix,
          firstSeen: Infinity,
          lastSeen: -Infinity,
          findings: 0,
          maxSeverity: null,
          sensitive: [],
          parent: hid,
          members: members.length,
          expandKey: groupKey(p.host, prefix),
          filter: prefixFilter(p.host, prefix),
        };
        for (const m of members) mergeInto(g, m);
        add(g, members);
      }
    }
  }
  for (const n of others) add(single(n, null), [n]);

  // Still too many (one huge expanded host): keep the busiest, their containers, and the focus.
  let drawn = [...viewNodes.values()];
  if (drawn.length > maxNodes) {
    capped = true;
    const keep = new Set<string>();
    if (opts.focus !== undefined && reps.has(opts.focus)) keep.add(reps.get(opts.focus)!.id);
    for (const v of [...drawn].filter((v) => v.kind !== 'host' || v.expandKey !== null).sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1))) {
      if (keep.size >= maxNodes) break;
      keep.add(v.id);
    }
    for (const id of [...keep]) {
      const parent = viewNodes.get(id)?.parent;
      if (parent) keep.add(parent);
    }
    drawn = drawn.filter((v) => keep.has(v.id));
  }
  const drawnIds = new Set(drawn.map((v) => v.id));

  // ---- edges between what is drawn ----
  /** A drawn edge while merging: `via` is counted, then ranked into the GraphEdge's list. */
  type Merged = Omit<GraphEdge, 'via'> & { viaCount: Map<string, number> | null };
  const merged = new Map<string, Merged>();
  for (const e of edges) {
    const s = reps.get(e.source)?.id;
    const t = reps.get(e.target)?.id;
    if (s === undefined || t === undefined || s === t || !drawnIds.has(s) || !drawnIds.has(t)) continue;
    const id = `${e.kind}:${s}->${t}`;
    let m = merged.get(id);
    if (!m) merged.set(id, (m = { id, source: s, target: t, kind: e.kind, count: 0, firstSeen: e.firstSeen, lastSeen: e.lastSeen, viaCount: null }));
    m.count += e.count;
    if (e.firstSeen < m.firstSeen) m.firstSeen = e.firstSeen;
    if (e.lastSeen > m.lastSeen) m.lastSeen = e.lastSeen;
    for (const [i, v] of e.via.entries()) {
      m.viaCount ??= new Map();
      m.viaCount.set(v, (m.viaCount.get(v) ?? 0) + e.count / (i + 1));
    }
  }
  let kept = [...merged.values()].filter((m) => m.count >= minCount).sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1));
  if (kept.length > maxEdges) {
    capped = true;
    kept = kept.slice(0, maxEdges);
  }
  // Filters only for the edges drawn: building them is most of the cost of a big merge.
  const viewEdges: GraphViewEdge[] = kept.map(({ viaCount, ...m }) => ({
    ...m,
    via: viaCount ? [...viaCount].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k]) => k) : [],
    filter: `(${anyOf([viewNodes.get(m.source)!.filter, viewNodes.get(m.target)!.filter])}) and ${timeFilter(m.firstSeen, m.lastSeen)}`,
  }));

  const allHosts = [...new Set(model.nodes.filter((n) => n.kind === 'host').map((n) => n.host ?? n.label))].sort();
  return {
    nodes: drawn.map((v) => ({ ...v, firstSeen: Number.isFinite(v.firstSeen) ? v.firstSeen : 0, lastSeen: Number.isFinite(v.lastSeen) ? v.lastSeen : 0 })),
    edges: viewEdges,
    total: { nodes: model.nodes.length, edges: model.edges.length, exchanges: model.exchanges },
    capped,
    hosts: allHosts,
    actors: model.actors,
    timeRange: model.timeRange,
  };
}

/** Raw nodes whose label or id contains `text`, each with the drawn node that holds it. */
export function searchNodes(model: GraphModel, view: Pick<GraphView, 'nodes'>, text: string, limit = 50): GraphSearchMatch[] {
  const q = text.toLowerCase();
  const drawn = new Map(view.nodes.map((n) => [n.id, n]));
  const out: GraphSearchMatch[] = [];
  for (const n of model.nodes) {
    if (!n.label.toLowerCase().includes(q) && !n.id.toLowerCase().includes(q)) continue;
    let expandKey: string | null = null;
    if (!drawn.has(n.id) && n.kind === 'endpoint') {
      const holder = view.nodes.find((v) => v.expandKey !== null && v.host === n.host && (v.kind === 'host' || (n.path ?? '').startsWith(`${v.path ?? ''}/`)));
      expandKey = holder?.expandKey ?? null;
    }
    out.push({ id: n.id, label: n.kind === 'endpoint' ? `${n.host ?? ''} ${n.label}` : n.label, kind: n.kind, expandKey });
    if (out.length >= limit) break;
  }
  return out;
}
