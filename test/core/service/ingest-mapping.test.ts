import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { startServiceHost, type ServiceHost } from '../../../src/core/service/host.ts';
import type { ApiEvents, JobDone } from '../../../src/shared/api.ts';
import type { FormatPreview } from '../../../src/shared/api-ingest.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();
let host: ServiceHost;

function waitForDone(): Promise<JobDone> {
  return new Promise((resolve) => {
    const off = host.onEvent((e, p) => {
      if ((e as string) === 'job.done') {
        off();
        resolve(p as ApiEvents['job.done']);
      }
    });
  });
}

/** Field names no reader guesses: the file is unreadable without a mapping. */
function appLog(file: string, from: number): string {
  const path = join(dir, file);
  const lines = [0, 1].map((i) => JSON.stringify({ at: `2024-05-01T10:00:0${from + i}Z`, op: 'DELETE', where: `/v1/items/${from + i}`, rc: 204 }));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const MAPPING = JSON.stringify({ time: 'at', method: 'op', path: 'where', status: 'rc' });

beforeAll(async () => {
  host = await startServiceHost({ userDataDir: join(dir, 'user-data') });
  await host.call('workspace.create', { path: join(dir, 'w.sqlite') });
});
afterAll(() => host?.close());

describe('JSON-lines field mappings saved in the workspace', () => {
  it('saves the mapping of an import and applies it to the next preview and import of that kind of file', async () => {
    let done = waitForDone();
    // As the import dialog sends it: a mapping, no forced format (no specific reader claims the file).
    await host.call('import.start', { files: [{ path: appLog('a.jsonl', 0) }], options: { mapping: MAPPING } });
    expect((await done).files[0]).toMatchObject({ format: 'jsonlines', imported: 2, skipped: 0 });

    const b = appLog('b.jsonl', 2);
    const preview = (await host.call('formats.sniff', { name: 'b.jsonl', head: readFileSync(b).toString('base64') })) as FormatPreview;
    expect(preview).toMatchObject({ format: 'jsonlines', savedMapping: MAPPING, error: null });
    expect(preview.records.map((r) => (r.kind === 'exchange' ? [r.method, r.url, r.status] : r.message))).toEqual([
      ['DELETE', '/v1/items/2', 204],
      ['DELETE', '/v1/items/3', 204],
    ]);

    done = waitForDone();
    await host.call('import.start', { files: [{ path: b }] });
    expect((await done).files[0]).toMatchObject({ format: 'jsonlines', imported: 2, skipped: 0 });
    expect(((await host.call('traffic.count', { filter: 'method = DELETE and status = 204' })) as number)).toBe(4);
  });

  it('rejects an invalid mapping before starting the import, and a preview reports it', async () => {
    const bad = (await host.call('formats.sniff', { name: 'c.jsonl', path: appLog('c0.jsonl', 4), format: 'jsonlines', options: { mapping: '[1]' } })) as FormatPreview;
    expect(bad.error).toMatch(/mapping must be a JSON object/);
    await expect(host.call('import.start', { files: [{ path: appLog('c.jsonl', 4) }], options: { mapping: '[1]' } })).rejects.toThrow(/mapping must be a JSON object/);
  });
});
