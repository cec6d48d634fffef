/**
 * The one detection engine. `createEngine` is the streaming form a gateway sidecar calls with
 * exchanges in time order; offline detection (offline.ts) drives the very same push/flush over a
 * workspace. All windows run on the traffic's own timestamps, never the wall clock.
 *
 * push() feeds one exchange to every rule; drain() hands over findings whose incidents have
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
   * The rules an exchange can meet, by method and status (few combinations in any capture): a rule
   * whose predicate those two already make false is never run for it.
   */
  interface Dispatch {
    matches: MatchRuntime[];
    windows: WindowRule[];
  }
  const dispatch = new Map<string, Map<number | null, Dispatch>>();
  const all: Dispatch = { matches, windows };
  function rulesFor(e: StoredExchange): Dispatch {
    let byStatus = dispatch.get(e.method);
    if (byStatus === undefined) {
      if (dispatch.size >= 256) dispatch.clear();
      dispatch.set(e.method, (byStatus = new Map()));
    }
    let d = byStatus.get(e.status);
    if (d === undefined) {
      d = {
        matches: matches.filter((m) => mayHold(m.spec.match, e.method, e.status)),
        windows: windows.filter((w) => mayHold(w.spec.filter, e.method, e.status)),
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

  const closeMatch = (m: MatchRuntime) => (inc: Incident) => {
    const min = m.spec.minCount;
    if (inc.count >= min) pending.push(toFinding(m.spec, inc, m.spec.group));
  };
  const closeWindow = (w: WindowRule) => (inc: Incident) => pending.push(toFinding(w.spec, inc, w.spec.key));

  function sweep(all: boolean): void {
    for (const m of matches) m.book.closeIdle(now, all, closeMatch(m));
    for (const w of windows) {
      w.book.closeIdle(now, all, closeWindow(w));
      if (!all) w.sweep(now);
    }
  }

  function push(e: StoredExchange): void {
    if (flushed) throw new Error('detection engine already flushed');
    exchanges++;
    if (e.time > now) now = e.time;
    const v = new ExchangeView(e, templateOf(e), plan);
    const tracing = opts.trace !== undefined && opts.trace.exchangeId === e.id;
    const d = tracing ? all : rulesFor(e);
    for (const m of d.matches) {
      // (Truncating an array is a runtime call: only when there is something to drop.)
      if (hits.length !== 0) hits.length = 0;
      const matched = m.pred.test(v, hits);
      if (tracing) {
        const hit = hits[0];
        opts.trace!.onTrace({ rule: m.spec.id, lookedAt: true, matched, reason: matched ? (hit ? `${hit.library} signature in ${hit.where}: ${hit.snippet}` : `${m.pred.text} holds`) : (m.pred.whyNot(v) ?? 'no match') });
      }
      if (!matched) continue;
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
    for (const w of d.windows) {
      const fired = w.push(v);
      if (tracing) opts.trace!.onTrace({ rule: w.spec.id, matched: fired, ...w.explain(v, fired) });
    }
    for (const m of models) {
      const what = m.push(v, tracing);
      if (tracing) opts.trace!.onTrace({ rule: m.spec.id, lookedAt: what !== null, matched: false, reason: what ?? 'not the kind of request this rule learns from' });
    }
    if (now >= nextSweep) {
      sweep(false);
      nextSweep = now + SWEEP_EVERY_MS;
    }
  }

  return {
    push,
    drain() {
      const out = pending.sort(compareFindings);
      pending = [];
      return out;
    },
    flush() {
      if (!flushed) {
        sweep(true);
        for (const m of models) pending.push(...m.judge());
        flushed = true;
      }
      const out = pending.sort(compareFindings);
      pending = [];
      return out;
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

/** Runs a whole, time-ordered sequence of exchanges through one engine. */
export function detectExchanges(exchanges: Iterable<StoredExchange>, pack: RulePack, opts: EngineOptions = {}): Finding[] {
  const engine = createEngine(pack, opts);
  const out: Finding[] = [];
  for (const e of exchanges) engine.push(e);
  out.push(...engine.drain(), ...engine.flush());
  return out.sort(compareFindings);
}

export type { RuleTrace };
