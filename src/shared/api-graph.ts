/**
 * The graph slice of the Api (composed into src/shared/api.ts): the API dependency graph built from
 * the workspace's traffic (src/core/graph), aggregated and capped in the engine so the renderer only
 * ever draws what it can, and one actor's path through the API over time.
 *
 * Node and edge kinds are the ones `cartograph graph --json` prints (cli-contract.md).
 */
import { z } from 'zod';
import type { Severity } from './api-detect.ts';

export const GRAPH_NODE_KINDS = ['host', 'service', 'endpoint', 'principal'] as const;
export type GraphNodeKind = (typeof GRAPH_NODE_KINDS)[number];

/**
 * sequence: A then B by the same actor within the session gap; data-flow: a value from A's response
 * sent in a later request to B by the same actor; auth: a credential A issued used on B; calls: a
 * gateway (host) forwarding to an upstream service, or a principal calling an endpoint.
 */
export const GRAPH_EDGE_KINDS = ['sequence', 'data-flow', 'auth', 'calls'] as const;
export type GraphEdgeKind = (typeof GRAPH_EDGE_KINDS)[number];

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  /** Exchanges the node stands for (for a service: forwarded requests). */
  count: number;
  host: string | null;
  method: string | null;
  /** Path template for endpoints. */
  path: string | null;
  firstSeen: number;
  lastSeen: number;
  /** Findings whose endpoint is this node (or, for a host, anywhere on it). */
  findings: number;
  maxSeverity: Severity | null;
  /** Sensitive field kinds seen in responses (email, phone, card, secret…). */
  sensitive: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** For data-flow/auth: the response fields the values came from (a few, most common first). */
  via: string[];
}

export interface GraphActor {
  /** `principal` when known, else the client IP. */
  key: string;
  principal: string | null;
  ip: string | null;
  count: number;
}

/** A node as the view draws it: an endpoint, or an aggregate the analyst can expand. */
export interface GraphViewNode extends GraphNode {
  /** Id of the host group node the node sits in (elk compound node), null at top level. */
  parent: string | null;
  /** Endpoints the node aggregates (1 for a plain endpoint). */
  members: number;
  /** Id to pass in `expanded` to see the node's members. */
  expandKey: string | null;
  /** Filter-language expression selecting the node's exchanges (for the traffic view). */
  filter: string;
}

export interface GraphViewEdge extends GraphEdge {
  filter: string;
}

export interface GraphView {
  nodes: GraphViewNode[];
  edges: GraphViewEdge[];
  /** Before aggregation and caps: the whole graph under the filters. */
  total: { nodes: number; edges: number; exchanges: number };
  /** Nodes or edges were left out to stay under the caps (the biggest are kept). */
  capped: boolean;
  hosts: string[];
  actors: GraphActor[];
  timeRange: { from: number; to: number } | null;
  /** When `search` was given: matching nodes of the whole graph (focus one to see it). */
  matches: GraphSearchMatch[];
  seconds: number;
}

export interface GraphSearchMatch {
  id: string;
  label: string;
  kind: GraphNodeKind;
  /** The drawn aggregate holding it, when it is not drawn itself. */
  expandKey: string | null;
}

export interface SessionStep {
  exchangeId: number;
  time: number;
  method: string;
  status: number | null;
  /** The endpoint node id (as in GraphView before aggregation). */
  node: string;
  label: string;
  /** Milliseconds since the previous step; null for the first. */
  gapMs: number | null;
  /** True when the gap exceeds the session gap: a new session starts here. */
  newSession: boolean;
}

export interface SessionPath {
  actor: GraphActor;
  total: number;
  steps: SessionStep[];
  sessions: number;
}

const text = (max: number) => z.string().min(1).max(max);
const time = z.number().int().min(0).max(8.64e15);

const graphQuery = {
  filter: z.string().max(10_000).default(''),
  from: time.optional(),
  to: time.optional(),
  principal: text(1024).optional(),
  /** Session gap for sequence edges, ms. */
  gapMs: z.number().int().min(1000).max(86_400_000).default(30 * 60_000),
};

export const graphInputs = {
  'graph.view': z
    .object({
      ...graphQuery,
      kinds: z.array(z.enum(GRAPH_EDGE_KINDS)).max(4).optional(),
      hosts: z.array(text(1024)).max(200).optional(),
      minCount: z.number().int().min(1).default(1),
      principals: z.boolean().default(false),
      /** Group keys the analyst expanded. */
      expanded: z.array(text(2048)).max(500).default([]),
      /** Group big hosts' endpoints by path prefix (off: every endpoint, up to maxNodes). */
      group: z.boolean().default(true),
      /** Node id: show only its neighbourhood. */
      focus: text(4096).optional(),
      depth: z.number().int().min(1).max(4).default(1),
      search: z.string().max(200).optional(),
      maxNodes: z.number().int().min(10).max(2500).default(400),
      maxEdges: z.number().int().min(10).max(10_000).default(2000),
    })
    .strict(),
  'graph.session': z
    .object({ ...graphQuery, ip: text(256).optional(), limit: z.number().int().min(1).max(5000).default(500) })
    .strict()
    .refine((a) => a.ip !== undefined || a.principal !== undefined, 'give an ip, a principal or both'),
} as const;

export interface GraphResults {
  'graph.view': GraphView;
  'graph.session': SessionPath;
}
