/**
 * `node src/server/main.ts [--db FILE] [--port N] [--renderer DIR] [--user-data DIR] [--open]`
 *
 * The web mode: the engine in a worker thread, the built renderer and the Api on 127.0.0.1
 * behind a per-run token. Prints the address to open; stops cleanly on SIGINT/SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startServiceHost, type ServiceHost } from '../core/service/host.ts';
import { startWebServer, type WebServer } from './server.ts';
import { exportsDir } from '../core/service/handlers/export.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const USAGE = 'usage: node src/server/main.ts [--db FILE] [--port N] [--renderer DIR] [--user-data DIR] [--open]';

/** Same folder Electron's app.getPath('userData') uses for this app, so both modes share recents. */
export function defaultUserDataDir(): string {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'cartograph');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'cartograph');
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'cartograph');
}

export interface WebMainOptions {
  db?: string;
  port: number;
  renderer: string;
  userData: string;
  open: boolean;
}

export function parseWebArgs(argv: string[]): WebMainOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      port: { type: 'string' },
      renderer: { type: 'string' },
      'user-data': { type: 'string' },
      open: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new UsageError(USAGE, 0);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got ${JSON.stringify(values.port)}`);
  return {
    db: values.db ? resolve(values.db) : undefined,
    port,
    renderer: resolve(values.renderer ?? join(ROOT, 'out/renderer')),
    userData: resolve(values['user-data'] ?? defaultUserDataDir()),
    open: values.open ?? false,
  };
}

export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}

function openInBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`Could not open a browser (${cmd}); open the address above yourself.\n`));
  child.unref();
}

export async function main(argv: string[]): Promise<number> {
  let opts: WebMainOptions;
  try {
    opts = parseWebArgs(argv);
  } catch (err) {
    const code = err instanceof UsageError ? err.exitCode : 2;
    (code === 0 ? process.stdout : process.stderr).write(`${(err as Error).message}${code === 0 ? '' : `\n${USAGE}`}\n`);
    return code;
  }

  // Checked before the engine starts, so a missing build fails fast and alone.
  if (!existsSync(join(opts.renderer, 'index.html'))) {
    process.stderr.write(`cartograph web: no renderer build at ${opts.renderer} (index.html missing): run \`npm run build\` first\n`);
    return 2;
  }

  let host: ServiceHost | undefined;
  let server: WebServer;
  try {
    host = await startServiceHost({ userDataDir: opts.userData, workspace: opts.db });
    server = await startWebServer({ host, port: opts.port, rendererDir: opts.renderer, exportsDir: exportsDir(opts.userData) });
  } catch (err) {
    await host?.close();
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'EADDRINUSE' ? `port ${opts.port} is already in use (omit --port to pick a free one)` : e.message;
    process.stderr.write(`cartograph web: ${reason}\n`);
    return 2;
  }

  process.stdout.write(`Cartograph web mode: ${server.url}\n`);
  process.stdout.write(`Open this address in your browser (it carries this run's access token, keep it private); Ctrl+C stops the server:\n  ${server.url}\n`);
  if (opts.open) openInBrowser(server.url);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`cartograph web: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write('cartograph web: shutting down…\n');
      // A stuck engine must not keep the process alive forever.
      const force = setTimeout(() => {
        process.stderr.write('cartograph web: engine did not stop within 10 s, exiting\n');
        process.exit(1);
      }, 10_000);
      force.unref();
      void Promise.allSettled([server.close(), host.close()]).then(() => resolveExit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// Exit explicitly: a job still winding down in a worker must not keep a stopped server alive.
if (import.meta.main) process.exit(await main(process.argv.slice(2)));
