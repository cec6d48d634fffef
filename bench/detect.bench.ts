/**
 * Detection bench (standalone: `node bench/detect.bench.ts [--exchanges N]`):
 *  1. accuracy — seeded normal shop-API traffic with labelled incidents of every category injected;
 *     per-category recall and precision over three seeds;
 *  2. throughput — N (default 1,000,000) StoredExchanges, generated on the fly an hour of traffic at a
 *     time, pushed through one streaming engine with the built-in pack (the offline driver calls the
 *     very same push); engine time only, and peak RSS beside the RSS before the engine started.
 */
import { parseArgs } from 'node:util';
import { createEngine, detectExchanges } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { CATEGORIES, type Category } from '../src/core/detect/types.ts';
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
// Traffic is generated on the fly, one hour of a 300-user shop at a time (labelled incidents in one
// hour of twelve, as in a 12-hour capture), so the bench holds one small chunk, never a pool, and
// the engine's memory shows in the RSS. Only engine work (push, drain, flush) is timed.
const USERS = 300;
const HOUR = 3_600_000;
const startAt = Date.UTC(2026, 1, 2, 0, 0, 0);
const chunk = (c: number) => generateTraffic({ seed: 1000 + c, users: USERS, durationMs: HOUR, start: startAt + c * HOUR, incidents: c % 12 === 0 });
const first = chunk(0);
const rssBefore = process.memoryUsage().rss;
const engine = createEngine(pack, { spec: first.spec });
let findings = 0;
let engineMs = 0;
let pushed = 0;
let peakKeys = 0;
let peakIncidents = 0;
for (let c = 0, next = first; pushed < total; next = chunk(++c)) {
  const base = pushed;
  const t0 = performance.now();
  for (const e of next.exchanges) {
    if (pushed >= total) break;
    e.id += base;
    engine.push(e);
    if (++pushed % 100_000 === 0) findings += engine.drain().length;
  }
  engineMs += performance.now() - t0;
  const st = engine.stats();
  peakKeys = Math.max(peakKeys, st.windowKeys);
  peakIncidents = Math.max(peakIncidents, st.openIncidents);
}
const t1 = performance.now();
findings += engine.drain().length + engine.flush().length;
engineMs += performance.now() - t1;
const seconds = engineMs / 1000;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`\nthroughput: ${total.toLocaleString('en')} exchanges (generated on the fly, ${USERS} users, 1 h chunks) in ${seconds.toFixed(1)} s of engine time = ${Math.round(total / seconds).toLocaleString('en')} exchanges/s; ${findings} findings`);
console.log(`memory: peak RSS ${mb(peak)}; before the engine ${mb(rssBefore)} (node, modules, the accuracy runs and one traffic chunk); engine and its garbage ≈ ${mb(peak - rssBefore)}; peak live state ${peakKeys} window keys, ${peakIncidents} open incidents`);
console.log(`target: >= 100,000 exchanges/s — ${total / seconds >= 100_000 ? 'met' : 'NOT met'}`);
