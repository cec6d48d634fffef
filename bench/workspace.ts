/** Workspaces the benchmarks build for themselves. */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { openWorkspace, type Db } from '../src/core/store/db.ts';

/** A new, empty workspace at `file` (an earlier one and its WAL removed) with one source for rows to belong to. */
export function freshWorkspace(file: string, source: string): { db: Db; sourceId: number } {
  mkdirSync(dirname(file), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const db = openWorkspace(file, { create: true });
  const sourceId = Number(db.prepare(`INSERT INTO sources (name, sha256, format, status, started_at) VALUES (?, ?, 'har', 'complete', 0)`).run(source, source).lastInsertRowid);
  return { db, sourceId };
}
