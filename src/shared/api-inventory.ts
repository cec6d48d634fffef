/**
 * The inventory slice of the Api (composed into src/shared/api.ts): the API inventory rebuilt from
 * the traffic (endpoint templates with their statistics, parameters, schemas, auth and sensitive
 * data), the site map, and the analyst's template decisions (merge, split, rename a parameter).
 *
 * The inventory vocabulary is defined here so the engine (src/core/inventory), the CLI and the
 * renderer share one shape. `cartograph inventory --json` prints a projection of Endpoint
 * (cli-contract.md).
 */
import { z } from 'zod';
import type { ExchangeRow } from './api.ts';

/** JSON Schema subset the inventory infers from bodies (draft 2020-12 / OpenAPI 3.1 compatible). */
export interface Schema {
  type?: SchemaType | SchemaType[];
  format?: string;
  properties?: Record<string, Schema>;
  /** Properties present in every sample of the object; the rest were optional. */
  required?: string[];
  items?: Schema;
  /** Set when the walk stopped (depth or width limit): the shape below is unknown. */
  'x-truncated'?: boolean;
}
export type SchemaType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

export type ParamLocation = 'path' | 'query' | 'header' | 'cookie';
export type ParamType = 'integer' | 'number' | 'boolean' | 'string';

export interface Parameter {
  in: ParamLocation;
  name: string;
  type: ParamType;
  /** uuid, objectid, hex, md5, sha1, sha256, date, date-time, email, slug, token… when every value agreed. */
  format?: string;
  /** Present in every request of the endpoint (path parameters always are). */
  required: boolean;
  /** Requests that carried it. */
  count: number;
}

/**
 * Auth schemes as the contract names them. 'jwt' is a Bearer token that decodes as a JWT
 * (AuthSeen.alg holds its header's alg); 'bearer' an opaque one.
 */
export const AUTH_SCHEMES = ['none', 'basic', 'bearer', 'jwt', 'api-key', 'cookie', 'consumer', 'other'] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export interface AuthSeen {
  scheme: AuthScheme;
  /** JWT `alg` (including the dangerous `none`); null for other schemes. */
  alg: string | null;
  /** Header, query parameter or cookie name the credential came in (e.g. authorization, x-api-key). */
  carrier: string | null;
  count: number;
}

/** Id of a rule in the sensitive-data catalogue (resources/classifiers/*.yaml): extensible by the analyst. */
export type SensitiveClass = string;

export interface SensitiveHit {
  class: SensitiveClass;
  direction: 'request' | 'response';
  /** Where it was found: 'query', 'header', 'body', 'path'. */
  location: 'path' | 'query' | 'header' | 'cookie' | 'body';
  /** JSON path ($.user.email), parameter or header name; null for free text. */
  field: string | null;
  /** Requests or responses it was found in. */
  count: number;
}

/** Badges set by other stages: the spec diff (shadow, zombie, orphan) and analyst decisions. */
export type EndpointFlag = 'shadow' | 'zombie' | 'orphan' | 'merged' | 'split' | 'renamed';

export interface Endpoint {
  /** Stable for a host+method+template: sha1 prefix; survives rebuilds. */
  id: string;
  host: string;
  method: string;
  /** Path template, e.g. /api/v1/users/{userId}/orders. */
  path: string;
  count: number;
  statuses: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
  /** Milliseconds; null when no exchange recorded a duration. */
  latency: { p50: number; p95: number } | null;
  principals: number;
  ips: number;
  /** Scheme names in order of frequency ('none' when requests came without credentials). */
  auth: AuthScheme[];
  authDetail: AuthSeen[];
  params: Parameter[];
  requestSchema: Schema | null;
  /** Response body schema per status code (JSON bodies only). */
  responseSchemas: Record<string, Schema>;
  /** Request/response content types seen. */
  contentTypes: { request: string[]; response: string[] };
  sensitive: SensitiveClass[];
  sensitiveDetail: SensitiveHit[];
  /** Distinct concrete paths folded into this template. */
  distinctPaths: number;
  /** A few exchange ids (the first and the latest seen), for sample views. */
  samples: number[];
  /** Findings stored for this endpoint (detection table). */
  findings: number;
  flags: EndpointFlag[];
}

/** `cartograph inventory --json` element (cli-contract.md; fields may be added, never removed). */
export interface InventoryJson {
  host: string;
  method: string;
  path: string;
  count: number;
  statuses: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
  params: { in: ParamLocation; name: string; type: ParamType; format?: string; required: boolean }[];
  auth: AuthScheme[];
  sensitive: SensitiveClass[];
  principals: number;
  ips: number;
  latency: { p50: number; p95: number } | null;
  findings: number;
  flags: EndpointFlag[];
}

export const TEMPLATE_DECISION_KINDS = ['merge', 'split', 'rename'] as const;
export type TemplateDecisionKind = (typeof TEMPLATE_DECISION_KINDS)[number];

/**
 * An analyst decision about one position of a template, kept across imports and rebuilds.
 * `prefix` is the template up to (not including) the decided segment, e.g. /api/users for
 * /api/users/{userId}: merge = its children are one parameter, split = they stay literal,
 * rename = the parameter there is called `name`.
 */
export interface TemplateDecision {
  id: number;
  host: string;
  method: string;
  prefix: string;
  kind: TemplateDecisionKind;
  name: string | null;
  createdAt: string;
}

export interface SiteNode {
  /** Path of this node in template form (/api/users/{userId}). */
  path: string;
  segment: string;
  /** Exchanges at and below the node. */
  count: number;
  /** Endpoint ids whose template ends at this node. */
  endpoints: string[];
  methods: string[];
  badges: { auth: boolean; unauthenticated: boolean; sensitive: boolean; shadow: boolean; zombie: boolean; findings: number };
  /** Filter-language expression selecting this node's traffic (host and path prefix). */
  filter: string;
  children: SiteNode[];
}

export interface SiteHost {
  host: string;
  count: number;
  endpoints: number;
  root: SiteNode;
}

export interface InventorySummary {
  endpoints: Endpoint[];
  /** Exchanges reflected (the workspace's count at build time). */
  exchanges: number;
  builtAt: string;
  /** 'full' rebuild, 'incremental' refinement, or 'cached' (nothing new). */
  mode: 'full' | 'incremental' | 'cached';
}

export interface EndpointDetail {
  endpoint: Endpoint;
  /** Concrete paths folded into it (most frequent first, capped). */
  paths: { path: string; count: number }[];
  samples: ExchangeRow[];
  decisions: TemplateDecision[];
  /** Filter-language expression selecting this endpoint's traffic. */
  filter: string;
}

const endpointId = z.string().regex(/^[0-9a-f]{6,40}$/, 'endpoint id');
const hostName = z.string().min(1).max(300);
const templatePrefix = z.string().max(4000).regex(/^\//, 'starts with /');

export const inventoryInputs = {
  /** The whole inventory (refined incrementally when traffic was added since the last build). */
  'inventory.list': z.object({ host: hostName.optional(), rebuild: z.boolean().default(false) }),
  'inventory.sitemap': z.object({ host: hostName.optional(), search: z.string().max(500).optional() }),
  'inventory.endpoint': z.object({ id: endpointId }),
  'inventory.decide': z.object({
    host: hostName,
    method: z.string().min(1).max(20),
    prefix: templatePrefix,
    kind: z.enum(TEMPLATE_DECISION_KINDS),
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'parameter name').optional(),
  }),
  'inventory.undecide': z.object({ id: z.number().int().positive() }),
  'inventory.decisions': z.object({}),
  'inventory.catalogue': z.object({}),
};

export interface ClassifierInfo {
  id: string;
  title: string;
  file: string;
  severity: 'low' | 'medium' | 'high';
}

export interface InventoryResults {
  'inventory.list': InventorySummary;
  'inventory.sitemap': SiteHost[];
  'inventory.endpoint': EndpointDetail;
  'inventory.decide': { decision: TemplateDecision; endpoints: number };
  'inventory.undecide': { removed: boolean; endpoints: number };
  'inventory.decisions': TemplateDecision[];
  'inventory.catalogue': ClassifierInfo[];
}
