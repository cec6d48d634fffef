/**
 * One actor's path through the API: their exchanges in time order as endpoint steps, with the pause
 * before each and where a new session starts (a pause longer than the session gap).
 */
import type { SessionPath, SessionStep } from '../../shared/api-graph.ts';
import type { StoredExchange } from '../model/exchange.ts';
import type { Db } from '../store/db.ts';
import { iterateExchanges } from '../store/exchanges.ts';
import { defaultTemplateOf } from '../detect/template.ts';
import { DEFAULT_GAP_MS, endpointId } from './builder.ts';
import { queryFilter, type GraphQuery } from './workspace.ts';

export interface SessionQuery extends GraphQuery {
  gapMs?: number;
  limit: number;
}

export function sessionPathOf(exchanges: Iterable<StoredExchange>, actor: { principal: string | null; ip: string | null }, opts: { gapMs?: number; limit: number; templateOf?: (e: StoredExchange) => string }): SessionPath {
  const gap = opts.gapMs ?? DEFAULT_GAP_MS;
  const templateOf = opts.templateOf ?? defaultTemplateOf;
  const steps: SessionStep[] = [];
  let total = 0;
  let sessions = 0;
  let last: number | null = null;
  for (const e of exchanges) {
    total++;
    const gapMs = last === null ? null : e.time - last;
    const newSession = gapMs === null || gapMs > gap;
    if (newSession) sessions++;
    last = e.time;
    if (steps.length >= opts.limit) continue;
    const hostPort = e.port === null ? e.host : `${e.host}:${e.port}`;
    const template = templateOf(e);
    steps.push({ exchangeId: e.id, time: e.time, method: e.method, status: e.status, node: endpointId(e.method, hostPort, template), label: `${e.method} ${hostPort}${template}`, gapMs, newSession });
  }
  return { actor: { key: actor.principal ?? actor.ip ?? '', principal: actor.principal, ip: actor.ip, count: total }, total, steps, sessions };
}

export function actorSession(db: Db, q: SessionQuery): SessionPath {
  const exchanges = iterateExchanges(db, { filter: queryFilter(q), order: 'time' });
  return sessionPathOf(exchanges, { principal: q.principal ?? null, ip: q.ip ?? null }, { gapMs: q.gapMs, limit: q.limit });
}
