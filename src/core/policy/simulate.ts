/**
 * Dry-run: what a policy would have done to the captured traffic. Per rule: requests looked at
 * and acted on, by actor, split into traffic from actors behind findings (likely true positives)
 * and clean traffic (likely false positives), with sample exchange ids to drill into. One pass in
 * time order; memory is bounded by distinct actors and rate-limit keys, not by the traffic.
 */
import type { Db } from '../store/db.ts';
import { iterateExchanges } from '../store/exchanges.ts';
import type { StoredExchange } from '../model/exchange.ts';
import { actorOf, compilePolicy, ipOf } from './evaluate.ts';
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
}

class Tally {
  evaluated = 0;
  matched = 0;
  flaggedRequests = 0;
  evidenceRequests = 0;
  readonly actors = new Map<string, { n: number; flagged: boolean }>();
  readonly flaggedSamples: number[] = [];
  readonly cleanSamples: number[] = [];
  example: string | null = null;
}

const EMPTY_INDEX: FindingIndex = { ips: new Set(), principals: new Set(), requestIds: new Set() };

export function simulatePolicy(source: Db | Iterable<StoredExchange>, policy: Policy, opts: SimulateOptions = {}): SimulationResult {
  const started = performance.now();
  const compiled = compilePolicy(policy);
  const index = opts.findingIndex ?? (opts.findings ? indexFindings(opts.findings) : EMPTY_INDEX);
  const topN = opts.topN ?? 10;
  const maxSamples = opts.samples ?? 10;
  const exchanges: Iterable<StoredExchange> =
    Symbol.iterator in source ? (source as Iterable<StoredExchange>) : iterateExchanges(source as Db, { order: 'time', withBodies: compiled.needsBodies, filter: opts.filter });
  const tallies = compiled.rules.map(() => new Tally());
  const actions = compiled.rules.map((c) => c.rule.action);
  const totals = { blocked: 0, throttled: 0, logged: 0, passed: 0, blockedFlagged: 0, blockedClean: 0 };
  const checkIps = index.ips.size > 0;
  const checkPrincipals = index.principals.size > 0;
  const checkIds = index.requestIds.size > 0;
  let n = 0;
  for (const e of exchanges) {
    n++;
    if (opts.onProgress && n % 100_000 === 0) opts.onProgress(n);
    const verdicts = compiled.judge(e);
    let flagged: boolean | undefined;
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
        const ip = checkIps ? ipOf(e) : null;
        flagged = (checkPrincipals && e.principal !== null && index.principals.has(e.principal)) || (ip !== null && index.ips.has(ip));
      }
      const evidence = checkIds && index.requestIds.has(e.id);
      const actor = actorOf(e);
      const a = t.actors.get(actor);
      if (a) a.n++;
      else t.actors.set(actor, { n: 1, flagged });
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
  }
  const rules = compiled.rules.map(({ rule }, i): RuleSimulation => {
    const t = tallies[i];
    const all = [...t.actors].map(([actor, a]) => ({ actor, requests: a.n, flagged: a.flagged }));
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
