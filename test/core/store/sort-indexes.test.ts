/**
 * The sort-index list is migration 1's, byte for byte; a workspace whose indexes a killed bulk
 * import dropped gets them back on open, unless the importing process is still alive.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { beginBulkLoad, BULK_DROPPED, createSortIndexes, missingSortIndexes, SORT_INDEX_COLUMNS, sortIndexName, sortIndexSql } from '../../../src/core/store/sort-indexes.ts';
import { tempDir } from '../../helpers/tmp.ts';

const schema = (db: Database.Database): unknown[] => db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name`).all();

function fresh(): string {
  const path = join(tempDir(), 'w.sqlite');
  openWorkspace(path, { create: true }).close();
  return path;
}

describe('sort indexes', () => {
  it('are the indexes migration 1 creates, and recreating them leaves the same schema text', () => {
    const path = fresh();
    const db = new Database(path);
    try {
      const before = schema(db);
      const sql = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'exchanges\\_%' ESCAPE '\\'`).all() as { name: string; sql: string }[];
      expect(sql.map((r) => r.name).sort()).toEqual(SORT_INDEX_COLUMNS.map(sortIndexName).sort());
      for (const c of SORT_INDEX_COLUMNS) expect(sql.find((r) => r.name === sortIndexName(c))?.sql).toBe(`CREATE INDEX ${sortIndexName(c)} ON exchanges(${c}, id)`);
      for (const c of SORT_INDEX_COLUMNS) db.exec(`DROP INDEX ${sortIndexName(c)}`);
      expect(missingSortIndexes(db)).toEqual([...SORT_INDEX_COLUMNS]);
      for (const c of SORT_INDEX_COLUMNS) db.exec(sortIndexSql(c));
      expect(schema(db)).toEqual(before);
    } finally {
      db.close();
    }
  });

  it('a bulk load keeps the index queries name with INDEXED BY and gives the rest back', () => {
    const db = openWorkspace(fresh());
    try {
      const before = schema(db);
      beginBulkLoad(db);
      expect(missingSortIndexes(db)).toEqual(BULK_DROPPED);
      expect(BULK_DROPPED).not.toContain('path');
      const heard: string[] = [];
      expect(createSortIndexes(db, (name) => heard.push(name))).toBe(BULK_DROPPED.length);
      expect(heard).toEqual(BULK_DROPPED.map(sortIndexName));
      expect(schema(db)).toEqual(before);
      expect(db.prepare(`SELECT count(*) FROM meta WHERE key = 'bulk_import'`).pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('open rebuilds indexes a dead importer dropped, and leaves a live importer alone', () => {
    const path = fresh();
    const db = openWorkspace(path);
    beginBulkLoad(db); // this process: alive
    db.close();
    const again = openWorkspace(path);
    expect(missingSortIndexes(again)).toEqual(BULK_DROPPED);
    // The importer died: a pid no process has.
    again.prepare(`UPDATE meta SET value = ? WHERE key = 'bulk_import'`).run(JSON.stringify({ pid: 2 ** 22 + 12345 }));
    again.close();
    const repaired = openWorkspace(path);
    try {
      expect(missingSortIndexes(repaired)).toEqual([]);
      expect(repaired.prepare(`SELECT count(*) FROM meta WHERE key = 'bulk_import'`).pluck().get()).toBe(0);
    } finally {
      repaired.close();
    }
  });

  it('open rebuilds missing indexes when no importer is recorded, or its marker is unreadable', () => {
    const path = fresh();
    const raw = new Database(path);
    raw.exec(`DROP INDEX exchanges_time; DROP INDEX exchanges_ip; INSERT INTO meta (key, value) VALUES ('bulk_import', 'not json')`);
    raw.close();
    const db = openWorkspace(path);
    try {
      expect(missingSortIndexes(db)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
