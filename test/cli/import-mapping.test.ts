import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const db = join(dir, 'w.sqlite');

/** A JSON-lines log whose field names no reader guesses: unreadable without a mapping. */
function appLog(file: string, from: number): string {
  const path = join(dir, file);
  const lines = [0, 1, 2].map((i) => JSON.stringify({ at: `2024-05-01T10:00:0${from + i}Z`, op: 'POST', where: `/v1/orders/${from + i}`, rc: 201, peer: '10.1.2.3' }));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const MAPPING = JSON.stringify({ time: 'at', method: 'op', path: 'where', status: 'rc', clientIp: 'peer' });

describe('cartograph import --mapping (saved per workspace)', () => {
  it('saves the mapping given and reuses it for the next file of the same kind', async () => {
    const first = await cli(['import', appLog('a.jsonl', 0), '--format', 'jsonlines', '--mapping', MAPPING, '--db', db, '--json']);
    expect(first.code).toBe(0);
    expect((JSON.parse(first.stdout) as { files: unknown[] }).files[0]).toMatchObject({ format: 'jsonlines', imported: 3, skipped: 0 });
    // No --format, no --mapping: the workspace remembers both for this shape of record.
    const second = await cli(['import', appLog('b.jsonl', 3), '--db', db, '--json']);
    expect(second.code).toBe(0);
    expect((JSON.parse(second.stdout) as { files: unknown[] }).files[0]).toMatchObject({ format: 'jsonlines', imported: 3, skipped: 0 });
    const rows = JSON.parse((await cli(['traffic', '--db', db, '--json', '--filter', 'method = POST'])).stdout) as { path: string; status: number; ip: string }[];
    expect(rows.map((r) => [r.path, r.status, r.ip])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [`/v1/orders/${i}`, 201, '10.1.2.3']));
  });

  it('refuses an invalid mapping with a usage error', async () => {
    const other = join(dir, 'other.sqlite');
    const r = await cli(['import', appLog('c.jsonl', 6), '--mapping', '{"when": "at"}', '--db', other]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "when" in the mapping/);
  });
});
