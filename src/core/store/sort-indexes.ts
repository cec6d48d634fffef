/**
 * The traffic table's sort indexes, `exchanges_<col> ON exchanges(<col>, id)`, as one list shared by
 * workspace open and the bulk import. Migration 1 created them (its SQL is never edited; a test
 * holds this list to it). A large import into an empty or small workspace drops most of them,
 * writes its rows, and builds them again in one pass each, which costs far less than keeping nine
 * B-trees up to date row by row. A `meta` marker names the importing process while they are
 * missing, so a kill mid-import is repaired by the next open and a live import is left alone.
 */
import type { Db } from './db.ts';

export const SORT_INDEX_COLUMNS = ['time', 'host', 'path', 'method', 'status', 'resp_size', 'duration', 'ip', 'principal'] as const;
type SortIndexColumn = (typeof SORT_INDEX_COLUMNS)[number];

export const sortIndexName = (column: SortIndexColumn): string => `exchanges_${column}`;
/** SQLite stores this as `CREATE INDEX exchanges_x ON exchanges(x, id)`: the same text migration 1 left. */
export const sortIndexSql = (column: SortIndexColumn): string => `CREATE INDEX IF NOT EXISTS ${sortIndexName(column)} ON exchanges(${column}, id)`;

/**
 * Kept during a bulk import: queries name it with INDEXED BY (inventory/build.ts), which fails
 * outright when the index is missing, and the inventory may be read while an import runs.
 */
const KEPT_DURING_BULK: readonly SortIndexColumn[] = ['path'];
export const BULK_DROPPED = SORT_INDEX_COLUMNS.filter((c) => !KEPT_DURING_BULK.includes(c));

const MARKER = 'bulk_import';
/**
 * Page cache while building (KiB, as PRAGMA cache_size takes it negated): it also caps the sort's
 * memory. 1M rows: 16 MiB peaks at 106 MB RSS against 187 MB with the usual 64 MiB, for ~7% more CPU.
 */
const BUILD_CACHE_KIB = 16 * 1024;

export function missingSortIndexes(db: Db): SortIndexColumn[] {
  const present = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'exchanges'`).pluck().all() as string[]);
  return SORT_INDEX_COLUMNS.filter((c) => !present.has(sortIndexName(c)));
}

/** Drops the bulk-droppable sort indexes and records this process as the one rebuilding them. */
export function beginBulkLoad(db: Db): void {
  db.transaction(() => {
    db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(MARKER, JSON.stringify({ pid: process.pid }));
    for (const c of BULK_DROPPED) db.exec(`DROP INDEX IF EXISTS ${sortIndexName(c)}`);
  })();
}

/**
 * Creates the missing sort indexes, one transaction each (a reader or another writer waits for one
 * index, never for all nine), then clears the marker. `onIndex` hears each one as it starts.
 */
export function createSortIndexes(db: Db, onIndex?: (name: string, done: number, total: number) => void): number {
  const missing = missingSortIndexes(db);
  if (missing.length > 0) {
    const cacheSize = db.pragma('cache_size', { simple: true }) as number;
    db.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
    try {
      for (const [i, c] of missing.entries()) {
        onIndex?.(sortIndexName(c), i, missing.length);
        db.exec(sortIndexSql(c));
      }
    } finally {
      db.pragma(`cache_size = ${cacheSize}`);
    }
  }
  db.prepare('DELETE FROM meta WHERE key = ?').run(MARKER);
  return missing.length;
}

function importerAlive(marker: string | undefined): boolean {
  if (marker === undefined) return false;
  try {
    const { pid } = JSON.parse(marker) as { pid?: unknown };
    if (typeof pid !== 'number') return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * On open: sort indexes missing because an import was killed mid-way are built again, unless the
 * process that dropped them is still running (its import rebuilds them when it ends).
 */
export function repairSortIndexes(db: Db): number {
  if (missingSortIndexes(db).length === 0) return 0;
  if (importerAlive(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(MARKER) as string | undefined)) return 0;
  return createSortIndexes(db);
}
