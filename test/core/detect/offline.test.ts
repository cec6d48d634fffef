/**
 * Offline detection over a real workspace equals streaming the same exchanges in time order.
 * Needs the store's exchange iterator (src/core/store/exchanges.ts, written in parallel): skipped
 * with a message until it exists.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectExchanges } from '../../../src/core/detect/engine.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import type { Db } from '../../../src/core/store/db.ts';
import { openWorkspace } from '../../../src/core/store/db.ts';
import type { StoredExchange } from '../../../src/core/model/exchange.ts';
import { generateTraffic, rng } from './generator.ts';

const HAS_ITERATOR = existsSync(join(import.meta.dirname, '../../../src/core/store/exchanges.ts'));

/** Writes exchanges through the migration-1 schema in the given order (ids follow that order). */
function store(db: Db, exchanges: readonly StoredExchange[]): Map<number, number> {
  db.prepare(`INSERT INTO sources (id, name, sha256, format, status, started_at) VALUES (1, 'gen', 'x', 'har', 'complete', 0)`).run();
  const body = db.prepare(`INSERT INTO bodies (hash, size, compressed, data) VALUES (?, ?, 0, ?) ON CONFLICT(hash) DO UPDATE SET size = size RETURNING id`);
  const ins = db.prepare(`INSERT INTO exchanges (source_id, entry_index, time, method, scheme, host, port, path, query, http_version, status, status_text, req_headers, resp_headers, req_body_id, resp_body_id, req_size, resp_size, duration, ip, client_ip, principal, principal_kind)
    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 'HTTP/1.1', ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const bodyId = (b: Uint8Array | null) => (b ? (body.get(createHash('sha256').update(b).digest(), b.length, Buffer.from(b)) as { id: number }).id : null);
  const ids = new Map<number, number>();
  db.transaction(() => {
    exchanges.forEach((e, i) => {
      const r = ins.run(i, e.time, e.method, e.scheme, e.host, e.port, e.path, e.query, e.status, JSON.stringify(e.requestHeaders), JSON.stringify(e.responseHeaders), bodyId(e.requestBody), bodyId(e.responseBody), e.requestSize, e.responseSize, e.durationMs, e.ip, e.clientIp, e.principal, e.principalKind);
      ids.set(e.id, Number(r.lastInsertRowid));
    });
  })();
  return ids;
}

describe.skipIf(!HAS_ITERATOR)('offline detection over a workspace', () => {
  it('equals streaming, for several import orders', async () => {
    const { detectOffline, explainExchange } = await import('../../../src/core/detect/offline.ts');
    const g = generateTraffic({ seed: 21, users: 20, durationMs: 2 * 3600_000, incidents: true });
    for (const seed of [1, 2]) {
      const r = rng(seed);
      const shuffled = g.exchanges.map((e) => ({ e, k: r() })).sort((a, b) => a.k - b.k).map(({ e }) => e);
      const db = openWorkspace(':memory:', { create: true });
      const ids = store(db, shuffled);
      const streamed = g.exchanges.map((e) => ({ ...e, id: ids.get(e.id)!, sourceId: 1 })).sort((a, b) => a.time - b.time || a.id - b.id);
      const offline = detectOffline(db, builtinPack(), { spec: g.spec, progressEvery: 1000 });
      expect(offline.exchanges).toBe(g.exchanges.length);
      expect(offline.findings).toEqual(detectExchanges(streamed, builtinPack(), { spec: g.spec }));
      const attack = offline.findings.find((f) => f.rule === 'injection.sqli')!;
      const why = explainExchange({ db, exchangeId: attack.requestIds[0] }, builtinPack(), { spec: g.spec });
      expect(why.find((x) => x.rule === 'injection.sqli')).toMatchObject({ matched: true, findingId: attack.id });
      db.close();
    }
  });

  it('gives the same findings on two threads as on one, and a cancel stops both', async () => {
    const { detectOffline } = await import('../../../src/core/detect/offline.ts');
    const { detectOfflineSplit, splitPack } = await import('../../../src/core/detect/split.ts');
    const { DEFAULT_IMPORT_WORKER } = await import('../../../src/core/ingest/job.ts');
    const g = generateTraffic({ seed: 22, users: 20, durationMs: 2 * 3600_000, incidents: true });
    const dir = mkdtempSync(join(tmpdir(), 'cartograph-split-'));
    const dbPath = join(dir, 'w.sqlite');
    const db = openWorkspace(dbPath, { create: true });
    try {
      store(db, g.exchanges);
      const [here, there] = splitPack(builtinPack());
      expect(here.rules.length).toBeGreaterThan(0);
      expect(there.rules.length).toBeGreaterThan(0);
      const progress: number[] = [];
      const opts = { spec: g.spec, dbPath, workerUrl: DEFAULT_IMPORT_WORKER, minExchanges: 0, progressEvery: 500 };
      const split = await detectOfflineSplit(db, builtinPack(), { ...opts, onProgress: (n) => progress.push(n) });
      const one = detectOffline(db, builtinPack(), { spec: g.spec });
      expect(split.exchanges).toBe(g.exchanges.length);
      expect(one.findings.length).toBeGreaterThan(10);
      expect(split.findings).toEqual(one.findings);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((n, i) => n <= g.exchanges.length && (i === 0 || n >= progress[i - 1]))).toBe(true);

      const abort = new AbortController();
      const cancelled = detectOfflineSplit(db, builtinPack(), { ...opts, signal: abort.signal, onProgress: (n) => n >= 1000 && abort.abort() });
      await expect(cancelled).rejects.toThrow('detection cancelled');

      await expect(detectOfflineSplit(db, builtinPack(), { ...opts, dbPath: join(dir, 'missing.sqlite') })).rejects.toThrow(/missing\.sqlite/);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
