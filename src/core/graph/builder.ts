/**
 * The API dependency graph, built incrementally: `add` one exchange at a time in time order,
 * `result` whenever a picture is wanted. Nodes are hosts, endpoints (method + path template),
 * upstream services named by gateway logs and, optionally, principals. Edges carry a kind and a
 * count (see GRAPH_EDGE_KINDS in src/shared/api-graph.ts).
 *
 * Memory is bounded: endpoints per workspace, actors followed, values remembered per actor and
 * credentials remembered are all capped; what falls out is the least recently seen.
 */
import type { GraphActor, GraphEdge, GraphEdgeKind, GraphNode, GraphNodeKind } from '../../shared/api-graph.ts';
import type { StoredExchange } from '../model/exchange.ts';
import { defaultTemplateOf } from '../detect/template.ts';
import { BoundedMap } from './lru.ts';
import { requestCredentials, requestValues, responseValues, upstreamOf } from './values.ts';

export interface GraphOptions {
  /** A pause longer than this ends an actor's session: no sequence edge across it. */
  gapMs?: number;
  /** Add principal nodes with `calls` edges to the endpoints each one used. */
  principals?: boolean;
  /** Endpoint path template of an exchange (default: the detection engine's lightweight one). */
  templateOf?: (e: StoredExchange) => string;
  limits?: Partial<GraphLimits>;
}

export interface GraphLimits {
  /** Distinct endpoints; later ones are counted in their host's "other" endpoint. */
  endpoints: number;
  /** Actors whose session state is kept (least recently active forgotten first). */
  actors: number;
  /** Response values remembered per actor for data-flow edges. */
  valuesPerActor: number;
  /** Issued credentials remembered for auth edges. */
  tokens: number;
  /** Principal nodes when `principals` is on. */
  principals: number;
  /** Distinct edges; links between nodes not yet joined are not recorded beyond it. */
  edges: number;
}

export const DEFAULT_LIMITS: GraphLimits = { endpoints: 20_000, actors: 50_000, valuesPerActor: 256, tokens: 100_000, principals: 5_000, edges: 500_000 };
export const DEFAULT_GAP_MS = 30 * 60_000;
const ACTOR_LIST = 200;
const VIA_KEYS = 6;

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The most active actors (for the session picker). */
  actors: GraphActor[];
  /** Links not recorded because the edge table was full (0 in any ordinary workspace). */
  droppedEdges: number;
  exchanges: number;
  timeRange: { from: number; to: number } | null;
}

interface NodeAcc {
  id: string;
  kind: GraphNodeKind;
  label: string;
  host: string | null;
  method: string | null;
  path: string | null;
  count: number;
  first: number;
  last: number;
  sensitive: Set<string> | null;
}

interface EdgeAcc {
  kind: GraphEdgeKind;
  s: number;
  t: number;
  count: number;
  first: number;
  last: number;
  via: Map<string, number> | null;
}

interface ActorState {
  /** Exchange count when the entry was last moved to the recent end of the actor map. */
  seq: number;
  last: number;
  lastTime: number;
  /** value -> [node that returned it, field it came from] */
  values: BoundedMap<string, [number, string]>;
}

const KINDS: readonly GraphEdgeKind[] = ['sequence', 'data-flow', 'auth', 'calls'];
/** Edge keys pack kind, source and target into one number (node indexes stay below 2^21). */
const NODE_BITS = 2 ** 21;
const MAX_NODES = NODE_BITS - 1;

export const endpointId = (method: string, hostPort: string, template: string): string => `endpoint:${method} ${hostPort}${template}`;
export const hostId = (hostPort: string): string => `host:${hostPort}`;
export const serviceId = (name: string): string => `service:${name}`;
export const principalId = (p: string): string => `principal:${p}`;

export class GraphBuilder {
  private readonly nodes: NodeAcc[] = [];
  private readonly index = new Map<string, number>();
  private readonly edges = new Map<number, EdgeAcc>();
  /** host:port -> method -> template -> endpoint node: no id string is built per exchange. */
  private readonly endpointIndex = new Map<string, Map<string, Map<string, number>>>();
  private readonly hostIndex = new Map<string, number>();
  private readonly actors: BoundedMap<string, ActorState>;
  private readonly actorCounts = new Map<string, GraphActor>();
  private readonly tokens: BoundedMap<string, [number, string]>;
  private readonly limits: GraphLimits;
  private readonly gapMs: number;
  private readonly principals: boolean;
  private readonly templateOf: (e: StoredExchange) => string;
  private endpoints = 0;
  private principalNodes = 0;
  private count = 0;
  private droppedEdges = 0;
  private from = Infinity;
  private to = -Infinity;

  constructor(opts: GraphOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.gapMs = opts.gapMs ?? DEFAULT_GAP_MS;
    this.principals = opts.principals ?? false;
    this.templateOf = opts.templateOf ?? defaultTemplateOf;
    this.actors = new BoundedMap(this.limits.actors);
    this.tokens = new BoundedMap(this.limits.tokens);
  }

  get exchanges(): number {
    return this.count;
  }

  /** Adds one exchange. Exchanges should arrive in time order (iterateExchanges order 'time'). */
  add(e: StoredExchange): void {
    this.count++;
    const t = e.time;
    if (t < this.from) this.from = t;
    if (t > this.to) this.to = t;
    const hostPort = e.port === null ? e.host : `${e.host}:${e.port}`;
    let host = this.hostIndex.get(hostPort);
    if (host === undefined) {
      host = this.node(hostId(hostPort), 'host', hostPort, hostPort, null, null, t);
      if (host !== -1) this.hostIndex.set(hostPort, host);
    } else this.touch(host, t);
    const ep = this.endpoint(e, hostPort, t);
    if (ep === -1) return;

    const upstream = upstreamOf(e);
    if (upstream !== null) {
      const svc = this.node(serviceId(upstream), 'service', upstream, null, null, null, t);
      if (svc !== -1) this.edge(3, host, svc, t, null);
    }

    const actorKey = e.principal ?? e.ip ?? e.clientIp;
    if (this.principals && e.principal !== null) {
      const pid = principalId(e.principal);
      let p = this.index.get(pid) ?? -1;
      if (p === -1 && this.principalNodes < this.limits.principals) {
        p = this.node(pid, 'principal', e.principal, null, null, null, t);
        if (p !== -1) this.principalNodes++;
      } else if (p !== -1) this.touch(p, t);
      if (p !== -1) this.edge(3, p, ep, t, null);
    }

    // auth: a credential this request presents was issued by an earlier response (any actor:
    // the login request itself is usually anonymous).
    for (const cred of requestCredentials(e)) {
      const issued = this.tokens.get(cred);
      if (issued) {
        this.edge(2, issued[0], ep, t, issued[1]);
        break;
      }
    }

    // What the request sent is needed only to find data-flow sources and to spot echoes.
    let sent: string[] | null = null;
    const sentValues = (): string[] => (sent ??= requestValues(e));
    let actor: ActorState | undefined;
    if (actorKey !== null) {
      this.countActor(actorKey, e);
      actor = this.actors.get(actorKey);
      if (actor) {
        if (actor.last !== ep && t - actor.lastTime <= this.gapMs) this.edge(0, actor.last, ep, t, null);
        // data-flow: one edge per earlier endpoint whose response handed out a value sent now.
        let seen: number[] | null = null;
        for (const v of actor.values.size > 0 ? sentValues() : []) {
          const from = actor.values.get(v);
          if (!from) continue;
          if (seen?.includes(from[0])) continue;
          (seen ??= []).push(from[0]);
          this.edge(1, from[0], ep, t, from[1]);
        }
        actor.last = ep;
        actor.lastTime = t;
        // Recency refreshed only now and then: an entry cannot age out within half the capacity.
        if (this.count - actor.seq >= this.limits.actors / 2) {
          actor.seq = this.count;
          this.actors.set(actorKey, actor);
        }
      } else {
        actor = { seq: this.count, last: ep, lastTime: t, values: new BoundedMap(this.limits.valuesPerActor) };
        this.actors.set(actorKey, actor);
      }
    }

    if (e.status === null || e.status >= 400) return;
    const got = responseValues(e);
    for (const [tok, field] of got.tokens) this.tokens.set(tok, [ep, field]);
    if (got.sensitive.length > 0) {
      const n = this.nodes[ep];
      n.sensitive ??= new Set();
      for (const s of got.sensitive) n.sensitive.add(s);
    }
    if (actor && got.values.length > 0) {
      // A response echoing what the request sent hands out nothing new.
      const echo = sentValues().length > 0 ? new Set(sentValues()) : null;
      for (const [v, field] of got.values) if (!echo?.has(v)) actor.values.set(v, [ep, field]);
    }
  }

  private countActor(key: string, e: StoredExchange): void {
    let a = this.actorCounts.get(key);
    if (!a) {
      if (this.actorCounts.size >= this.limits.actors) return;
      this.actorCounts.set(key, (a = { key, principal: e.principal, ip: e.ip ?? e.clientIp, count: 0 }));
    }
    a.count++;
  }

  private touch(i: number, t: number): void {
    const n = this.nodes[i];
    n.count++;
    if (t < n.first) n.first = t;
    if (t > n.last) n.last = t;
  }

  /** Finds or creates a node and counts one exchange on it; -1 when the node table is full. */
  private node(id: string, kind: GraphNodeKind, label: string, host: string | null, method: string | null, path: string | null, t: number): number {
    let i = this.index.get(id);
    if (i !== undefined) {
      this.touch(i, t);
      return i;
    }
    if (this.nodes.length >= MAX_NODES) return -1;
    i = this.nodes.length;
    this.nodes.push({ id, kind, label, host, method, path, count: 1, first: t, last: t, sensitive: null });
    this.index.set(id, i);
    return i;
  }

  private endpoint(e: StoredExchange, hostPort: string, t: number): number {
    const template = this.templateOf(e);
    let byMethod = this.endpointIndex.get(hostPort);
    if (!byMethod) this.endpointIndex.set(hostPort, (byMethod = new Map()));
    let byTemplate = byMethod.get(e.method);
    if (!byTemplate) byMethod.set(e.method, (byTemplate = new Map()));
    const known = byTemplate.get(template);
    if (known !== undefined) {
      this.touch(known, t);
      return known;
    }
    const id = endpointId(e.method, hostPort, template);
    if (this.endpoints >= this.limits.endpoints) {
      const other = '/…';
      return this.node(endpointId('*', hostPort, other), 'endpoint', `${hostPort} (other endpoints)`, hostPort, '*', other, t);
    }
    this.endpoints++;
    const i = this.node(id, 'endpoint', `${e.method} ${template}`, hostPort, e.method, template, t);
    if (i !== -1) byTemplate.set(template, i);
    return i;
  }

  private edge(kind: number, s: number, t: number, time: number, via: string | null): void {
    const key = (kind * NODE_BITS + s) * NODE_BITS + t;
    let a = this.edges.get(key);
    if (!a) {
      if (this.edges.size >= this.limits.edges) {
        this.droppedEdges++;
        return;
      }
      this.edges.set(key, (a = { kind: KINDS[kind], s, t, count: 0, first: time, last: time, via: null }));
    }
    a.count++;
    if (time < a.first) a.first = time;
    if (time > a.last) a.last = time;
    if (via !== null) {
      a.via ??= new Map();
      const n = a.via.get(via);
      if (n !== undefined) a.via.set(via, n + 1);
      else if (a.via.size < VIA_KEYS * 4) a.via.set(via, 1);
    }
  }

  result(): GraphModel {
    const nodes: GraphNode[] = this.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      label: n.label,
      count: n.count,
      host: n.host,
      method: n.method,
      path: n.path,
      firstSeen: n.first,
      lastSeen: n.last,
      findings: 0,
      maxSeverity: null,
      sensitive: n.sensitive ? [...n.sensitive].sort() : [],
    }));
    const edges: GraphEdge[] = [];
    for (const a of this.edges.values()) {
      const source = this.nodes[a.s].id;
      const target = this.nodes[a.t].id;
      const via = a.via ? [...a.via].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, VIA_KEYS).map(([k]) => k) : [];
      edges.push({ id: `${a.kind}:${source}->${target}`, source, target, kind: a.kind, count: a.count, firstSeen: a.first, lastSeen: a.last, via });
    }
    edges.sort((x, y) => y.count - x.count || (x.id < y.id ? -1 : 1));
    const actors = [...this.actorCounts.values()].sort((x, y) => y.count - x.count || (x.key < y.key ? -1 : 1)).slice(0, ACTOR_LIST);
    return { nodes, edges, actors: actors.map((a) => ({ ...a })), droppedEdges: this.droppedEdges, exchanges: this.count, timeRange: this.count > 0 ? { from: this.from, to: this.to } : null };
  }
}

/** Builds the graph of a sequence of exchanges in one go. */
export function buildGraphOf(exchanges: Iterable<StoredExchange>, opts: GraphOptions = {}): GraphModel {
  const b = new GraphBuilder(opts);
  for (const e of exchanges) b.add(e);
  return b.result();
}
