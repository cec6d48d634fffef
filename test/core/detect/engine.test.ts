import { describe, expect, it } from 'vitest';
import { BATCH_SIZE, createEngine, detectExchanges, type Engine } from '../../../src/core/detect/engine.ts';
import { compareFindings } from '../../../src/core/detect/incidents.ts';
import { explainInStream } from '../../../src/core/detect/explain.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import type { Finding, RuleTrace } from '../../../src/core/detect/types.ts';
import type { StoredExchange } from '../../../src/core/model/exchange.ts';
import { generateTraffic, rng, toStored } from './generator.ts';

const pack = builtinPack();
const small = generateTraffic({ seed: 11, users: 25, durationMs: 3 * 3600_000, incidents: true });

/** Streaming the way a sidecar would: push in time order, drain now and then, flush at the end. */
function stream(exchanges: readonly StoredExchange[], drainEvery: number, spec = small.spec): Finding[] {
  const engine = createEngine(pack, { spec });
  const out: Finding[] = [];
  exchanges.forEach((e, i) => {
    engine.push(e);
    if ((i + 1) % drainEvery === 0) out.push(...engine.drain());
  });
  out.push(...engine.drain(), ...engine.flush());
  return out.sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.id < b.id ? -1 : 1));
}

/** A finding without its ids (which depend on storage ids) for comparing across import orders. */
function shape(f: Finding, idOf: (id: number) => string) {
  return { rule: f.rule, actor: f.actor, endpoint: f.endpoint, severity: f.severity, count: f.requestCount, firstSeen: f.firstSeen, lastSeen: f.lastSeen, requests: f.requestIds.map(idOf).sort(), evidence: f.evidence };
}

describe('detection engine', () => {
  it('streaming (any drain cadence) equals a batch run, exactly', () => {
    const batch = detectExchanges(small.exchanges, pack, { spec: small.spec });
    expect(batch.length).toBeGreaterThan(10);
    for (const every of [1, 97, 5000]) expect(stream(small.exchanges, every)).toEqual(batch);
  });

  it('fed in batches (one pass per rule), finds and explains exactly what it does one exchange at a time', () => {
    const one = stream(small.exchanges, 1);
    const traceOf = (id: number, feed: (engine: Engine) => void) => {
      const traces: RuleTrace[] = [];
      const engine = createEngine(pack, { spec: small.spec, trace: { exchangeId: id, onTrace: (t) => traces.push(t) } });
      feed(engine);
      return { traces, findings: [...engine.drain(), ...engine.flush()].sort(compareFindings) };
    };
    // An attack request in the middle of a batch, with sweeps (every 30 s of traffic) inside batches.
    const attack = one.find((f) => f.rule === 'injection.sqli')!.requestIds[0];
    const single = traceOf(attack, (engine) => small.exchanges.forEach((e) => engine.push(e)));
    expect(single.findings).toEqual(one);
    expect(single.traces.find((t) => t.rule === 'injection.sqli')).toMatchObject({ matched: true });
    for (const size of [2, 97, BATCH_SIZE, 5000]) {
      const batched = traceOf(attack, (engine) => {
        for (let i = 0; i < small.exchanges.length; i += size) engine.pushBatch(small.exchanges.slice(i, i + size));
      });
      expect(batched.findings).toEqual(one);
      expect(batched.traces).toEqual(single.traces);
    }
  });

  it('closes an idle incident at the same point of the stream whether fed one by one or in one batch', () => {
    // The same attacker twice, two hours apart (the rule's gap is one hour), amid a minute-by-minute stream.
    const t0 = Date.UTC(2026, 0, 1);
    const sqli = "https://api.example/search?q=%27%20OR%20%271%27%3D%271";
    const exchanges = Array.from({ length: 181 }, (_, i) =>
      toStored({ time: t0 + i * 60_000, url: i === 0 || i === 120 ? sqli : `https://api.example/items/${i}`, ip: i === 0 || i === 120 ? '203.0.113.9' : '198.51.100.7' }, i + 1),
    );
    const incidents = (feed: (engine: Engine) => void) => {
      const engine = createEngine(pack);
      feed(engine);
      return [...engine.drain(), ...engine.flush()].filter((f) => f.rule === 'injection.sqli').map((f) => f.requestIds);
    };
    expect(incidents((engine) => exchanges.forEach((e) => engine.push(e)))).toEqual([[1], [121]]);
    expect(incidents((engine) => engine.pushBatch(exchanges))).toEqual([[1], [121]]);
  });

  it('is deterministic: same input and rules, same findings and ids', () => {
    const a = detectExchanges(small.exchanges, pack, { spec: small.spec });
    const b = detectExchanges(small.exchanges, pack, { spec: small.spec });
    expect(b).toEqual(a);
    expect(new Set(a.map((f) => f.id)).size).toBe(a.length);
  });

  it('gives the same findings whatever order the exchanges were imported in', () => {
    const base = small.exchanges;
    const keyOf = (e: StoredExchange) => `${e.time}|${e.method}|${e.path}${e.query}|${e.ip}|${e.principal}`;
    const ref = detectExchanges(base, pack, { spec: small.spec });
    const refKey = new Map(base.map((e) => [e.id, keyOf(e)]));
    for (const seed of [1, 2, 3]) {
      // Shuffle = a different import order: new storage ids; then sorted by (time, id) as the store iterates.
      const r = rng(seed);
      const shuffled = base.map((e) => ({ e, k: r() })).sort((a, b) => a.k - b.k).map(({ e }, i) => ({ ...e, id: i + 1 }));
      const keys = new Map(shuffled.map((e) => [e.id, keyOf(e)]));
      const ordered = shuffled.slice().sort((a, b) => a.time - b.time || a.id - b.id);
      const got = detectExchanges(ordered, pack, { spec: small.spec });
      // Exact equivalence of the two drivers on this import order…
      expect(stream(ordered, 250)).toEqual(got);
      // …and the same incidents as any other import order (ties in time aside, which this traffic avoids for attacks).
      const norm = (fs: Finding[], m: Map<number, string>) => fs.map((f) => shape(f, (id) => m.get(id)!)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(norm(got, keys).map((f) => `${f.rule} ${f.endpoint.path} ${f.firstSeen}`)).toEqual(norm(ref, refKey).map((f) => `${f.rule} ${f.endpoint.path} ${f.firstSeen}`));
    }
  });

  it('windows run on traffic time: the same requests spread out do not fire', () => {
    const burst = (gapMs: number) =>
      Array.from({ length: 30 }, (_, i) => toStored({ time: Date.UTC(2026, 0, 1) + i * gapMs, url: `https://api.example/missing/${i}`, status: 404, ip: '203.0.113.5' }, i + 1));
    const fired = (xs: StoredExchange[]) => detectExchanges(xs, pack).filter((f) => f.rule === 'scanner.not-found-burst');
    expect(fired(burst(500))).toHaveLength(1);
    expect(fired(burst(10 * 60_000))).toHaveLength(0);
  });

  it('keeps memory bounded by active actors: idle keys and incidents are dropped as traffic time passes', () => {
    const engine = createEngine(pack);
    let id = 0;
    const t0 = Date.UTC(2026, 0, 1);
    for (let actor = 0; actor < 2000; actor++) {
      for (let i = 0; i < 3; i++) engine.push(toStored({ time: t0 + actor * 10 + i, url: `https://api.example/x/${i}`, status: 404, ip: `10.1.${actor >> 8}.${actor & 255}` }, ++id));
    }
    const busy = engine.stats();
    // An hour of traffic from a single actor later, the 2000 earlier actors' state is gone.
    for (let i = 0; i < 200; i++) engine.push(toStored({ time: t0 + 100_000 + 3_600_000 + i * 1000, url: 'https://api.example/ok', ip: '10.9.9.9' }, ++id));
    const later = engine.stats();
    expect(busy.windowKeys).toBeGreaterThan(2000);
    expect(later.windowKeys).toBeLessThan(20);
    expect(later.openIncidents).toBeLessThan(5);
    expect(engine.drain().length).toBeGreaterThanOrEqual(0);
  });

  it('takes hostile and degenerate exchanges without failing', () => {
    const weird: StoredExchange[] = [
      toStored({ time: 0, url: 'http://h/', status: null, ip: null }, 1),
      toStored({ time: 1, method: 'BREW', url: 'http://h/%ZZ/%00/..%c0%af', reqBody: '\u0000\uffff'.repeat(1000), respBody: 'x'.repeat(2_000_000) }, 2),
      toStored({ time: 2, url: 'http://h/a?' + 'a=%'.repeat(5000), reqHeaders: { authorization: 'Bearer not.a.jwt', cookie: ';;=;a', origin: '::::' }, respHeaders: { 'access-control-allow-origin': 'x', 'access-control-allow-credentials': 'true' } }, 3),
      toStored({ time: 3, method: 'POST', url: 'http://h/login', reqBody: '{"username": {"deep": [[[[[[[[1]]]]]]]]}', reqHeaders: { 'content-type': 'application/json' } }, 4),
      toStored({ time: 4, method: 'POST', url: 'http://h/x', reqBody: `{"a":${'['.repeat(5000)}`, reqHeaders: { 'content-type': 'application/json' } }, 5),
    ];
    weird[1].requestBody = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    expect(() => detectExchanges(weird, pack)).not.toThrow();
  });

  it('refuses pushes after flush', () => {
    const engine = createEngine(pack);
    engine.flush();
    expect(() => engine.push(small.exchanges[0])).toThrow(/already flushed/);
  });

  it('explains what each rule made of a lone exchange', () => {
    const e = toStored({ time: 0, url: "https://api.example/search?q=%27%20OR%20%271%27%3D%271", ip: '203.0.113.9' }, 1);
    const x = explainInStream([e], e.id, pack);
    const sqli = x.find((r) => r.rule === 'injection.sqli')!;
    expect(sqli).toMatchObject({ lookedAt: true, matched: true });
    expect(sqli.reason).toMatch(/sqli signature in query q/);
    expect(x.find((r) => r.rule === 'injection.xss')).toMatchObject({ matched: false, reason: expect.stringMatching(/no xss signature/) });
    expect(x.find((r) => r.rule === 'credential-stuffing.many-accounts')).toMatchObject({ lookedAt: false, matched: false, reason: expect.stringMatching(/filter not met: method in \[POST, PUT\] failed \(saw "GET"\)/) });
    expect(x.find((r) => r.rule === 'scanner.not-found-burst')).toMatchObject({ lookedAt: false, reason: expect.stringMatching(/status in \[404, 405, 410\] failed/) });
    expect(x).toHaveLength(pack.rules.length);
  });
});
