/**
 * Explain: what every rule made of one exchange — looked at it or not, matched or not, and why
 * not (the failing predicate, the unreached threshold). Runs the real engine with tracing on, so
 * the answer is the engine's own judgement, not a re-implementation of it.
 */
import type { StoredExchange } from '../model/exchange.ts';
import { createEngine, feedEngine } from './engine.ts';
import type { EngineOptions, Finding, RulePack, RuleTrace } from './types.ts';

export interface RuleExplanation extends RuleTrace {
  kind: 'match' | 'window' | 'behaviour';
  category: string;
  /** The finding this exchange is evidence of, for this rule, if any. */
  findingId: string | null;
}

/**
 * Explains `exchangeId` within a time-ordered stream of exchanges (windows and baselines are those
 * of the whole stream). A stream of just that exchange explains it alone.
 */
export function explainInStream(exchanges: Iterable<StoredExchange>, exchangeId: number, pack: RulePack, opts: EngineOptions = {}): RuleExplanation[] {
  const traces = new Map<string, RuleTrace>();
  const engine = createEngine(pack, { ...opts, trace: { exchangeId, onTrace: (t) => traces.set(t.rule, t) } });
  const findings: Finding[] = [];
  feedEngine(engine, exchanges, { n: 10_000, at: () => void findings.push(...engine.drain()) });
  findings.push(...engine.drain(), ...engine.flush());
  if (traces.size === 0 && pack.rules.some((r) => r.enabled)) throw new Error(`no exchange ${exchangeId} in the traffic`);
  return pack.rules
    .filter((r) => r.enabled)
    .map((r) => {
      const t = traces.get(r.id) ?? { rule: r.id, lookedAt: false, matched: false, reason: 'rule did not run' };
      const finding = findings.find((f) => f.rule === r.id && f.requestIds.includes(exchangeId)) ?? null;
      const matched = t.matched || finding !== null;
      const reason = r.kind === 'behaviour' && finding !== null ? `judged at the end of the run: ${finding.evidence}` : r.kind === 'behaviour' && t.lookedAt ? `${t.reason}; not judged anomalous` : t.reason;
      return { ...t, matched, reason, kind: r.kind, category: r.category, findingId: finding?.id ?? null };
    });
}
