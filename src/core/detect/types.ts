/**
 * The detection vocabulary: findings (cli-contract.md `detect --json`), rule packs (the compiled
 * form of resources/rules/*.yaml) and the engine's options.
 */
import type { StoredExchange } from '../model/exchange.ts';
import { DETECTION_CATEGORIES, FINDING_STATUSES, SEVERITIES, type Category, type Finding, type FindingStatus, type Severity } from '../../shared/api-detect.ts';

/** The vocabulary is the Api's (src/shared/api-detect.ts): one definition for engine and UI. */
export const CATEGORIES = DETECTION_CATEGORIES;
export { FINDING_STATUSES, SEVERITIES };
export type { Category, Finding, FindingStatus, Severity };
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Most request ids a finding lists; `requestCount` keeps the full number. */
export const MAX_REQUEST_IDS = 200;

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
