/**
 * Policy dry-run bench (standalone: `node bench/policy.bench.ts [--exchanges N] [--runs R]`).
 * A policy is drafted from seeded shop-API traffic (labelled incidents, findings from the
 * built-in detection pack), then simulated over N (default 1,000,000) generated exchanges —
 * the pool replayed with shifted ids and times — R times (default 5). Prints each run and the
 * median. Target: median under 5 s, so a dry-run can follow every edit.
 */
import { parseArgs } from 'node:util';
import { detectExchanges } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import type { StoredExchange } from '../src/core/model/exchange.ts';
import { draftPolicy } from '../src/core/policy/draft.ts';
import { indexFindings, simulatePolicy } from '../src/core/policy/simulate.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';

const { values } = parseArgs({ options: { exchanges: { type: 'string' }, runs: { type: 'string' } } });
const quick = process.env.BENCH_QUICK === '1';
const total = Number(values.exchanges ?? (quick ? 100_000 : 1_000_000));
const runs = Number(values.runs ?? (quick ? 1 : 5));
const TARGET_S = 5;

const generated = generateTraffic({ seed: 7, users: 300, durationMs: 12 * 3600_000, incidents: true });
// The generator's strings are slices and concatenations of URLs, which V8 re-hashes on every Map
// lookup (measured ~10x slower); exchanges read from a workspace are flat strings from SQLite.
// A structured clone gives the pool the strings simulation really sees.
const pool = { ...generated, exchanges: structuredClone(generated.exchanges) };
const findings = detectExchanges(pool.exchanges, builtinPack(), { spec: pool.spec });
const policy = draftPolicy({ findings, exchanges: pool.exchanges, name: 'bench' });
const index = indexFindings(findings);
const span = pool.exchanges[pool.exchanges.length - 1].time - pool.exchanges[0].time + 3_600_000;
console.log(`pool: ${pool.exchanges.length} exchanges, ${findings.length} findings; drafted ${policy.rules.length} rules: ${policy.rules.map((r) => `${r.id} (${r.type})`).join(', ')}`);

function* replay(n: number): Generator<StoredExchange> {
  const size = pool.exchanges.length;
  for (let i = 0; i < n; i++) {
    const cycle = Math.floor(i / size);
    const e = pool.exchanges[i % size];
    yield cycle === 0 ? e : { ...e, id: e.id + cycle * size, time: e.time + cycle * span };
  }
}

const times: number[] = [];
let last;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  last = simulatePolicy(replay(total), policy, { findingIndex: index });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  times.push(s);
  // CPU time too: on a shared machine wall time also measures the neighbours.
  console.log(`run ${r + 1}: ${total.toLocaleString('en')} exchanges in ${s.toFixed(2)} s (${Math.round(total / s).toLocaleString('en')}/s; ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU)`);
}
const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
const t = last!.totals;
console.log(`totals of the last run: ${t.blocked} blocked (${t.blockedFlagged} flagged, ${t.blockedClean} clean), ${t.throttled} throttled, ${t.logged} logged, ${t.passed} passed`);
for (const r of last!.rules) console.log(`  ${r.id.padEnd(44)} matched ${String(r.matched).padStart(8)}  flagged ${String(r.likelyTruePositives.requests).padStart(8)}  clean ${String(r.likelyFalsePositives.requests).padStart(8)}`);
console.log(`policy simulate median: ${median.toFixed(2)} s for ${total.toLocaleString('en')} exchanges (target < ${TARGET_S} s${quick ? ', quick run' : ''}) ${median < TARGET_S || quick ? 'OK' : 'SLOW'}`);
if (!quick && median >= TARGET_S) process.exitCode = 1;
