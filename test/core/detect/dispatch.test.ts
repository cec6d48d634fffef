/**
 * The engine's speed machinery must never change a finding: rules skipped by method/status
 * dispatch could not have matched, and targets and spec answers shared across exchanges (bounded
 * memos) give each exchange exactly what computing them afresh would.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, detectExchanges } from '../../../src/core/detect/engine.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import { gateVerdict, mayHold } from '../../../src/core/detect/predicates.ts';
import { compileSpec, matchSpec } from '../../../src/core/detect/spec.ts';
import type { RuleTrace } from '../../../src/core/detect/types.ts';
import { generateTraffic, toStored, type CompactExchange } from './generator.ts';

const pack = builtinPack();

describe('method/status dispatch', () => {
  it('decides a predicate from method and status only where those decide it', () => {
    const login = { all: [{ field: 'method', in: ['POST', 'PUT'] }, { field: 'username', exists: true }, { field: 'status', in: [401, 403] }] };
    expect(gateVerdict(login, 'GET', 401)).toBe(false);
    expect(gateVerdict(login, 'POST', 200)).toBe(false);
    expect(gateVerdict(login, 'post', 401)).toBeNull(); // username still decides (methods compare case-insensitively)
    expect(gateVerdict({ not: { field: 'status', lt: 400 } }, 'GET', 404)).toBe(true);
    expect(gateVerdict({ not: { field: 'path', regex: 'x' } }, 'GET', 404)).toBeNull();
    expect(gateVerdict({ any: [{ field: 'status', equals: 500 }, { signature: 'sqli' }] }, 'GET', 200)).toBeNull();
    expect(gateVerdict({ any: [{ field: 'status', equals: 500 }, { field: 'method', equals: 'DELETE' }] }, 'GET', 200)).toBe(false);
    expect(gateVerdict({ field: 'status', gte: 200 }, 'GET', null)).toBe(false);
    expect(mayHold(null, 'GET', null)).toBe(true);
  });

  it('skips only rules that would not have matched: explain (which runs every rule) agrees', () => {
    const g = generateTraffic({ seed: 7, users: 10, durationMs: 3600_000, incidents: true });
    // For a sample of exchanges, every rule the dispatch table would skip reports no match when run.
    const sample = g.exchanges.filter((_, i) => i % 97 === 0);
    for (const target of sample) {
      const traces: RuleTrace[] = [];
      const engine = createEngine(pack, { spec: g.spec, trace: { exchangeId: target.id, onTrace: (t) => traces.push(t) } });
      engine.push(target);
      for (const r of pack.rules) {
        const filter = r.kind === 'match' ? r.match : r.kind === 'window' ? r.filter : null;
        if (r.kind === 'behaviour' || mayHold(filter, target.method, target.status)) continue;
        const t = traces.find((x) => x.rule === r.id)!;
        expect(t.matched, `${r.id} on ${target.method} ${target.status}`).toBe(false);
        if (r.kind === 'window') expect(t.lookedAt).toBe(false);
      }
    }
  });
});

describe('shared per-string work', () => {
  const ex = (c: Partial<CompactExchange> & { url: string }, id: number) => toStored({ time: Date.UTC(2026, 0, 1, 10, 0, id), ip: `203.0.113.${id}`, ...c }, id);

  it('flags every exchange carrying a hostile path or query seen before, from any actor', () => {
    const hostile = [
      ex({ url: 'https://a.example/api/search?q=%27%20OR%20%271%27%3D%271' }, 1),
      ex({ url: 'https://a.example/api/search?q=%27%20OR%20%271%27%3D%271' }, 2),
      ex({ url: 'https://a.example/files/..%2f..%2fetc%2fpasswd' }, 3),
      ex({ url: 'https://a.example/files/..%2f..%2fetc%2fpasswd' }, 4),
      ex({ url: 'https://a.example/api/search?q=lamp' }, 5),
    ];
    const findings = detectExchanges(hostile, pack);
    const flagged = (id: number) => findings.some((f) => f.category === 'injection' && f.requestIds.includes(id));
    expect([1, 2, 3, 4, 5].map(flagged)).toEqual([true, true, true, true, false]);
  });

  it('gives the same findings with cold or warm memos (a run after other traffic equals a fresh one)', () => {
    const a = generateTraffic({ seed: 21, users: 12, durationMs: 3600_000, incidents: true });
    const first = detectExchanges(a.exchanges, pack, { spec: a.spec });
    detectExchanges(generateTraffic({ seed: 22, users: 15, durationMs: 3600_000, incidents: true }).exchanges, pack, { spec: a.spec });
    expect(detectExchanges(a.exchanges, pack, { spec: a.spec })).toEqual(first);
  });

  it('answers spec look-ups per method and path, remembered or not', () => {
    const spec = compileSpec({ operations: [{ method: 'GET', pathTemplate: '/users/{id}', deprecated: false }, { method: 'DELETE', pathTemplate: '/users/{id}', deprecated: true }] });
    for (let round = 0; round < 2; round++) {
      expect(matchSpec(spec, 'GET', '/users/7')?.deprecated).toBe(false);
      expect(matchSpec(spec, 'DELETE', '/users/7')?.deprecated).toBe(true);
      expect(matchSpec(spec, 'POST', '/users/7')).toBeNull();
      expect(matchSpec(spec, 'HEAD', '/users/7')?.method).toBe('GET');
    }
  });
});
