/**
 * The import bench's stage breakdown (bench/import-stages.ts) measures the real code on real
 * entries: every stage runs, the writer stages leave a complete workspace, and the costs it reports
 * are the ones the bench turns into ceilings.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateHar } from '../../bench/generate-har.ts';
import { REQUIRED_STAGES, WRITER_STAGES, stageCosts } from '../../bench/import-stages.ts';
import { openWorkspace } from '../../src/core/store/db.ts';
import { missingSortIndexes } from '../../src/core/store/sort-indexes.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('import stage costs', () => {
  it('times every stage of a HAR import over the requested entries', async () => {
    const dir = tempDir();
    const file = join(dir, 'small.har');
    await generateHar(600, file);
    const db = join(dir, 'stages.sqlite');
    const costs = stageCosts(file, 400, db);
    for (const stage of [...REQUIRED_STAGES, ...WRITER_STAGES, 'scan', 'prepare row', 'hand-off']) {
      expect(costs[stage], stage).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(costs[stage]), stage).toBe(true);
    }
    // Parsing and writing cost something on any machine; the last write pass left 400 rows, all indexed.
    expect(costs['JSON.parse']).toBeGreaterThan(0);
    expect(costs['insert rows']).toBeGreaterThan(0);
    const w = openWorkspace(db);
    expect(w.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(400);
    expect(w.prepare('SELECT count(*) FROM body_fts WHERE body_fts MATCH ?').pluck().get('"Item"')).toBeGreaterThan(0);
    expect(missingSortIndexes(w)).toEqual([]);
    w.close();
  });
});
