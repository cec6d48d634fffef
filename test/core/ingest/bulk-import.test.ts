/**
 * A bulk import (sort indexes dropped while rows go in, rebuilt at the end) leaves exactly the
 * workspace the row-by-row path does: the same rows, bodies, full-text matches and schema. While
 * it runs, another connection pages the traffic table correctly (by scanning instead of an index).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateHar } from '../../../bench/generate-har.ts';
import { BULK_MIN_BYTES, bulkLoadPays, importFile, type ImportProgress } from '../../../src/core/ingest/import.ts';
import { openWorkspace, type Db } from '../../../src/core/store/db.ts';
import { missingSortIndexes } from '../../../src/core/store/sort-indexes.ts';
import { pageTraffic } from '../../../src/core/store/traffic.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** More than one write transaction (5,000 rows), so a reader sees committed rows mid-import. */
const ENTRIES = 6_000;
let har = '';
let dir = '';

beforeAll(async () => {
  dir = tempDir();
  har = join(dir, 'bulk.har');
  await generateHar(ENTRIES, har, 5);
}, 60_000);

const digest = (rows: unknown[]): string => createHash('sha256').update(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))).digest('hex');

function fingerprint(db: Db): Record<string, string | number> {
  const fts: Record<string, string> = {};
  for (const term of ['"mail.example"', '"Item 42"', '"quantity"', 'NEAR("owner" "email")', '"no such text"']) {
    const ids = db.prepare('SELECT rowid FROM body_fts WHERE body_fts MATCH ? ORDER BY rowid').pluck().all(term);
    fts[term] = `${ids.length} ${digest(ids)}`;
  }
  return {
    exchanges: digest(db.prepare('SELECT * FROM exchanges ORDER BY id').raw().all()),
    count: db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number,
    bodies: digest(db.prepare('SELECT * FROM bodies ORDER BY id').raw().all()),
    ftsDocs: digest(db.prepare('SELECT * FROM body_fts_docsize ORDER BY id').raw().all()),
    sources: digest(db.prepare('SELECT id, name, sha256, format, size, status, imported, skipped, error FROM sources ORDER BY id').raw().all()),
    schema: digest(db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').raw().all()),
    byTime: digest(pageTraffic(db, { filter: '', sort: 'time', dir: 'desc', offset: 100, limit: 200 }).rows.map((r) => r.id)),
    ...Object.fromEntries(Object.entries(fts).map(([k, v]) => [`fts ${k}`, v])),
  };
}

describe('bulk import', () => {
  it('gives the same workspace as the row-by-row import, and reads during it stay right', { timeout: 60_000 }, async () => {
    const results: Record<string, Record<string, string | number>> = {};
    for (const bulk of [false, true]) {
      const path = join(dir, `w-${bulk}.sqlite`);
      const db = openWorkspace(path, { create: true });
      const reader = openWorkspace(path);
      const phases = new Set<ImportProgress['phase']>();
      let checkedReads = 0;
      try {
        const r = await importFile(db, { path: har }, {
          bulkLoad: bulk,
          pipelineMinBytes: Number.POSITIVE_INFINITY,
          progressEveryMs: 0,
          onProgress: (p) => {
            phases.add(p.phase);
            if (p.phase !== 'importing' || checkedReads > 0) return;
            const rows = reader.prepare('SELECT id, time FROM exchanges').all() as { id: number; time: number }[];
            if (rows.length === 0) return;
            if (bulk) expect(missingSortIndexes(reader)).toContain('time');
            // The other connection's page by time is the committed rows sorted, index or not.
            const expected = rows.sort((a, b) => b.time - a.time || b.id - a.id).slice(0, 50).map((x) => x.id);
            expect(pageTraffic(reader, { filter: '', sort: 'time', dir: 'desc', offset: 0, limit: 50 }).rows.map((x) => x.id)).toEqual(expected);
            expect(pageTraffic(reader, { filter: '', sort: 'path', dir: 'asc', offset: 0, limit: 5 }).rows).toHaveLength(5);
            checkedReads++;
          },
        });
        expect(r.fatal).toBeNull();
        expect(r.imported).toBe(ENTRIES);
        expect(checkedReads).toBe(1);
        expect([...phases]).toEqual(bulk ? ['importing', 'indexing'] : ['importing']);
        expect(missingSortIndexes(db)).toEqual([]);
        results[String(bulk)] = fingerprint(db);
      } finally {
        reader.close();
        db.close();
      }
    }
    expect(results.true).toEqual(results.false);
    expect(results.true['fts "mail.example"']).toMatch(/^[1-9]\d* /);
    expect(results.true['fts "Item 42"']).toMatch(/^[1-9]\d* /);
  });

  it('is chosen for a large input into a workspace holding fewer rows than it likely adds', () => {
    const db = openWorkspace(join(tempDir(), 'w.sqlite'), { create: true });
    try {
      expect(bulkLoadPays(db, null)).toBe(false);
      expect(bulkLoadPays(db, BULK_MIN_BYTES - 1)).toBe(false);
      expect(bulkLoadPays(db, BULK_MIN_BYTES)).toBe(true);
      db.prepare(`INSERT INTO sources (name, sha256, format, status, started_at) VALUES ('s', 'x', 'har', 'complete', 0)`).run();
      db.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
        INSERT INTO exchanges (source_id, entry_index, time, method, scheme, host, path, query, http_version, status_text, req_headers, resp_headers)
        SELECT 1, i, i, 'GET', 'https', 'h', '/', '', 'HTTP/1.1', '', '[]', '[]' FROM n`);
      // ~1 KB per entry: an input likely adding fewer entries than the 20,000 held keeps the indexes.
      expect(bulkLoadPays(db, 20_000 * 1024)).toBe(false);
      expect(bulkLoadPays(db, 20_001 * 1024)).toBe(true);
    } finally {
      db.close();
    }
  });
});
