/**
 * Incidents: the open, growing form of a finding. Every rule kind feeds requests into an incident
 * keyed by its group (actor, endpoint…); an incident closes when its group has been quiet for the
 * rule's gap (traffic time), and is then turned into a Finding. Only open incidents are held.
 */
import { createHash } from 'node:crypto';
import type { ExchangeView } from './fields.ts';
import { CATEGORIES, MAX_REQUEST_IDS, type Finding, type GroupPart, type RuleSpec, type Severity } from './types.ts';

export interface Incident {
  key: string;
  ip: string | null;
  principal: string | null;
  /** False once requests from more than one IP joined an incident whose key names no actor. */
  singleIp: boolean;
  host: string;
  method: string;
  path: string;
  firstId: number;
  firstTime: number;
  lastTime: number;
  ids: number[];
  count: number;
  succeeded: number;
  failed: number;
  /** Values for the evidence sentence ({distinct}, {sample}, {where}…), set by the rule kind. */
  facts: Record<string, string | number>;
}

/**
 * The key of a view under a grouping. Several rules group alike ([actor, endpoint]…), so keys are
 * kept on the view per grouping (a small array indexed by the grouping's number).
 */
export function groupKey(v: ExchangeView, parts: readonly GroupPart[]): string {
  return keyIn(v, grouping(parts));
}

/** groupKey with the grouping looked up once (rules keep theirs: no look-up per exchange). */
export function keyIn(v: ExchangeView, g: Grouping): string {
  const memo = (v.groupKeys ??= []);
  let k = memo[g.index];
  if (k === undefined) {
    k = computeGroupKey(v, g.parts, g.text);
    memo[g.index] = k;
  }
  return k;
}

export interface Grouping {
  /** Same for every parts list with the same text (rules that group alike share keys). */
  index: number;
  text: string;
  parts: readonly GroupPart[];
}
const groupings = new WeakMap<readonly GroupPart[], Grouping>();
const groupingIndex = new Map<string, number>();
export function grouping(parts: readonly GroupPart[]): Grouping {
  let g = groupings.get(parts);
  if (g === undefined) {
    const text = parts.join(',');
    let index = groupingIndex.get(text);
    if (index === undefined) groupingIndex.set(text, (index = groupingIndex.size));
    groupings.set(parts, (g = { index, text, parts }));
  }
  return g;
}

function partValue(v: ExchangeView, p: GroupPart): string {
  switch (p) {
    case 'actor': return v.actor;
    case 'ip': return v.e.ip ?? v.e.clientIp ?? '';
    case 'principal': return v.e.principal ?? '';
    case 'endpoint': return v.endpointKey;
    case 'host': return v.e.host;
    case 'username': return v.username ?? '';
  }
}

const PREFIX: Record<GroupPart, string> = { actor: 'a', ip: 'i', principal: 'p', endpoint: 'e', host: 'h', username: 'u' };

/**
 * Group keys are interned (a trie per grouping over the parts' values), so every map keyed by one
 * meets the same string object and hashes it once, instead of a new concatenation per request.
 * Bounded: the tries are dropped when they hold too many keys (the strings stay equal either way).
 */
interface KeyNode {
  next: Map<string, KeyNode> | null;
  key: string | null;
}
const keyTries = new Map<string, KeyNode>();
let internedKeys = 0;

function computeGroupKey(v: ExchangeView, parts: readonly GroupPart[], id: string): string {
  let root = keyTries.get(id);
  if (root === undefined) keyTries.set(id, (root = { next: null, key: null }));
  let node: KeyNode = root;
  for (const p of parts) {
    const value = partValue(v, p);
    const next: Map<string, KeyNode> = (node.next ??= new Map());
    let child: KeyNode | undefined = next.get(value);
    if (child === undefined) next.set(value, (child = { next: null, key: null }));
    node = child;
  }
  if (node.key === null) {
    if (++internedKeys > 100_000) {
      keyTries.clear();
      internedKeys = 0;
    }
    let k = '';
    for (const p of parts) k += `${PREFIX[p]}:${partValue(v, p)}|`;
    node.key = k;
  }
  return node.key;
}

function namesActor(parts: readonly GroupPart[]): boolean {
  return parts.includes('actor') || parts.includes('ip') || parts.includes('principal');
}

export function newIncident(key: string, v: ExchangeView, parts: readonly GroupPart[]): Incident {
  const byEndpoint = parts.includes('endpoint');
  const actor = namesActor(parts);
  return {
    key,
    ip: v.e.ip ?? v.e.clientIp,
    principal: actor || parts.includes('username') ? v.e.principal : null,
    singleIp: true,
    host: v.e.host,
    method: byEndpoint ? v.e.method : '*',
    path: byEndpoint ? v.template : '*',
    firstId: v.e.id,
    firstTime: v.e.time,
    lastTime: v.e.time,
    ids: [],
    count: 0,
    succeeded: 0,
    failed: 0,
    facts: {},
  };
}

/** Adds one request (id, time, outcome) to an incident. */
export function addToIncident(inc: Incident, id: number, time: number, status: number | null, ip: string | null): void {
  if (inc.ids.length < MAX_REQUEST_IDS) inc.ids.push(id);
  inc.count++;
  if (time < inc.firstTime) inc.firstTime = time;
  if (time > inc.lastTime) inc.lastTime = time;
  if (status !== null && status >= 200 && status < 400) inc.succeeded++;
  else inc.failed++;
  if (inc.ip !== ip) inc.singleIp = false;
}

export function addView(inc: Incident, v: ExchangeView): void {
  addToIncident(inc, v.e.id, v.e.time, v.e.status, v.e.ip ?? v.e.clientIp);
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** Strips what must not reach a report sentence: control characters and overlong values. */
export function clean(s: string, max = 120): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function fill(template: string, facts: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (facts[k] === undefined ? m : clean(String(facts[k]))));
}

export function findingId(rule: string, inc: Pick<Incident, 'ip' | 'principal' | 'host' | 'method' | 'path' | 'firstId'>, actorNamed: boolean): string {
  const actor = actorNamed ? `${inc.principal ?? ''}/${inc.ip ?? ''}` : '';
  return createHash('sha256').update(`${rule}\u0000${actor}\u0000${inc.host} ${inc.method} ${inc.path}\u0000${inc.firstId}`).digest('hex').slice(0, 20);
}

export function toFinding(rule: RuleSpec, inc: Incident, actorParts: readonly GroupPart[], extra?: { confidence?: number; severity?: Severity }): Finding {
  const actorNamed = namesActor(actorParts);
  // An incident keyed by endpoint or account still names its actor when one IP sent it all.
  const ip = actorNamed || inc.singleIp ? inc.ip : null;
  const principal = actorNamed || actorParts.includes('username') ? inc.principal : null;
  const severity = extra?.severity ?? (inc.succeeded === 0 && rule.severityIfFailed ? rule.severityIfFailed : rule.severity);
  const endpoint = inc.method === '*' ? inc.host : `${inc.method} ${inc.host}${inc.path}`;
  const facts: Record<string, string | number> = {
    count: inc.count,
    succeeded: inc.succeeded,
    failed: inc.failed,
    endpoint,
    host: inc.host,
    actor: principal ?? ip ?? 'unknown actor',
    ...inc.facts,
  };
  return {
    id: findingId(rule.id, { ...inc, ip, principal }, actorNamed || ip !== null),
    rule: rule.id,
    category: rule.category,
    owasp: CATEGORIES[rule.category],
    severity,
    confidence: Math.round((extra?.confidence ?? rule.confidence) * 100) / 100,
    title: rule.title,
    actor: { ip, principal },
    endpoint: { host: inc.host, method: inc.method, path: inc.path },
    requestIds: inc.ids.slice().sort((a, b) => a - b),
    requestCount: inc.count,
    firstSeen: new Date(inc.firstTime).toISOString(),
    lastSeen: new Date(inc.lastTime).toISOString(),
    evidence: fill(rule.evidence, facts),
  };
}

export { formatDuration };

/** Total order for output: time, then rule, then id (deterministic across runs and drivers). */
export function compareFindings(a: Finding, b: Finding): number {
  return a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Open incidents of one rule, in least-recently-touched order (a Map re-inserted on touch), so
 * closing the idle ones is a walk from the front that stops at the first live one.
 */
export class IncidentBook {
  private readonly open = new Map<string, Incident>();
  private readonly gapMs: number;

  constructor(gapMs: number) {
    this.gapMs = gapMs;
  }

  get size(): number {
    return this.open.size;
  }

  get(key: string): Incident | undefined {
    return this.open.get(key);
  }

  touch(inc: Incident): void {
    this.open.delete(inc.key);
    this.open.set(inc.key, inc);
  }

  /** Closes incidents idle for longer than the gap (or all, at flush), oldest first. */
  closeIdle(now: number, all: boolean, out: (inc: Incident) => void): void {
    for (const inc of this.open.values()) {
      if (!all && inc.lastTime + this.gapMs >= now) break;
      this.open.delete(inc.key);
      out(inc);
    }
  }
}
