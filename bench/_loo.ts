import { createEngine } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
const pack = builtinPack();
const pool = generateTraffic({ seed: 99, users: 100, durationMs: 12 * 3600_000, incidents: true });
const run = (rules: typeof pack.rules) => {
  let best = Infinity;
  for (let k = 0; k < 2; k++) {
    const engine = createEngine({ name: 'x', rules }, { spec: pool.spec });
    const t0 = performance.now();
    for (const e of pool.exchanges) engine.push(e);
    engine.flush();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};
run(pack.rules);
const all = run(pack.rules);
console.log(`all: ${all.toFixed(0)} ms for ${pool.exchanges.length} = ${Math.round(pool.exchanges.length / all * 1000)}/s`);
const rows = pack.rules.map((r) => [r.id, all - run(pack.rules.filter((x) => x !== r))] as const).sort((a, b) => b[1] - a[1]);
for (const [id, ms] of rows) console.log(`${ms.toFixed(0).padStart(6)} ms  ${id}`);
