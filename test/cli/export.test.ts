import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { shared } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';

const harValidator = createRequire(import.meta.url)('har-validator') as { har(data: unknown): Promise<unknown> };

describe('cartograph export', () => {
  const dir = tempDir('cartograph-cli-export-');
  const db = join(dir, 'ws.sqlite');

  it('imports captures, then exports a filtered selection as valid HAR, redacted unless asked', { timeout: 120_000 }, async () => {
    const imported = await cli(['import', '--db', db, '--json', shared('har', 'mitmproxy__mitmproxy', 'successful_log.har'), shared('proxy', 'mitmproxy__mitmproxy', 'websocket.mitm')]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).files.map((f: { format: string }) => f.format)).toEqual(['har', 'mitmproxy']);

    const out = join(dir, 'posts.har');
    const r = await cli(['export', '--db', db, '--filter', 'method = POST', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: out, format: 'har', entries: 1, redacted: true });
    const har = JSON.parse(readFileSync(out, 'utf8'));
    await harValidator.har(har);
    expect(har.log.entries[0].request.method).toBe('POST');

    const all = await cli(['export', '--db', db, '--out', join(dir, 'all.har'), '--keep-secrets']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/all\.har: \d+ entries, \d+ bytes, HAR 1\.2, secrets KEPT/);
    expect(all.stderr).toMatch(/holds credentials/);
  });

  it('bad usage exits 2 with a one-line reason', { timeout: 120_000 }, async () => {
    const noOut = await cli(['export', '--db', db]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out/);
    const badFilter = await cli(['export', '--db', db, '--out', join(dir, 'x.har'), '--filter', 'status >>> 2']);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/--filter/);
  });
});
