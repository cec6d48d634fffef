import Database from 'better-sqlite3';
import { migrations, SCHEMA_VERSION } from './migrations.ts';
import { repairSortIndexes } from './sort-indexes.ts';

export type Db = Database.Database;

export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}

/**
 * Opens (creating when asked) a workspace file, applies pending migrations in one transaction each,
 * and sets the pragmas every connection needs. Several connections may be open at once
 * (the service's reader, an import worker's writer): WAL lets them read while one writes.
 */
export function openWorkspace(path: string, opts: { create?: boolean; readonly?: boolean } = {}): Db {
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: !opts.create, readonly: opts.readonly ?? false });
  } catch (err) {
    throw new WorkspaceError(`cannot open workspace ${path}: ${(err as Error).message}`);
  }
  try {
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    db.pragma('cache_size = -65536');
    if (!opts.readonly) {
      migrate(db);
      repairSortIndexes(db);
    } else if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
      throw new WorkspaceError(`workspace ${path} has schema ${db.pragma('user_version', { simple: true })}, expected ${SCHEMA_VERSION}`);
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof WorkspaceError) throw err;
    throw new WorkspaceError(`${path} is not a Cartograph workspace: ${(err as Error).message}`);
  }
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new WorkspaceError(`workspace schema ${current} is newer than this build understands (${SCHEMA_VERSION})`);
  }
  if (current === 0) {
    // A file with tables but no version is someone else's database: refuse rather than mix.
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (tables.n > 0) throw new WorkspaceError('file is an SQLite database but not a Cartograph workspace');
  }
  // Features append their migrations in the order they land, not always in version order.
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
