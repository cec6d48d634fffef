import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cli } from '../helpers/cli.ts';
import { shared } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const db = join(dir, 'w.sqlite');

describe('cartograph CLI (cli-contract.md)', () => {
  it('imports with the contract JSON shape and adds nothing the second time', async () => {
    const file = shared('har/mitmproxy__mitmproxy/firefox.har');
    const first = await cli(['import', file, '--db', db, '--json']);
    expect(first.code).toBe(0);
    const json = JSON.parse(first.stdout) as { files: { file: string; format: string; imported: number; skipped: number; errors: unknown[]; seconds: number }[] };
    expect(json.files).toHaveLength(1);
    expect(json.files[0]).toMatchObject({ format: 'har', imported: 14, skipped: 0, errors: [] });
    expect(typeof json.files[0].seconds).toBe('number');
    const second = JSON.parse((await cli(['import', file, '--db', db, '--json'])).stdout) as typeof json;
    expect(second.files[0].imported).toBe(0);
  });

  it('lists traffic with a filter, newest last, in the contract shape', async () => {
    const r = await cli(['traffic', '--db', db, '--json', '--filter', 'method = GET and status = 200', '--limit', '3']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: number; time: string; method: string; host: string; path: string; query: string; status: number; ip: string | null; principal: string | null; source: string }[];
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(['id', 'time', 'method', 'host', 'path', 'query', 'status', 'ip', 'principal', 'source']));
    expect(rows.every((x) => x.method === 'GET' && x.status === 200 && x.source === 'firefox.har')).toBe(true);
    const times = rows.map((x) => Date.parse(x.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('exits 2 with a one-line reason on bad usage and unreadable input', async () => {
    const badFilter = await cli(['traffic', '--db', db, '--filter', 'status >']);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/column \d+/);
    expect((await cli(['traffic', '--db', join(dir, 'none.sqlite')])).code).toBe(2);
    expect((await cli(['import', join(dir, 'nope.har'), '--db', db])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const junk = join(dir, 'junk.har');
    writeFileSync(junk, '{"log": {"entries": [');
    const truncated = await cli(['import', junk, '--db', db, '--json']);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr.trim().split('\n').at(-1)).toMatch(/offset \d+/);
    const notDb = join(dir, 'not-a-db.sqlite');
    writeFileSync(notDb, 'hello');
    const r = await cli(['traffic', '--db', notDb]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lists formats', async () => {
    const r = await cli(['formats', '--json']);
    expect(r.code).toBe(0);
    const formats = JSON.parse(r.stdout) as { id: string; producers: string[] }[];
    expect(formats.find((f) => f.id === 'har')?.producers.length).toBeGreaterThan(3);
  });
});
