/**
 * The detection slice of the Api (composed into src/shared/api.ts): running the engine over the
 * workspace, listing and triaging findings, suppressions, explaining what every rule made of one
 * exchange, the rule pack (with docs and the JSON Schema the rule editor validates against), trying
 * a rule being written against the workspace, and one actor's timeline.
 *
 * The detection vocabulary (categories, severities, statuses, the Finding shape) is defined here,
 * where both the engine (src/core/detect) and the renderer can import it.
 */
import { z } from 'zod';
import type { ExchangeRow } from './api.ts';

/** Detection categories and the OWASP API Security Top 10 (2023) entry each maps to. */
export const DETECTION_CATEGORIES = {
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
export type Category = keyof typeof DETECTION_CATEGORIES;
const CATEGORY_IDS = Object.keys(DETECTION_CATEGORIES) as [Category, ...Category[]];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_STATUSES = ['open', 'confirmed', 'false-positive', 'suppressed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const FINDING_GROUPINGS = ['category', 'actor', 'endpoint'] as const;
export type FindingGrouping = (typeof FINDING_GROUPINGS)[number];

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

/** A finding as the workspace holds it: with the analyst's (or a suppression's) verdict. */
export interface FindingRecord extends Finding {
  status: FindingStatus;
  note: string | null;
  runId: number;
}

export interface FindingGroup {
  /** Category id, `principal/ip` of the actor, or `METHOD host path`. */
  key: string;
  count: number;
  bySeverity: Record<Severity, number>;
  /** Ids of the group's findings, in list order. */
  findingIds: string[];
}

export interface FindingList {
  findings: FindingRecord[];
  /** Counts over every finding in the workspace (before the status/category filter). */
  counts: { total: number; byStatus: Record<FindingStatus, number>; bySeverity: Record<Severity, number>; byCategory: Partial<Record<Category, number>> };
  /** Present when `groupBy` was given: groups of the listed findings, largest first. */
  groups?: FindingGroup[];
}

/** One evidence request: the traffic table's view of an exchange. */
export type EvidenceRow = Pick<ExchangeRow, 'id' | 'time' | 'method' | 'scheme' | 'host' | 'path' | 'query' | 'status' | 'ip' | 'principal'>;

export interface RuleInfo {
  id: string;
  kind: 'match' | 'window' | 'behaviour';
  category: Category;
  owasp: string;
  severity: Severity;
  confidence: number;
  title: string;
  description: string | null;
  /** The rule's Markdown explanation (what, why, how to tune). */
  doc: string | null;
  /** The rule file, relative to the pack's folder. */
  source: string;
  enabled: boolean;
}

export interface FindingDetail {
  finding: FindingRecord;
  /** Evidence requests that are still in the workspace, in time order. */
  evidence: EvidenceRow[];
  rule: RuleInfo | null;
}

export interface SuppressionInfo {
  id: number;
  rule: string | null;
  /** Principal or IP. */
  actor: string | null;
  host: string | null;
  method: string | null;
  path: string | null;
  note: string | null;
  createdAt: number;
}

export interface RuleExplanationInfo {
  rule: string;
  kind: 'match' | 'window' | 'behaviour';
  category: string;
  /** The rule's filter accepted the exchange (it is the kind of request the rule is about). */
  lookedAt: boolean;
  matched: boolean;
  reason: string;
  findingId: string | null;
}

/** A detection run's progress (event `detect.progress`, about twice a second). */
export interface DetectProgress {
  exchanges: number;
  /** Exchanges in the workspace when the run started. */
  total: number;
  exchangesPerSecond: number;
}

export interface DetectRunResult {
  runId: number;
  findings: number;
  exchanges: number;
  seconds: number;
  /** Set when no published spec is known: shadow-api findings are not made. */
  warning: string | null;
}

export interface RuleTestError {
  /** The rule id, when the error sits inside one. */
  rule: string | null;
  /** JSON pointer of the offending field inside the rule, e.g. /match/all/0/regex. */
  field: string | null;
  message: string;
}

export type RuleTestResult =
  | {
      ok: true;
      rules: string[];
      /** Exchanges the rules ran over (all of the workspace unless `truncated`). */
      exchanges: number;
      truncated: boolean;
      seconds: number;
      /** Findings the rules make on the workspace (at most 500; `total` counts all). */
      matches: Finding[];
      total: number;
    }
  | { ok: false; errors: RuleTestError[] };

export interface ActorTimelineEntry extends EvidenceRow {
  /** Findings this exchange is evidence of. */
  findingIds: string[];
}

export interface ActorTimeline {
  actor: { ip: string | null; principal: string | null };
  /** Exchanges of the actor in the workspace; `entries` holds the first `limit` in time order. */
  total: number;
  entries: ActorTimelineEntry[];
  /** The findings the entries refer to (summaries). */
  findings: Pick<Finding, 'id' | 'rule' | 'category' | 'severity' | 'title'>[];
}

const findingId = z.string().regex(/^[a-f0-9]{8,64}$/, 'not a finding id');
const text = (max: number) => z.string().min(1).max(max);

export const detectInputs = {
  'detect.run': z.object({ rulesDir: text(4096).optional() }).strict(),
  /** Stops the running detection (its detect.run then fails with code 'cancelled'); nothing when none runs. */
  'detect.cancel': z.object({}).strict(),
  'findings.list': z
    .object({ status: z.enum(FINDING_STATUSES).optional(), category: z.enum(CATEGORY_IDS).optional(), groupBy: z.enum(FINDING_GROUPINGS).optional() })
    .strict(),
  'findings.get': z.object({ id: findingId }).strict(),
  'findings.triage': z.object({ id: findingId, status: z.enum(FINDING_STATUSES), note: z.string().max(10_000).optional() }).strict(),
  'suppressions.list': z.object({}).strict(),
  'suppressions.add': z
    .object({ rule: text(200).optional(), actor: text(1024).optional(), host: text(1024).optional(), method: text(16).optional(), path: text(4096).optional(), note: z.string().max(10_000).optional() })
    .strict()
    .refine((s) => s.rule !== undefined || s.actor !== undefined || s.host !== undefined || s.path !== undefined, 'a suppression needs at least a rule, an actor, a host or a path'),
  'suppressions.remove': z.object({ id: z.number().int().positive() }).strict(),
  'detect.explain': z.object({ exchangeId: z.number().int().positive() }).strict(),
  'rules.list': z.object({}).strict(),
  'rules.schema': z.object({}).strict(),
  'rules.source': z.object({ id: text(200) }).strict(),
  'rules.test': z.object({ yaml: z.string().min(1).max(1024 * 1024) }).strict(),
  'actor.timeline': z
    .object({ ip: text(256).optional(), principal: text(1024).optional(), limit: z.number().int().min(1).max(5000).default(500) })
    .strict()
    .refine((a) => a.ip !== undefined || a.principal !== undefined, 'give an ip, a principal or both'),
} as const;

export interface DetectResults {
  'detect.run': DetectRunResult;
  'detect.cancel': void;
  'findings.list': FindingList;
  'findings.get': FindingDetail;
  'findings.triage': FindingRecord;
  'suppressions.list': SuppressionInfo[];
  'suppressions.add': SuppressionInfo;
  'suppressions.remove': void;
  'detect.explain': RuleExplanationInfo[];
  'rules.list': RuleInfo[];
  /** The rule-pack JSON Schema, as text (for the rule editor's validation). */
  'rules.schema': string;
  /** The YAML text of the built-in rule file holding rule `id` (the rule editor starts from it). */
  'rules.source': string;
  'rules.test': RuleTestResult;
  'actor.timeline': ActorTimeline;
}
