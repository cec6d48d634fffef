import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseWebArgs } from '../../src/server/main.ts';
import { ROOT } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('web mode command line', () => {
  it('parses its flags and rejects bad ones', () => {
    const o = parseWebArgs(['--db', 'shop.sqlite', '--port', '8080', '--renderer', '/r', '--user-data', '/u', '--open']);
    expect(o).toEqual({ db: expect.stringMatching(/\/shop\.sqlite$/), port: 8080, renderer: '/r', userData: '/u', open: true });
    expect(parseWebArgs([])).toMatchObject({ port: 0, open: false, renderer: join(ROOT, 'out/renderer') });
    expect(() => parseWebArgs(['--port', '99999'])).toThrow(/--port must be a number from 0 to 65535/);
    expect(() => parseWebArgs(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseWebArgs(['--bind', '0.0.0.0'])).toThrow(/Unknown option '--bind'/);
  });

  it('starts the engine, prints the tokenised URL, answers calls, and stops on SIGTERM', async () => {
    const dir = tempDir('cartograph-web-main-');
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Cartograph</title>');
    const child = spawn(process.execPath, [join(ROOT, 'src/server/main.ts'), '--renderer', renderer, '--user-data', join(dir, 'ud'), '--db', join(dir, 'ws.sqlite')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^Cartograph web mode: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})$/.exec(line);
        if (m) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`server exited (${code}) before printing its URL: ${stderr}`)));
    });
    const { origin, searchParams } = new URL(url);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const info = await fetch(`${origin}/api/call/workspace.info`, { method: 'POST', headers: { Authorization: `Bearer ${searchParams.get('token')}` }, body: '{}' });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ name: 'ws', sample: false, exchanges: 0 });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('shutting down');
  });

  it('exits 2 with one clear line when there is no renderer build', async () => {
    const dir = tempDir('cartograph-web-main-');
    const child = spawn(process.execPath, [join(ROOT, 'src/server/main.ts'), '--renderer', join(dir, 'missing'), '--user-data', join(dir, 'ud'), '--db', join(dir, 'ws.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^cartograph web: no renderer build at .*missing.*npm run build/);
  });
});
