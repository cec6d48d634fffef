/**
 * Detection bench (standalone: `node bench/detect.bench.ts [--exchanges N]`):
 *  1. accuracy — seeded normal shop-API traffic with labelled incidents of every category injected;
 *     per-category recall and precision over three seeds;
 *  2. throughput — N (default 1,000,000) in-memory StoredExchanges pushed through one streaming
 *     engine with the built-in pack (the offline driver calls the very same push), and peak RSS.
 */
import { parseArgs } from 'node:util';
import { createEngine, detectExchanges } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { CATEGORIES, type Category } from '../src/core/detect/types.ts';
import type { StoredExchange } from '../src/core/model/exchange.ts';
import { generateTraffic, score } from '../test/core/detect/generator.ts';

const { values } = parseArgs({ options: { exchanges: { type: 'string' }, seeds: { type: 'string' } } });
const total = Number(values.exchanges ?? 1_000_000);
const seeds = (values.seeds ?? '1,2,3').split(',').map(Number);
const pack = builtinPack();

// ---------- accuracy ----------
const sums = new Map<Category, { incidents: number; detected: number; findings: number; tp: number }>();
for (const seed of seeds) {
  const g = generateTraffic({ seed, users: 80, durationMs: 8 * 3600_000, incidents: true });
  const findings = detectExchanges(g.exchanges, pack, { spec: g.spec });
  for (const s of score(findings, g.labels)) {
    const a = sums.get(s.category) ?? { incidents: 0, detected: 0, findings: 0, tp: 0 };
    a.incidents += s.incidents;
    a.detected += s.detected;
    a.findings += s.findings;
    a.tp += s.truePositives;
    sums.set(s.category, a);
  }
}
console.log(`accuracy over seeds ${seeds.join(', ')} (generated traffic, labelled incidents)`);
console.log(`${'category'.padEnd(28)}${'recall'.padStart(16)}${'precision'.padStart(16)}`);
for (const c of Object.keys(CATEGORIES) as Category[]) {
  const a = sums.get(c) ?? { incidents: 0, detected: 0, findings: 0, tp: 0 };
  const r = a.incidents ? a.detected / a.incidents : NaN;
  const p = a.findings ? a.tp / a.findings : NaN;
  console.log(`${c.padEnd(28)}${`${r.toFixed(2)} (${a.detected}/${a.incidents})`.padStart(16)}${`${p.toFixed(2)} (${a.tp}/${a.findings})`.padStart(16)}`);
}

// ---------- throughput ----------
const pool = generateTraffic({ seed: 99, users: 300, durationMs: 12 * 3600_000, incidents: true });
const span = pool.exchanges[pool.exchanges.length - 1].time - pool.exchanges[0].time + 3_600_000;
const engine = createEngine(pack, { spec: pool.spec });
let findings = 0;
const started = performance.now();
for (let n = 0, cycle = 0; n < total; cycle++) {
  // Replay the pool with shifted time and ids: the same mix, new traffic as far as windows go.
  for (const e of pool.exchanges) {
    if (n >= total) break;
    const shifted: StoredExchange = { ...e, id: e.id + cycle * pool.exchanges.length, time: e.time + cycle * span };
    engine.push(shifted);
    n++;
    if (n % 100_000 === 0) findings += engine.drain().length;
  }
}
findings += engine.drain().length + engine.flush().length;
const seconds = (performance.now() - started) / 1000;
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(`\nthroughput: ${total.toLocaleString('en')} exchanges (pool of ${pool.exchanges.length.toLocaleString('en')} replayed) in ${seconds.toFixed(1)} s = ${Math.round(total / seconds).toLocaleString('en')} exchanges/s; ${findings} findings; peak RSS ${rssMb.toFixed(0)} MB (pool included)`);
console.log(`target: >= 100,000 exchanges/s — ${total / seconds >= 100_000 ? 'met' : 'NOT met'}`);
