/**
 * `cartograph inventory` as a CI script runs it (cli-contract.md): `--json` prints one array of
 * endpoints with the contract's fields, a second run is served from the persisted inventory, and
 * bad usage or a broken classifier exits 2 with a reason.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const db = join(dir, 'shop.sqlite');

beforeAll(async () => {
  expect((await cli(['import', join(ROOT, 'resources/sample/shop-api.har'), '--db', db])).code).toBe(0);
}, 120_000);

describe('cartograph inventory', () => {
  it('--json prints the contract shape, one document on stdout', { timeout: 120_000 }, async () => {
    const r = await cli(['inventory', '--db', db, '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list.length).toBeGreaterThan(3);
    for (const e of list) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['host', 'method', 'path', 'count', 'statuses', 'firstSeen', 'lastSeen', 'params', 'auth', 'sensitive', 'principals']));
      expect(typeof e.count).toBe('number');
      expect(Number.isNaN(Date.parse(e.firstSeen as string))).toBe(false);
      for (const p of e.params as { in: string; name: string; type: string }[]) {
        expect(['path', 'query', 'header', 'cookie']).toContain(p.in);
        expect(['integer', 'number', 'boolean', 'string']).toContain(p.type);
      }
    }
    const templated = list.find((e) => String(e.path).includes('{'));
    expect(templated).toBeDefined();
    expect((templated?.params as { in: string }[]).some((p) => p.in === 'path')).toBe(true);
    const again = await cli(['inventory', '--db', db]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^METHOD\s+HOST\s+PATH/);
    expect(again.stderr).toMatch(/endpoints over \d+ exchanges \(cached build\)/);
  });

  it('takes the analyst\'s extra classifiers and refuses broken ones and bad usage', { timeout: 120_000 }, async () => {
    const bad = join(dir, 'bad-classifiers');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'broken.yaml'), "id: broken\ntitle: b\nvalue: '(['\n");
    const r = await cli(['inventory', '--db', db, '--classifiers', bad, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/broken\.yaml: value is not a valid regular expression/);
    expect((await cli(['inventory', '--db', join(dir, 'missing.sqlite')])).code).toBe(2);
    expect((await cli(['inventory', '--db', db, '--bogus'])).code).toBe(2);
  });
});
