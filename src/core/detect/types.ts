/**
 * The detection vocabulary: findings (cli-contract.md `detect --json`), rule packs (the compiled
 * form of resources/rules/*.yaml) and the engine's options.
 */
import type { StoredExchange } from '../model/exchange.ts';

export const CATEGORIES = {
  'credential-stuffing': 'API2:2023',
  'brute-force': 'API2:2023',
  bola: 'API1:2023',
  bfla: 'API5:2023',
  scraping: 'API6:2023',
  injection: 'API8:2023',
  ssrf: 'API7:2023',
  'mass-assignment': 'API3:2023',
  'sensitive-data-exposure': 'API3:2023',
  'resource-consumption': 'API4:2023',
  'credential-in-url': 'API2:2023',
  scanner: 'API8:2023',
  'shadow-api': 'API9:2023',
  'zombie-api': 'API9:2023',
  'security-misconfiguration': 'API8:2023',
} as const;
export type Category = keyof typeof CATEGORIES;

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const FINDING_STATUSES = ['open', 'confirmed', 'false-positive', 'suppressed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Most request ids a finding lists; `requestCount` keeps the full number. */
export const MAX_REQUEST_IDS = 200;

export interface Finding {
  /** Deterministic: hash of rule, actor, endpoint and first request id. */
  id: string;
  rule: string;
  category: Category;
  owasp: string;
  severity: Severity;
  confidence: number;
  title: string;
  actor: { ip: string | null; principal: string | null };
  /** `method`/`path` are '*' when the rule groups by actor or host only. */
  endpoint: { host: string; method: string; path: string };
  requestIds: number[];
  requestCount: number;
  firstSeen: string;
  lastSeen: string;
  evidence: string;
}

/** Published API description shadow/zombie rules judge against (inventory provides the loader). */
export interface SpecOperation {
  method: string;
  /** OpenAPI path template, e.g. /api/v1/users/{userId}; server base paths already prefixed. */
  pathTemplate: string;
  deprecated: boolean;
}
export interface ApiSpec {
  operations: SpecOperation[];
}

export type TemplateOf = (e: StoredExchange) => string;

export interface EngineOptions {
  /** Endpoint resolution; defaults to defaultTemplateOf (numeric/uuid/hex segments → {id}). */
  templateOf?: TemplateOf;
  spec?: ApiSpec | null;
  /** Hard cap on tracked keys per windowed/behaviour rule (LRU beyond it). Default 200,000. */
  maxKeys?: number;
  /** Called for the exchange with this id with what each rule made of it (explain). */
  trace?: { exchangeId: number; onTrace: (t: RuleTrace) => void };
}

export interface RuleTrace {
  rule: string;
  /** The rule's filter accepted the exchange (it is the kind of request the rule is about). */
  lookedAt: boolean;
  matched: boolean;
  /** Why it did or did not match, in plain words. */
  reason: string;
}

// ---------- rule pack (compiled) ----------

export type FieldValue = string | number | null | undefined | readonly (string | number)[];

export interface PredicateSpec {
  all?: PredicateSpec[];
  any?: PredicateSpec[];
  not?: PredicateSpec;
  field?: string;
  equals?: string | number | boolean;
  in?: (string | number)[];
  regex?: string;
  caseSensitive?: boolean;
  contains?: string;
  startsWith?: string;
  endsWith?: string;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  exists?: boolean;
  signature?: string;
  targets?: string[];
}

export type GroupPart = 'actor' | 'ip' | 'principal' | 'endpoint' | 'host' | 'username';

export interface RuleBase {
  id: string;
  kind: 'match' | 'window' | 'behaviour';
  category: Category;
  severity: Severity;
  /** Severity used when none of the finding's requests succeeded (2xx/3xx): an attempt, not a breach. */
  severityIfFailed?: Severity;
  confidence: number;
  title: string;
  description?: string;
  /** Sentence template: {count} {distinct} {ratio} {window} {signature} {where} {sample} {endpoint} {actor} {succeeded} {failed}. */
  evidence: string;
  enabled: boolean;
  /** File the rule came from (for error messages and reports). */
  source: string;
  /** The Markdown explanation beside the rule file (what, why, how to tune), when present. */
  doc?: string;
}

export interface MatchRuleSpec extends RuleBase {
  kind: 'match';
  match: PredicateSpec;
  group: GroupPart[];
  /** An incident closes after this long without a matching request (ms of traffic time). */
  gapMs: number;
  /** Fewer matching requests than this in an incident make no finding. */
  minCount: number;
}

export interface WindowRuleSpec extends RuleBase {
  kind: 'window';
  filter: PredicateSpec | null;
  key: GroupPart[];
  windowMs: number;
  bucket: { capacity: number; leakPerSecond: number } | null;
  /** Field whose distinct values are counted. */
  distinctOf: string | null;
  /** Second distinct count (e.g. IPs behind a distributed stuffing run). */
  distinctOf2: string | null;
  /** Predicate whose share of the window's requests is measured. */
  ratioOf: PredicateSpec | null;
  threshold: { count?: number; distinct?: number; distinct2?: number; ratio?: number; maxDistinct?: number };
}

export type BehaviourModel = 'object-ownership' | 'role-functions' | 'request-properties' | 'response-exposure' | 'shadow' | 'zombie';

export interface BehaviourRuleSpec extends RuleBase {
  kind: 'behaviour';
  model: BehaviourModel;
  filter: PredicateSpec | null;
  params: Record<string, string | number | boolean | string[]>;
}

export type RuleSpec = MatchRuleSpec | WindowRuleSpec | BehaviourRuleSpec;

export interface RulePack {
  name: string;
  rules: RuleSpec[];
}
