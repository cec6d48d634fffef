import { closeSync, openSync, readSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import type { Db } from '../../../store/db.ts';
import { headRecords } from './json.ts';
import { jsonLinesReader, parseMapping } from './jsonlines.ts';
import { logReaders } from '../logs.ts';

/**
 * Field mappings of the JSON-lines reader, saved per workspace (table log_field_mappings) so the
 * analyst maps a kind of log once: a mapping is keyed by the shape of the file's records (their
 * sorted top-level keys), and an import or preview given no mapping uses the one saved for the
 * file's shape. Readers never see the database: callers (service, CLI) resolve the option here.
 */

const HEAD_BYTES = 64 * 1024;
const NAME_MAX = 1000;

/** The file's first 64 KiB, gunzipped when gzip (as far as the head goes). */
export function readHeadSync(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    const head = buf.subarray(0, n);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return head;
    try {
      return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES);
    } catch {
      return head;
    }
  } finally {
    closeSync(fd);
  }
}

/** `jsonlines:<sorted top-level keys>` of the head's first JSON record; null when it holds none. */
export function mappingName(head: Uint8Array): string | null {
  const first = headRecords(head)[0];
  if (first === undefined) return null;
  const name = `jsonlines:${Object.keys(first).sort().join(',')}`;
  return name.length > NAME_MAX ? name.slice(0, NAME_MAX) : name;
}

export function savedMapping(db: Db, name: string): string | null {
  const row = db.prepare('SELECT mapping FROM log_field_mappings WHERE name = ?').get(name) as { mapping: string } | undefined;
  return row?.mapping ?? null;
}

export function saveMapping(db: Db, name: string, mapping: string, now: number = Date.now()): void {
  db.prepare(
    'INSERT INTO log_field_mappings (name, mapping, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at',
  ).run(name, mapping, now);
}

/** True when no specific log reader claims the head, so it is the mapped JSON-lines reader's to read. */
function isGenericJsonLines(head: Uint8Array): boolean {
  let best: string | null = null;
  let score = 0;
  for (const r of logReaders) {
    const s = r.sniff(head, '');
    if (s > score) [best, score] = [r.id, s];
  }
  return best === null || best === jsonLinesReader.id;
}

/**
 * Format and reader options for reading files with these heads. A mapping given is checked
 * (ReadError when invalid) and, with `save`, saved for the shape of each file read as generic JSON
 * lines, which it is then read as unless a format was forced. Without one, the mapping saved for
 * the first file's shape that has one is used, and so is the JSON-lines reader unless a format was
 * forced (the file may not be readable without its mapping).
 */
export function withSavedMapping(
  db: Db,
  heads: readonly Uint8Array[],
  format: string | undefined,
  options: Readonly<Record<string, string>> | undefined,
  save = true,
): { format: string | undefined; options: Record<string, string> | undefined } {
  const given = options?.['mapping']?.trim();
  if (given) {
    parseMapping(given);
    let generic = false;
    for (const head of heads) {
      const name = mappingName(head);
      if (name === null || !(format === jsonLinesReader.id || (format === undefined && isGenericJsonLines(head)))) continue;
      generic = true;
      if (save) saveMapping(db, name, given);
    }
    return { format: format ?? (generic ? jsonLinesReader.id : undefined), options: { ...options } };
  }
  for (const head of heads) {
    const name = mappingName(head);
    const saved = name === null ? null : savedMapping(db, name);
    if (saved !== null) return { format: format ?? jsonLinesReader.id, options: { ...options, mapping: saved } };
  }
  return { format, options: options === undefined ? undefined : { ...options } };
}
