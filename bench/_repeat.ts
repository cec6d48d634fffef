import { createEngine } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
const pack = builtinPack();
const pool = generateTraffic({ seed: 99, users: 100, durationMs: 12 * 3600_000, incidents: true });
for (let k = 0; k < 8; k++) {
  const engine = createEngine(pack, { spec: pool.spec });
  const t0 = performance.now();
  for (const e of pool.exchanges) engine.push(e);
  engine.flush();
  console.log(`run ${k}: ${(performance.now() - t0).toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
}
