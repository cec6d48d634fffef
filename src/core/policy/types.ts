/**
 * The policy vocabulary: a named list of rules (rate limits, access lists, blocked endpoints, a
 * positive security model, signature blocks), each saying where it came from. This is the
 * normalised form (defaults filled in, durations in ms) that simulation and every exporter read;
 * resources/schemas/policy.schema.json describes the YAML a person writes.
 */

export type Action = 'block' | 'throttle' | 'log';
export type RuleType = PolicyRule['type'];

export interface RuleSource {
  origin: 'draft' | 'manual' | 'import';
  /** Finding ids the rule rests on (capped; findingCount has the full number). */
  findings?: string[];
  findingCount?: number;
  detectionRules?: string[];
  categories?: string[];
  /** One human sentence on why the rule exists. */
  evidence?: string;
}

/** Which requests a rule looks at; an absent list means "any". */
export interface Scope {
  hosts?: string[];
  methods?: string[];
  /** Path templates: {name} or * match one segment, a final ** the rest. */
  paths?: string[];
}

interface RuleBase {
  id: string;
  description?: string;
  action: Action;
  enabled: boolean;
  source: RuleSource;
}

export interface RateLimitRule extends RuleBase {
  type: 'rate-limit';
  scope?: Scope;
  key: 'ip' | 'principal';
  /** Requests allowed per window, sustained. */
  limit: number;
  windowMs: number;
  /** Requests above the steady rate absorbed at once (NGINX's burst: the bucket holds burst + 1). */
  burst: number;
}

export type UserAgentMatch = { contains: string } | { regex: string };

export interface AccessListRule extends RuleBase {
  type: 'access-list';
  scope?: Scope;
  /** deny: matching requests are refused; allow: only matching requests pass (within the scope). */
  mode: 'deny' | 'allow';
  ips?: string[];
  cidrs?: string[];
  principals?: string[];
  userAgents?: UserAgentMatch[];
  /** ISO 3166 alpha-2; judged only where logs carry a country (extra.country). */
  countries?: string[];
}

export interface EndpointRef {
  host?: string;
  /** '*' = any method. */
  method: string;
  path: string;
  reason?: string;
}

export interface BlockEndpointsRule extends RuleBase {
  type: 'block-endpoints';
  endpoints: EndpointRef[];
  /** Methods refused everywhere (TRACE, CONNECT…). */
  methods: string[];
}

export type JsonSchema = Record<string, unknown>;

export interface OperationParameter {
  in: 'query' | 'path' | 'header';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  host?: string;
  method: string;
  path: string;
  parameters?: OperationParameter[];
  requestBody?: { required?: boolean; contentTypes?: string[]; schema?: JsonSchema };
}

export interface PositiveModelRule extends RuleBase {
  type: 'positive-model';
  operations: Operation[];
  /** Query parameters an operation does not declare: reject (default) or allow. */
  unknownParameters: 'reject' | 'allow';
}

export type SignatureTarget = 'path' | 'query' | 'url' | 'headers' | 'cookies' | 'user-agent' | 'body';

export interface SignatureRule extends RuleBase {
  type: 'signature';
  scope?: Scope;
  /** Names of the detection engine's signature libraries (src/core/detect/signatures.ts). */
  signatures: string[];
  targets: SignatureTarget[];
}

export type PolicyRule = RateLimitRule | AccessListRule | BlockEndpointsRule | PositiveModelRule | SignatureRule;

export interface Policy {
  name: string;
  description?: string;
  workspace?: string;
  rules: PolicyRule[];
}

export const DEFAULT_SIGNATURE_TARGETS: readonly SignatureTarget[] = ['path', 'query', 'headers', 'cookies', 'body'];
