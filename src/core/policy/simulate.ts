/**
 * Dry-run: what a policy would have done to the captured traffic. Per rule: requests looked at
 * and acted on, by actor, split into traffic from actors behind findings (likely true positives)
 * and clean traffic (likely false positives), with sample exchange ids to drill into. One pass in
 * time order over the request-side columns only; actors are numbered once per exchange (context.ts)
 * and counted in arrays by number. Memory is bounded by distinct actors and rate-limit keys, not by
 * the traffic.
 */
import type { Db } from '../store/db.ts';
import { forEachRequest, readBody } from '../store/exchanges.ts';
import { forEachRequestKept } from '../store/request-columns.ts';
import { withRoom, type Request } from './context.ts';
import { compilePolicy } from './evaluate.ts';
import { policyRevision } from './load.ts';
import type { Action, Policy, RuleType } from './types.ts';

/** The parts of a finding simulation needs (src/core/detect Finding satisfies it). */
export interface FindingLike {
  id: string;
  rule: string;
  category: string;
  severity: string;
  actor: { ip: string | null; principal: string | null };
  endpoint: { host: string; method: string; path: string };
  requestIds: readonly number[];
  /** Triage status when stored; false positives and suppressed findings are not evidence. */
  status?: string;
}

/** Who the findings point at, for classifying simulated matches. */
export interface FindingIndex {
  ips: ReadonlySet<string>;
  principals: ReadonlySet<string>;
  requestIds: ReadonlySet<number>;
}

export function indexFindings(findings: readonly FindingLike[]): FindingIndex {
  const ips = new Set<string>();
  const principals = new Set<string>();
  const requestIds = new Set<number>();
  for (const f of findings) {
    if (f.status === 'false-positive' || f.status === 'suppressed') continue;
    // A principal-level finding points at the principal; its IP may be shared (NAT, proxies).
    if (f.actor.principal) principals.add(f.actor.principal);
    else if (f.actor.ip) ips.add(f.actor.ip);
    for (const id of f.requestIds) requestIds.add(id);
  }
  return { ips, principals, requestIds };
}

export interface ActorCount {
  actor: string;
  requests: number;
  /** The actor is behind at least one finding. */
  flagged: boolean;
}

export interface RuleSimulation {
  id: string;
  type: RuleType;
  action: Action;
  /** Requests in the rule's scope (for rules without a scope: every request). */
  evaluated: number;
  /** Requests the rule acts on (would block, throttle or log). */
  matched: number;
  blocked: number;
  throttled: number;
  logged: number;
  actors: { distinct: number; top: ActorCount[] };
  likelyTruePositives: { requests: number; actors: number; evidenceRequests: number };
  likelyFalsePositives: { requests: number; actors: number };
  samples: { flagged: number[]; clean: number[] };
  /** The first reason the rule gave (e.g. which signature, which limit). */
  example: string | null;
}

export interface SimulationResult {
  policy: string;
  revision: string;
  exchanges: number;
  seconds: number;
  totals: { blocked: number; throttled: number; logged: number; passed: number; blockedFlagged: number; blockedClean: number };
  rules: RuleSimulation[];
}

export interface SimulateOptions {
  findings?: readonly FindingLike[];
  findingIndex?: FindingIndex;
  /** Actors listed per rule (default 10). */
  topN?: number;
  /** Sample exchange ids kept per rule and class (default 10). */
  samples?: number;
  /** Workspace filter-language expression (only when simulating a Db). */
  filter?: string;
  onProgress?: (exchanges: number) => void;
  /**
   * Keep a copy of the workspace's request side on this connection, so the next dry-run (the
   * workbench re-runs after every edit) reads memory (store/request-columns.ts). One-shot runs
   * (the CLI) stream instead: making the copy costs the first run about a fifth more.
   */
  keep?: boolean;
}

class Tally {
  evaluated = 0;
  matched = 0;
  flaggedRequests = 0;
  evidenceRequests = 0;
  /** Per actor number: matched requests. */
  counts = new Int32Array(0);
  /** Per actor number: 0 not seen, 1 seen clean, 2 behind a finding (as of its first match). */
  seen = new Uint8Array(0);
  /** Actor numbers in order of first match. */
  readonly actors: number[] = [];
  readonly flaggedSamples: number[] = [];
  readonly cleanSamples: number[] = [];
  example: string | null = null;

  count(actor: number, flagged: boolean): void {
    this.counts = withRoom(this.counts, actor);
    this.seen = withRoom(this.seen, actor);
    if (this.seen[actor] === 0) {
      this.seen[actor] = flagged ? 2 : 1;
      this.actors.push(actor);
    }
    this.counts[actor]++;
  }
}

/** Per interned string: whether a set holds it, looked up once. */
class Membership {
  private readonly set: ReadonlySet<string>;
  private known = new Uint8Array(0);

  constructor(set: ReadonlySet<string>) {
    this.set = set;
  }

  has(id: number, strings: readonly string[]): boolean {
    this.known = withRoom(this.known, id);
    let v = this.known[id];
    if (v === 0) this.known[id] = v = this.set.has(strings[id]) ? 2 : 1;
    return v === 2;
  }
}

const EMPTY_INDEX: FindingIndex = { ips: new Set(), principals: new Set(), requestIds: new Set() };

export function simulatePolicy(source: Db | Iterable<Request>, policy: Policy, opts: SimulateOptions = {}): SimulationResult {
  const started = performance.now();
  const compiled = compilePolicy(policy);
  const index = opts.findingIndex ?? (opts.findings ? indexFindings(opts.findings) : EMPTY_INDEX);
  const topN = opts.topN ?? 10;
  const maxSamples = opts.samples ?? 10;
  const tallies = compiled.rules.map(() => new Tally());
  const actions = compiled.rules.map((c) => c.rule.action);
  const totals = { blocked: 0, throttled: 0, logged: 0, passed: 0, blockedFlagged: 0, blockedClean: 0 };
  const ctx = compiled.context;
  const names = ctx.ids.strings;
  const flaggedIps = new Membership(index.ips);
  const flaggedPrincipals = new Membership(index.principals);
  const checkIps = index.ips.size > 0;
  const checkPrincipals = index.principals.size > 0;
  const checkIds = index.requestIds.size > 0;
  let unknown = -1;
  let n = 0;
  const visit = (e: Request): void => {
    n++;
    if (opts.onProgress && n % 100_000 === 0) opts.onProgress(n);
    const verdicts = compiled.judge(e);
    let flagged: boolean | undefined;
    let actor = -1;
    let blocked = false;
    let throttled = false;
    let logged = false;
    for (let i = 0; i < verdicts.length; i++) {
      const v = verdicts[i];
      if (v === null) continue;
      const t = tallies[i];
      t.evaluated++;
      if (v === false) continue;
      t.matched++;
      t.example ??= v;
      if (flagged === undefined) {
        const principal = ctx.principalId();
        const ip = ctx.ipId();
        flagged = (checkPrincipals && principal >= 0 && flaggedPrincipals.has(principal, names)) || (checkIps && ip >= 0 && flaggedIps.has(ip, names));
        // The actor: principal, else IP, else 'unknown' (one numbering: equal strings are one actor).
        actor = principal >= 0 ? principal : ip >= 0 ? ip : unknown >= 0 ? unknown : (unknown = ctx.ids.id('unknown'));
      }
      const evidence = checkIds && index.requestIds.has(e.id);
      t.count(actor, flagged);
      if (flagged || evidence) {
        t.flaggedRequests++;
        if (evidence) t.evidenceRequests++;
        if (t.flaggedSamples.length < maxSamples) t.flaggedSamples.push(e.id);
      } else if (t.cleanSamples.length < maxSamples) t.cleanSamples.push(e.id);
      const action = actions[i];
      if (action === 'block') blocked = true;
      else if (action === 'throttle') throttled = true;
      else logged = true;
    }
    if (blocked) {
      totals.blocked++;
      if (flagged || (checkIds && index.requestIds.has(e.id))) totals.blockedFlagged++;
      else totals.blockedClean++;
    } else if (throttled) totals.throttled++;
    else if (logged) totals.logged++;
    else totals.passed++;
  };
  if (Symbol.iterator in source) for (const e of source as Iterable<Request>) visit(e);
  else {
    const db = source as Db;
    // One record refilled per row; bodies by id, loaded only when a scan or schema of that body
    // is not memoised.
    ctx.loadBody = (id) => readBody(db, id);
    (opts.keep ? forEachRequestKept : forEachRequest)(db, { order: 'time', withBodies: compiled.needsBodies ? 'lazy' : false, withExtra: compiled.needsExtra, filter: opts.filter }, visit);
  }
  const rules = compiled.rules.map(({ rule }, i): RuleSimulation => {
    const t = tallies[i];
    const all = t.actors.map((id) => ({ actor: names[id], requests: t.counts[id], flagged: t.seen[id] === 2 }));
    all.sort((a, b) => b.requests - a.requests || (a.actor < b.actor ? -1 : 1));
    const flaggedActors = all.filter((a) => a.flagged).length;
    return {
      id: rule.id,
      type: rule.type,
      action: rule.action,
      evaluated: t.evaluated,
      matched: t.matched,
      blocked: rule.action === 'block' ? t.matched : 0,
      throttled: rule.action === 'throttle' ? t.matched : 0,
      logged: rule.action === 'log' ? t.matched : 0,
      actors: { distinct: all.length, top: all.slice(0, topN) },
      likelyTruePositives: { requests: t.flaggedRequests, actors: flaggedActors, evidenceRequests: t.evidenceRequests },
      likelyFalsePositives: { requests: t.matched - t.flaggedRequests, actors: all.length - flaggedActors },
      samples: { flagged: t.flaggedSamples, clean: t.cleanSamples },
      example: t.example,
    };
  });
  return { policy: policy.name, revision: policyRevision(policy), exchanges: n, seconds: (performance.now() - started) / 1000, totals, rules };
}
