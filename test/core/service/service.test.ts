import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { copyFileSync } from 'node:fs';
import { startServiceHost, type ServiceHost } from '../../../src/core/service/host.ts';
import type { ApiEvents, JobDone } from '../../../src/shared/api.ts';
import { shared } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();
let host: ServiceHost;
const events: { event: string; payload: unknown }[] = [];

function waitForEvent<E extends keyof ApiEvents>(event: E, pred: (p: ApiEvents[E]) => boolean = () => true): Promise<ApiEvents[E]> {
  return new Promise((resolve) => {
    const off = host.onEvent((e, p) => {
      if ((e as string) === event && pred(p as ApiEvents[E])) {
        off();
        resolve(p as ApiEvents[E]);
      }
    });
  });
}

beforeAll(async () => {
  host = await startServiceHost({ userDataDir: join(dir, 'user-data') });
  host.onEvent((event, payload) => events.push({ event, payload }));
});
afterAll(() => host?.close());

describe('service host (engine in a worker thread)', () => {
  it('lands a first-time user in the bundled sample workspace with traffic', async () => {
    const info = (await host.call('workspace.info', {})) as { sample: boolean; exchanges: number; sources: { name: string; status: string }[] };
    expect(info.sample).toBe(true);
    expect(info.exchanges).toBe(326);
    expect(info.sources).toMatchObject([{ name: 'shop-api.har', status: 'complete' }]);
    const page = (await host.call('traffic.page', { limit: 5 })) as { rows: { host: string }[]; total: number };
    expect(page.total).toBe(326);
    expect(page.rows[0].host).toBe('api.shop.example');
  });

  it('validates every input at the receiving side', async () => {
    await expect(host.call('traffic.page', { limit: 100000 })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('limit') });
    await expect(host.call('traffic.page', { sql: 'DROP TABLE exchanges' })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(host.call('no.such.method', {})).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('unknown method') });
    await expect(host.call('traffic.get', { id: 999999 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(host.call('workspace.open', { path: join(dir, 'missing.sqlite') })).rejects.toMatchObject({ code: 'workspace' });
  });

  it('reports filter errors with a column', async () => {
    const bad = (await host.call('filter.check', { expr: 'status = ' })) as { ok: boolean; column?: number };
    expect(bad.ok).toBe(false);
    expect(bad.column).toBeGreaterThan(0);
    await expect(host.call('traffic.page', { filter: 'status = ' })).rejects.toMatchObject({ code: 'filter' });
  });

  it('creates a workspace, imports in a worker with progress events, dedups a re-import', async () => {
    const ws = join(dir, 'ws.sqlite');
    const created = (await host.call('workspace.create', { path: ws })) as { exchanges: number; sample: boolean };
    expect(created).toMatchObject({ exchanges: 0, sample: false });
    const file = join(dir, 'chrome51.har');
    copyFileSync(shared('har/janodvarko__harviewer/issue-61/chrome51.har'), file);
    const done = waitForEvent('job.done');
    const { jobId } = (await host.call('import.start', { files: [{ path: file }] })) as { jobId: string };
    const result: JobDone = await done;
    expect(result).toMatchObject({ jobId, state: 'done', files: [{ format: 'har', imported: 27, duplicate: false }] });
    expect(events.some((e) => e.event === 'job.progress')).toBe(true);
    expect(events.some((e) => e.event === 'workspace.changed')).toBe(true);
    const again = waitForEvent('job.done');
    await host.call('import.start', { files: [{ path: file }] });
    expect((await again).files[0]).toMatchObject({ imported: 0, duplicate: true });
    expect(((await host.call('workspace.info', {})) as { exchanges: number }).exchanges).toBe(27);
  });

  it('persists annotations and finds them with the filter language', async () => {
    const page = (await host.call('traffic.page', { limit: 1 })) as { rows: { id: number }[] };
    const id = page.rows[0].id;
    await host.call('annotate.tags', { id, tags: ['suspicious', 'bola'] });
    await host.call('annotate.comment', { id, comment: 'walks order ids' });
    await host.call('annotate.highlight', { id, highlight: 'red' });
    const detail = (await host.call('traffic.get', { id })) as { tags: string[]; comment: string; highlight: string };
    expect(detail).toMatchObject({ tags: ['bola', 'suspicious'], comment: 'walks order ids', highlight: 'red' });
    expect(await host.call('traffic.count', { filter: 'tag = bola' })).toBe(1);
  });

  it('saves a workspace under a new name and reopens it', async () => {
    const copy = join(dir, 'copy.sqlite');
    const saved = (await host.call('workspace.saveAs', { path: copy })) as { path: string; exchanges: number };
    expect(saved).toMatchObject({ path: copy, exchanges: 27 });
    expect(await host.call('workspace.recent', {})).toContain(copy);
  });
});
