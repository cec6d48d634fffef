/**
 * `npm run bench`: every bench/*.bench.ts, one after the other, each in its own process so each
 * reports its own peak memory. BENCH_QUICK=1 asks each for a small smoke run.
 *   npm run bench [-- name…]   e.g. npm run bench -- import logs
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const only = process.argv.slice(2);
const suites = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace('.bench.ts', '')))
  .sort();
let failed = 0;
for (const suite of suites) {
  process.stdout.write(`\n=== ${suite} ===\n`);
  const r = spawnSync(process.execPath, [join(import.meta.dirname, suite)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${suite} exited with ${r.status}\n`);
  }
}
process.exit(failed ? 1 : 0);
