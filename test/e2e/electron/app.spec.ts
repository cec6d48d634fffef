/**
 * The desktop build through Playwright's Electron launcher. Electron 45 fetches its binary on
 * first use; where it is absent (as on CI machines without network) this project is skipped.
 */
import { test, expect, _electron as electron } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BRIDGE_API, BRIDGE_DESKTOP } from '../../../src/shared/transport.ts';
import { ELECTRON_SKIP_REASON, electronInstalled } from './installed.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

test.skip(!electronInstalled(), ELECTRON_SKIP_REASON);

test('opens a sandboxed window exposing only the Api transport and the desktop bridge', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cartograph-electron-'));
  const app = await electron.launch({
    args: [join(ROOT, 'out/main/index.js'), '--user-data', join(dir, 'user-data'), '--db', join(dir, 'workspace.sqlite')],
    cwd: ROOT,
  });
  try {
    const win = await app.firstWindow();
    expect(win.url()).toBe('app://cartograph/index.html');
    await expect(win.getByTestId('workspace-name')).toHaveText('workspace');

    const surface = await win.evaluate(
      ([api, desktop]) => ({
        api: Object.keys((window as unknown as Record<string, object>)[api]).sort(),
        desktop: Object.keys((window as unknown as Record<string, object>)[desktop]).sort(),
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }),
      [BRIDGE_API, BRIDGE_DESKTOP],
    );
    expect(surface).toEqual({ api: ['call', 'on'], desktop: ['onMenu', 'openFileDialog', 'pathForFile', 'saveFileDialog'], require: 'undefined', process: 'undefined' });

    const info = await win.evaluate((api) => (window as unknown as Record<string, { call(m: string, i: unknown): Promise<{ name: string }> }>)[api].call('workspace.info', {}), BRIDGE_API);
    expect(info.name).toBe('workspace');
    const err = await win.evaluate(
      (api) => (window as unknown as Record<string, { call(m: string, i: unknown): Promise<unknown> }>)[api].call('traffic.page', { limit: -1 }).catch((e: { code: string }) => e.code),
      BRIDGE_API,
    );
    expect(err).toBe('bad-input');

    // Navigation away from the app and new windows are refused.
    await win.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await expect.poll(() => win.url()).toBe('app://cartograph/index.html');
    expect(await win.evaluate(() => window.open('https://example.com/'))).toBeNull();
    expect(app.windows()).toHaveLength(1);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
