/**
 * The one detection engine. `createEngine` is the streaming form a gateway sidecar calls with
 * exchanges in time order; offline detection (offline.ts) drives the very same push/flush over a
 * workspace. All windows run on the traffic's own timestamps, never the wall clock.
 *
 * push() feeds one exchange to every rule, pushBatch() a run of them rule by rule (what offline
 * detection uses: faster, same findings); drain() hands over findings whose incidents have
 * closed (quiet for their rule's gap); flush() closes everything, lets behaviour rules judge,
 * and returns all findings not yet handed over.
 */
import type { StoredExchange } from '../model/exchange.ts';
import { createModel, type Model } from './behaviour.ts';
import { ExchangeView, ScanPlan } from './fields.ts';
import { addView, compareFindings, grouping, IncidentBook, keyIn, newIncident, toFinding, type Grouping, type Incident } from './incidents.ts';
import { compilePredicate, mayHold, planSignatures, type Predicate, type SignatureHit } from './predicates.ts';
import { compileSpec } from './spec.ts';
import { defaultTemplateOf } from './template.ts';
import type { EngineOptions, Finding, MatchRuleSpec, RulePack, RuleTrace } from './types.ts';
import { WindowRule } from './window.ts';

export interface Engine {
  push(e: StoredExchange): void;
  /** push() for each exchange of a time-ordered batch, in one pass per rule (faster offline). */
  pushBatch(batch: readonly StoredExchange[]): void;
  /** Findings whose incidents closed since the last drain (streaming consumers poll this). */
  drain(): Finding[];
  /** Ends the stream: closes every incident, judges behaviour rules, returns what is left. */
  flush(): Finding[];
  /** Live state sizes (memory is bounded by these, not by the traffic). */
  stats(): { exchanges: number; openIncidents: number; windowKeys: number };
}

/** How often (traffic time) idle incidents and emptied window keys are swept. */
const SWEEP_EVERY_MS = 30_000;

interface MatchRuntime {
  spec: MatchRuleSpec;
  pred: Predicate;
  book: IncidentBook;
  grouping: Grouping;
}

export function createEngine(pack: RulePack, opts: EngineOptions = {}): Engine {
  const templateOf = opts.templateOf ?? defaultTemplateOf;
  const maxKeys = opts.maxKeys ?? 200_000;
  const compiledSpec = opts.spec ? compileSpec(opts.spec) : null;
  const enabled = pack.rules.filter((r) => r.enabled);
  const matches: MatchRuntime[] = [];
  const windows: WindowRule[] = [];
  const models: Model[] = [];
  const plan = new ScanPlan();
  for (const r of enabled) {
    if (r.kind === 'match') planSignatures(r.match, plan);
    else if (r.kind === 'window') {
      planSignatures(r.filter, plan);
      planSignatures(r.ratioOf, plan);
    } else planSignatures(r.filter, plan);
  }
  for (const r of enabled) {
    if (r.kind === 'match') matches.push({ spec: r, pred: compilePredicate(r.match), book: new IncidentBook(r.gapMs), grouping: grouping(r.group) });
    else if (r.kind === 'window') windows.push(new WindowRule(r, maxKeys));
    else models.push(createModel(r, maxKeys, compiledSpec));
  }

  /**
   * Which rules an exchange can meet, by method and status (few combinations in any capture): a
   * rule whose predicate those two already make false is never run for it. One flag per rule.
   */
  interface Dispatch {
    matches: Uint8Array;
    windows: Uint8Array;
  }
  const dispatch = new Map<string, Map<number | null, Dispatch>>();
  const all: Dispatch = { matches: new Uint8Array(matches.length).fill(1), windows: new Uint8Array(windows.length).fill(1) };
  function rulesFor(e: StoredExchange): Dispatch {
    let byStatus = dispatch.get(e.method);
    if (byStatus === undefined) {
      if (dispatch.size >= 256) dispatch.clear();
      dispatch.set(e.method, (byStatus = new Map()));
    }
    let d = byStatus.get(e.status);
    if (d === undefined) {
      d = {
        matches: Uint8Array.from(matches, (m) => (mayHold(m.spec.match, e.method, e.status) ? 1 : 0)),
        windows: Uint8Array.from(windows, (w) => (mayHold(w.spec.filter, e.method, e.status) ? 1 : 0)),
      };
      if (byStatus.size >= 1024) byStatus.clear();
      byStatus.set(e.status, d);
    }
    return d;
  }

  let now = -Infinity;
  let nextSweep = -Infinity;
  let exchanges = 0;
  let flushed = false;
  let pending: Finding[] = [];
  /** Signature hits of the rule being evaluated (reused: most exchanges make none). */
  const hits: SignatureHit[] = [];

  /** Per rule, what becomes of an incident it closes. */
  const matchClosers = matches.map((m) => (inc: Incident) => {
    if (inc.count >= m.spec.minCount) pending.push(toFinding(m.spec, inc, m.spec.group));
  });
  const windowClosers = windows.map((w) => (inc: Incident) => pending.push(toFinding(w.spec, inc, w.spec.key)));

  /** A batch's exchanges, their dispatch, and where (and at which traffic time) sweeps fall in it. */
  const views: ExchangeView[] = [];
  const routes: Dispatch[] = [];
  const sweepAt: number[] = [];
  const sweepNow: number[] = [];

  function matchOne(m: MatchRuntime, v: ExchangeView, tracing: boolean): void {
    // (Truncating an array is a runtime call: only when there is something to drop.)
    if (hits.length !== 0) hits.length = 0;
    const matched = m.pred.test(v, hits);
    if (tracing) {
      const hit = hits[0];
      opts.trace!.onTrace({ rule: m.spec.id, lookedAt: true, matched, reason: matched ? (hit ? `${hit.library} signature in ${hit.where}: ${hit.snippet}` : `${m.pred.text} holds`) : (m.pred.whyNot(v) ?? 'no match') });
    }
    if (!matched) return;
    const key = keyIn(v, m.grouping);
    let inc = m.book.get(key);
    if (!inc) {
      inc = newIncident(key, v, m.spec.group);
      const hit = hits[0];
      if (hit) inc.facts = { signature: hit.library, where: hit.where, sample: hit.snippet };
    }
    addView(inc, v);
    m.book.touch(inc);
  }

  /**
   * Feeds a time-ordered batch rule by rule (each rule over every exchange of the batch, then the
   * next rule), not exchange by exchange: a rule's code and state stay hot in the CPU's caches
   * over the batch. Rules share no state and each rule still sees the exchanges in order, with
   * its idle incidents closed at the same points of the stream, so the findings are those of
   * pushing one exchange at a time.
   */
  function pushBatch(batch: readonly StoredExchange[]): void {
    if (flushed) throw new Error('detection engine already flushed');
    const n = batch.length;
    if (n === 0) return;
    const traceId = opts.trace?.exchangeId;
    let traced = -1;
    // (The batch's views are let go however it ends: a rule that throws leaves none behind.)
    try {
      for (let i = 0; i < n; i++) {
        const e = batch[i];
        if (e.time > now) now = e.time;
        views.push(new ExchangeView(e, templateOf(e), plan));
        if (traceId === e.id) traced = i;
        routes.push(traced === i ? all : rulesFor(e));
        if (now >= nextSweep) {
          sweepAt.push(i);
          sweepNow.push(now);
          nextSweep = now + SWEEP_EVERY_MS;
        }
      }
      exchanges += n;
      const sweeps = sweepAt.length;
      for (let r = 0; r < matches.length; r++) {
        const m = matches[r];
        let s = 0;
        for (let i = 0; i < n; i++) {
          if (routes[i].matches[r] === 1) matchOne(m, views[i], i === traced);
          if (s < sweeps && sweepAt[s] === i) m.book.closeIdle(sweepNow[s++], false, matchClosers[r]);
        }
      }
      for (let r = 0; r < windows.length; r++) {
        const w = windows[r];
        let s = 0;
        for (let i = 0; i < n; i++) {
          if (routes[i].windows[r] === 1) {
            const v = views[i];
            const fired = w.push(v);
            if (i === traced) opts.trace!.onTrace({ rule: w.spec.id, matched: fired, ...w.explain(v, fired) });
          }
          if (s < sweeps && sweepAt[s] === i) {
            w.book.closeIdle(sweepNow[s], false, windowClosers[r]);
            w.sweep(sweepNow[s++]);
          }
        }
      }
      for (const m of models) {
        for (let i = 0; i < n; i++) {
          const what = m.push(views[i], i === traced);
          if (i === traced) opts.trace!.onTrace({ rule: m.spec.id, lookedAt: what !== null, matched: false, reason: what ?? 'not the kind of request this rule learns from' });
        }
      }
    } finally {
      views.length = routes.length = sweepAt.length = sweepNow.length = 0;
    }
  }

  function closeAll(): void {
    for (let r = 0; r < matches.length; r++) matches[r].book.closeIdle(now, true, matchClosers[r]);
    for (let r = 0; r < windows.length; r++) windows[r].book.closeIdle(now, true, windowClosers[r]);
  }

  function drain(): Finding[] {
    const out = pending.sort(compareFindings);
    pending = [];
    return out;
  }

  return {
    push: (e) => pushBatch([e]),
    pushBatch,
    drain,
    flush() {
      if (!flushed) {
        closeAll();
        for (const m of models) pending.push(...m.judge());
        flushed = true;
      }
      return drain();
    },
    stats() {
      return {
        exchanges,
        openIncidents: matches.reduce((n, m) => n + m.book.size, 0) + windows.reduce((n, w) => n + w.book.size, 0),
        windowKeys: windows.reduce((n, w) => n + w.activeKeys, 0),
      };
    },
  };
}

/** Exchanges handed to pushBatch at a time when feeding a stream (each batch's views are held until its rules have run). */
export const BATCH_SIZE = 256;

/**
 * Feeds a time-ordered stream to an engine in batches, calling `every.at(n)` after each
 * `every.n` exchanges (progress, cancelling, draining) with the count so far; it returns false to
 * stop feeding there (without `every`, the whole stream is fed). Returns how many exchanges were fed.
 */
export function feedEngine(engine: Engine, exchanges: Iterable<StoredExchange>, every: { n: number; at: (count: number) => boolean | void } = { n: Infinity, at: () => true }): number {
  const batch: StoredExchange[] = [];
  let count = 0;
  for (const e of exchanges) {
    batch.push(e);
    const due = ++count % every.n === 0;
    if (batch.length < BATCH_SIZE && !due) continue;
    engine.pushBatch(batch);
    batch.length = 0;
    if (due && every.at(count) === false) return count;
  }
  engine.pushBatch(batch);
  return count;
}

/** Runs a whole, time-ordered sequence of exchanges through one engine. */
export function detectExchanges(exchanges: Iterable<StoredExchange>, pack: RulePack, opts: EngineOptions = {}): Finding[] {
  const engine = createEngine(pack, opts);
  feedEngine(engine, exchanges);
  return [...engine.drain(), ...engine.flush()].sort(compareFindings);
}

export type { RuleTrace };
