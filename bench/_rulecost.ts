import { createEngine } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
const pack = builtinPack();
const pool = generateTraffic({ seed: 99, users: 300, durationMs: 12 * 3600_000, incidents: true });
const run = (rules: typeof pack.rules) => {
  const engine = createEngine({ name: 'x', rules }, { spec: pool.spec });
  const t0 = performance.now();
  for (const e of pool.exchanges) engine.push(e);
  engine.flush();
  return performance.now() - t0;
};
run([]); run([]);
const base = run([]);
console.log(`empty pack: ${base.toFixed(0)} ms for ${pool.exchanges.length}`);
const all = run(pack.rules);
console.log(`all: ${all.toFixed(0)} ms = ${Math.round(pool.exchanges.length / all * 1000)}/s`);
const rows = pack.rules.map((r) => [r.id, run([r]) - base] as const).sort((a, b) => b[1] - a[1]);
for (const [id, ms] of rows) console.log(`${ms.toFixed(0).padStart(6)} ms  ${id}`);
const groups: Record<string, (r: (typeof pack.rules)[number]) => boolean> = {
  injection9: (r) => r.id.startsWith('injection.') && r.id !== 'injection.remote-file-inclusion',
  injection1: (r) => r.id === 'injection.sqli',
  allMatch: (r) => r.kind === 'match',
  respBody: (r) => r.kind === 'match' && JSON.stringify(r).includes('response.body'),
  windows: (r) => r.kind === 'window',
  behaviour: (r) => r.kind === 'behaviour',
};
for (const [g, f] of Object.entries(groups)) console.log(`${g}: ${(run(pack.rules.filter(f)) - base).toFixed(0)} ms`);
