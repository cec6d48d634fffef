/**
 * A kill mid-import (SIGKILL: no cleanup code runs) leaves a consistent workspace: whole batches
 * only, an intact database, the source marked interrupted on the next open, and a re-import that
 * resumes to exactly one row per entry. The import is a bulk one (a large file into an empty
 * workspace): the sort indexes it dropped come back when the workspace is next opened.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { generateHar } from '../../../bench/generate-har.ts';
import { recoverInterruptedImports } from '../../../src/core/ingest/import.ts';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { BULK_DROPPED, missingSortIndexes } from '../../../src/core/store/sort-indexes.ts';
import { cli } from '../../helpers/cli.ts';
import { ROOT } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';

const ENTRIES = 40_000;

function countRows(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number) ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('killing the importer', () => {
  it('leaves a consistent workspace that a re-import completes', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const har = join(dir, 'big.har');
    const ws = join(dir, 'w.sqlite');
    await generateHar(ENTRIES, har, 11);

    const child = spawn(process.execPath, [join(ROOT, 'bin/cartograph.js'), 'import', har, '--db', ws], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill as soon as some batches are committed, well before the end.
    let seen = 0;
    for (let i = 0; i < 1200 && seen === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = countRows(ws);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(seen).toBeGreaterThan(0);

    const schemaOf = (db: Database.Database): unknown[] => db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name`).all();
    const killed = new Database(ws, { readonly: true });
    try {
      expect(missingSortIndexes(killed)).toEqual(BULK_DROPPED);
    } finally {
      killed.close();
    }
    const freshPath = join(dir, 'fresh.sqlite');
    const fresh = openWorkspace(freshPath, { create: true });
    const freshSchema = schemaOf(fresh);
    fresh.close();

    const db = openWorkspace(ws);
    try {
      // Opening rebuilt what the killed bulk import dropped: the schema of a new workspace.
      expect(missingSortIndexes(db)).toEqual([]);
      expect(schemaOf(db)).toEqual(freshSchema);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const rows = db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number;
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(ENTRIES);
      // Batches commit whole: the rows are exactly the entries 0..rows-1.
      expect(db.prepare('SELECT max(entry_index) FROM exchanges').pluck().get()).toBe(rows - 1);
      expect(db.prepare('SELECT status FROM sources').pluck().get()).toBe('running');
      expect(recoverInterruptedImports(db)).toBe(1);
      expect(db.prepare('SELECT status, error FROM sources').get()).toEqual({ status: 'partial', error: 'import was interrupted' });
    } finally {
      db.close();
    }

    const again = await cli(['import', har, '--db', ws, '--json'], { timeoutMs: 110_000 });
    expect(again.code, again.stderr).toBe(0);
    const db2 = openWorkspace(ws);
    try {
      expect(db2.prepare('SELECT count(*), count(DISTINCT entry_index) FROM exchanges').raw().get()).toEqual([ENTRIES, ENTRIES]);
      expect(db2.prepare('SELECT status, imported FROM sources').get()).toEqual({ status: 'complete', imported: ENTRIES });
      expect(db2.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(schemaOf(db2)).toEqual(freshSchema);
    } finally {
      db2.close();
    }
  });
});
