/**
 * Web-mode fixtures: every test gets its own server (`node src/server/main.ts --port 0`) with its
 * own temp workspace and user-data folder, so tests run in parallel without sharing state.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '../..');
/** Real public captures beside the repository (see ../shared/data/MANIFEST.tsv). */
export const shared = (...parts: string[]): string => resolve(ROOT, '../shared/data', ...parts);

export interface WebApp {
  /** Address with the token, as printed by the server. */
  url: string;
  origin: string;
  token: string;
  /** Temp folder holding this test's workspace and user data. */
  dir: string;
  /** Opens the app the way a user does: the printed URL. */
  open(): Promise<void>;
}

interface Options {
  /** 'fresh': a new empty workspace file; 'sample': a first run, landing in the bundled sample. */
  workspace: 'fresh' | 'sample';
}

function waitForUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^Cartograph web mode: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line);
      if (m) resolveUrl(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`web server exited with ${code} before printing its URL:\n${output()}`)));
  });
}

async function startServer(dir: string, workspace: Options['workspace']): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const args = [join(ROOT, 'src/server/main.ts'), '--port', '0', '--user-data', join(dir, 'user-data'), '--renderer', join(ROOT, 'out/renderer')];
  if (workspace === 'fresh') args.push('--db', join(dir, 'workspace.sqlite'));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c));
  const url = await waitForUrl(child, () => log);
  return { child, url, output: () => log };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export const test = base.extend<Options & { app: WebApp }>({
  workspace: ['fresh', { option: true }],
  app: async ({ page, workspace }, use, testInfo) => {
    const dir = mkdtempSync(join(tmpdir(), 'cartograph-e2e-'));
    const server = await startServer(dir, workspace);
    const url = new URL(server.url);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A CSP violation is only a console message, but it means part of the UI silently broke.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /^Refused to .*Content Security Policy/s.test(msg.text())) pageErrors.push(msg.text());
    });
    // Cartograph makes no network calls of its own: the page may only talk to its own origin.
    const foreign: string[] = [];
    page.on('request', (req) => {
      const u = req.url();
      if (!u.startsWith(url.origin) && !/^(data|blob|about|chrome-extension):/.test(u)) foreign.push(`${req.method()} ${u}`);
    });
    await use({
      url: server.url,
      origin: url.origin,
      token: url.searchParams.get('token')!,
      dir,
      open: async () => {
        await page.goto(server.url);
      },
    });
    // What the page did during the test; a lazy load (a Monaco worker) cut off by the shutdown below is not the app's fault.
    const errorsDuringTest = [...pageErrors];
    await page.goto('about:blank').catch(() => {});
    await stopServer(server.child);
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server-stderr', { body: server.output(), contentType: 'text/plain' });
    rmSync(dir, { recursive: true, force: true });
    expect(errorsDuringTest, 'uncaught errors or CSP violations in the page').toEqual([]);
    expect(foreign, 'requests the page sent anywhere but its own loopback origin').toEqual([]);
  },
});

export { expect };

/** The first visible traffic row's exchange id. */
export async function firstRowId(page: Page): Promise<string> {
  const row = page.getByTestId('traffic-row').first();
  await expect(row).toBeVisible();
  return (await row.getAttribute('data-id'))!;
}
