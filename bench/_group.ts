import { createEngine } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
const pack = builtinPack();
const re = new RegExp(process.argv[2] ?? '.');
const rules = pack.rules.filter((r) => re.test(r.id));
const pool = generateTraffic({ seed: 99, users: 300, durationMs: 12 * 3600_000, incidents: true });
const reps = Number(process.argv[3] ?? 3);
for (let k = 0; k < reps; k++) {
  const engine = createEngine({ name: 'x', rules }, { spec: pool.spec });
  const t0 = performance.now();
  for (const e of pool.exchanges) engine.push(e);
  engine.flush();
  const ms = performance.now() - t0;
  console.log(`${rules.length} rules: ${ms.toFixed(0)} ms = ${Math.round(pool.exchanges.length / ms * 1000)}/s`);
}
