/**
 * detect.run on its own thread: progress events, the service answering other calls meanwhile,
 * cancel (no findings saved, the run recorded as cancelled) and one run at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createService, type Service } from '../../../src/core/service/service.ts';
import { ApiError, validateInput, type ApiEvents, type ApiInput, type ApiMethod, type ApiResults } from '../../../src/shared/api.ts';
import { generateTraffic } from '../detect/generator.ts';
import { emptyWorkspace, importExchanges } from '../inventory/fixture.ts';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { ROOT } from '../../helpers/paths.ts';
import { startDetectJob } from '../../../src/core/detect/job.ts';
import { builtinRulesDir } from '../../../src/core/detect/pack.ts';
import { DEFAULT_IMPORT_WORKER } from '../../../src/core/ingest/job.ts';
import { tempDir } from '../../helpers/tmp.ts';

let service: Service;
let workspace: string;
const progress: ApiEvents['detect.progress'][] = [];

async function call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]> {
  const v = validateInput<M>(method, input);
  return service.handle(v.method, v.input);
}

beforeAll(async () => {
  const ws = emptyWorkspace(tempDir());
  const traffic = generateTraffic({ seed: 11, users: 40, durationMs: 2 * 3600_000, incidents: true });
  importExchanges(ws.db, 'generated.har', traffic.exchanges);
  ws.db.close();
  workspace = ws.path;
  service = await createService({
    userDataDir: join(tempDir(), 'user-data'),
    workspace,
    resourcesDir: join(ROOT, 'resources'),
    emit: (event, payload) => {
      if (event === 'detect.progress') progress.push(payload as ApiEvents['detect.progress']);
    },
  });
}, 60_000);
afterAll(() => service?.close());

const runs = () => {
  const db = openWorkspace(workspace, { readonly: true });
  try {
    return db.prepare('SELECT status, exchanges, findings FROM detection_runs ORDER BY id').all() as { status: string; exchanges: number; findings: number }[];
  } finally {
    db.close();
  }
};

describe('detect.run in a worker thread', () => {
  it('cancels: the call fails with code cancelled, the run is recorded cancelled and no findings are saved', async () => {
    const run = call('detect.run', {});
    await call('detect.cancel', {});
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(runs()).toEqual([{ status: 'cancelled', exchanges: 0, findings: 0 }]);
    expect((await call('findings.list', {})).counts.total).toBe(0);
  });

  it('reports progress, keeps answering other calls meanwhile, and runs one detection at a time', async () => {
    const total = await call('traffic.count', { filter: '' });
    expect(total).toBeGreaterThan(4000);
    const order: string[] = [];
    const run = call('detect.run', {}).then((r) => (order.push('detect'), r));
    await expect(call('detect.run', {})).rejects.toThrow(ApiError);
    await call('traffic.page', { filter: 'status >= 400', offset: 0, limit: 50, sort: 'time', dir: 'asc' }).then(() => order.push('traffic'));
    const result = await run;
    expect(order).toEqual(['traffic', 'detect']);
    expect(result.exchanges).toBe(total);
    expect(result.findings).toBeGreaterThan(0);
    expect((await call('findings.list', {})).counts.total).toBe(result.findings);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p.total).toBe(total);
    expect(progress.map((p) => p.exchanges)).toEqual([...progress.map((p) => p.exchanges)].sort((a, b) => a - b));
    expect(runs().map((r) => r.status)).toEqual(['cancelled', 'complete']);
  });

  it('runs a large workspace on two threads (the job worker starts the second), with the same findings', async () => {
    const one = (await call('findings.list', {})).findings.map((f) => f.id).sort();
    const seen: number[] = [];
    const job = startDetectJob(DEFAULT_IMPORT_WORKER, { dbPath: workspace, packDir: builtinRulesDir(), packName: 'builtin', splitMinExchanges: 0 }, (n) => seen.push(n));
    const result = await job.result;
    const db = openWorkspace(workspace, { readonly: true });
    try {
      const two = (db.prepare('SELECT id FROM findings WHERE run_id = ?').pluck().all(result.runId) as string[]).sort();
      expect(two).toEqual(one);
    } finally {
      db.close();
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(runs().map((r) => r.status)).toEqual(['cancelled', 'complete', 'complete']);
  });
});
