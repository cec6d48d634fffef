/**
 * `npm start`: the workbench. With an Electron binary installed it opens the desktop app;
 * without one (or with --web) it serves the same UI and Api on 127.0.0.1 with a per-run token
 * and prints the URL. Either way a first-time user lands in the bundled sample workspace.
 *
 *   npm start [-- --web] [-- --db FILE] [-- --port N]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ROOT, buildIfStale } from './build-if-stale.ts';

const { values } = parseArgs({ options: { web: { type: 'boolean' }, db: { type: 'string' }, port: { type: 'string' } }, strict: true });

export function electronInstalled(): boolean {
  return existsSync(join(ROOT, 'node_modules/electron/dist')) && existsSync(join(ROOT, 'node_modules/electron/path.txt'));
}

buildIfStale();

const extra = [...(values.db ? ['--db', values.db] : []), ...(values.port ? ['--port', values.port] : [])];
let child;
if (!values.web && electronInstalled()) {
  const electron = join(ROOT, 'node_modules/.bin/electron');
  child = spawn(electron, [ROOT, ...extra], { stdio: 'inherit' });
} else {
  if (!values.web) process.stderr.write('No Electron binary installed (see README, "Desktop app"): starting the web mode instead.\n');
  child = spawn(process.execPath, [join(ROOT, 'src/server/main.ts'), '--renderer', join(ROOT, 'out/renderer'), ...extra], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
