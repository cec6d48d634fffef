/**
 * Builds the app with electron-vite when out/ is missing or older than the sources, so
 * `npm start` and the e2e tests always run what is in src/ without rebuilding needlessly.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const ROOT = join(import.meta.dirname, '..');
const INPUTS = ['src/renderer', 'src/shared', 'src/main', 'src/preload', 'src/core', 'electron.vite.config.ts', 'package.json'];
const OUTPUTS = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function isStale(): boolean {
  const outs = OUTPUTS.map((o) => join(ROOT, o));
  if (!outs.every((o) => existsSync(o))) return true;
  const built = Math.min(...outs.map((o) => statSync(o).mtimeMs));
  return INPUTS.some((i) => existsSync(join(ROOT, i)) && newestMtime(join(ROOT, i)) > built);
}

export function buildIfStale(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  if (!isStale()) return;
  log('Building Cartograph (electron-vite build)…');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`electron-vite build failed (exit ${r.status})`);
}

if (import.meta.main) buildIfStale();
