/**
 * Offline detection: the workspace's exchanges, in time order, through the same engine a sidecar
 * streams into (engine.ts). Same pack, same traffic, same findings, whichever driver ran it.
 */
import type { Db } from '../store/db.ts';
import { iterateExchanges } from '../store/exchanges.ts';
import type { StoredExchange } from '../model/exchange.ts';
import { createEngine, feedEngine } from './engine.ts';
import { compareFindings } from './incidents.ts';
import { explainInStream, type RuleExplanation } from './explain.ts';
import type { EngineOptions, Finding, RulePack } from './types.ts';

export type { RuleExplanation };

export interface OfflineOptions extends EngineOptions {
  /** Called every `progressEvery` exchanges (default 10,000) with the count so far. */
  onProgress?: (exchanges: number) => void;
  progressEvery?: number;
  signal?: AbortSignal;
  /** Only the exchanges up to this id (see iterateExchanges). */
  maxId?: number;
}

export interface OfflineResult {
  findings: Finding[];
  exchanges: number;
}

export function detectOffline(db: Db, pack: RulePack, opts: OfflineOptions = {}): OfflineResult {
  const engine = createEngine(pack, opts);
  const findings: Finding[] = [];
  const exchanges = iterateExchanges(db, { order: 'time', withBodies: true, maxId: opts.maxId });
  const n = feedEngine(engine, exchanges, {
    n: opts.progressEvery ?? 10_000,
    at: (count) => {
      opts.onProgress?.(count);
      if (opts.signal?.aborted) throw new Error('detection cancelled');
      // Hand over closed incidents as we go, as a streaming consumer would.
      findings.push(...engine.drain());
    },
  });
  findings.push(...engine.drain(), ...engine.flush());
  return { findings: findings.sort(compareFindings), exchanges: n };
}

/**
 * What every rule made of one exchange (explain.ts). With a workspace, windows and baselines are
 * those of the full time-ordered run; with a lone exchange, windowed rules see only that exchange.
 */
export function explainExchange(source: { db: Db; exchangeId: number } | { exchange: StoredExchange }, pack: RulePack, opts: EngineOptions = {}): RuleExplanation[] {
  if ('db' in source) return explainInStream(iterateExchanges(source.db, { order: 'time', withBodies: true }), source.exchangeId, pack, opts);
  return explainInStream([source.exchange], source.exchange.id, pack, opts);
}
