/**
 * The traffic table's queries: pages of rows under a filter and a sort, counts, one exchange in
 * full, and the analyst's annotations (tags, comment, highlight).
 */
import { ApiError, type BodyView, type ExchangeDetail, type ExchangeRow, type Highlight, type SortColumn } from '../../shared/api.ts';
import { exchangeUrl, headerValue } from '../model/exchange.ts';
import { registerQueryFunctions } from '../query/index.ts';
import type { Db } from './db.ts';
import { cached, compileForApi, readExchange } from './exchanges.ts';

export interface PageQuery {
  filter: string;
  sort: SortColumn;
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** Each sort column is the leading column of an (x, id) index, so ordered pages walk an index. */
const SORT_SQL: Record<SortColumn, string> = {
  id: 'e.id',
  time: 'e.time',
  method: 'e.method',
  host: 'e.host',
  path: 'e.path',
  status: 'e.status',
  size: 'e.resp_size',
  duration: 'e.duration',
  ip: 'e.ip',
  principal: 'e.principal',
};

const ROW_COLUMNS = `e.id, e.time, e.method, e.scheme, e.host, e.port, e.path, e.query, e.status, e.resp_size AS size,
  e.duration, e.ip, e.principal, e.mime, s.name AS source, a.highlight,
  coalesce(a.comment, '') != '' AS hasComment,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM tags WHERE exchange_id = e.id ORDER BY tag)) AS tags`;

type RawRow = Omit<ExchangeRow, 'tags' | 'hasComment'> & { tags: string; hasComment: number };

function toRow(r: RawRow): ExchangeRow {
  return { ...r, tags: JSON.parse(r.tags) as string[], hasComment: r.hasComment === 1 };
}

/** Where the last page under a (filter, sort, dir) ended, so scrolling on continues by keyset. */
interface Cursor {
  version: string;
  /** Rows before the cursor. */
  end: number;
  key: number;
  id: number;
}
const cursors = new WeakMap<Db, Map<string, Cursor>>();
/** Sorts on non-null columns can continue from a cursor; nullable ones use OFFSET alone. */
const KEYSET: Partial<Record<SortColumn, string>> = { id: 'e.id', time: 'e.time' };

export function pageTraffic(db: Db, q: PageQuery): { rows: ExchangeRow[]; total: number } {
  registerQueryFunctions(db);
  const f = compileForApi(q.filter);
  const dir = q.dir === 'desc' ? 'DESC' : 'ASC';
  const sort = SORT_SQL[q.sort] ?? 'e.id';
  const order = sort === 'e.id' ? `e.id ${dir}` : `${sort} ${dir}, e.id ${dir}`;
  const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)));
  const offset = Math.max(0, Math.floor(q.offset));

  // Deep pages: continue from the cursor the previous page left when it lies before this one,
  // so scrolling a million rows does not skip ever more rows with OFFSET.
  const keyset = KEYSET[q.sort];
  const cursorKey = `${q.sort} ${dir} ${q.filter.trim()}`;
  const version = dataVersion(db);
  let byDb = cursors.get(db);
  if (!byDb) cursors.set(db, (byDb = new Map()));
  const cur = keyset && !f.volatile ? byDb.get(cursorKey) : undefined;
  const useCursor = cur !== undefined && cur.version === version && cur.end > 0 && cur.end <= offset;
  const cmp = dir === 'DESC' ? '<' : '>';
  const where = useCursor ? `(${f.where}) AND ${keyset === 'e.id' ? `e.id ${cmp} ?` : `(${keyset}, e.id) ${cmp} (?, ?)`}` : f.where;
  const cursorParams = useCursor ? (keyset === 'e.id' ? [cur.id] : [cur.key, cur.id]) : [];

  // Pick the page's ids first: with no filter (or an indexed one) skipping rows walks only a
  // covering (column, id) index, and the joins run for the page's rows alone. CROSS JOIN pins
  // that order: with LIMIT bound as a parameter the planner would otherwise scan exchanges.
  const sql = `SELECT ${ROW_COLUMNS}
    FROM (SELECT e.id FROM exchanges e WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?) AS p
    CROSS JOIN exchanges e ON e.id = p.id
    CROSS JOIN sources s ON s.id = e.source_id
    LEFT JOIN annotations a ON a.exchange_id = e.id
    ORDER BY ${order}`;
  const skip = useCursor ? offset - cur.end : offset;
  const rows = (cached(db, sql).all(...f.params, ...cursorParams, limit, skip) as RawRow[]).map(toRow);
  const last = rows[rows.length - 1];
  if (keyset && !f.volatile && last) {
    if (byDb.size >= 16 && !byDb.has(cursorKey)) byDb.clear();
    byDb.set(cursorKey, { version, end: offset + rows.length, key: keyset === 'e.id' ? last.id : last.time, id: last.id });
  }
  // A short first page already tells the total.
  const total = offset === 0 && rows.length < limit ? rows.length : countTraffic(db, q.filter);
  return { rows, total };
}

/** Changes when this connection writes (total_changes) or another one commits (data_version). */
function dataVersion(db: Db): string {
  return `${String(db.pragma('data_version', { simple: true }))}:${String(cached(db, 'SELECT total_changes()').pluck().get())}`;
}

interface CountCache {
  version: string;
  counts: Map<string, number>;
}
const countCaches = new WeakMap<Db, CountCache>();
const COUNT_CACHE_MAX = 32;

/**
 * Exchanges matching a filter. Counts are cached per connection until the data changes (this
 * connection's total_changes() or another connection's commit, seen in PRAGMA data_version),
 * so paging through a large filtered result counts once.
 */
export function countTraffic(db: Db, filter: string): number {
  registerQueryFunctions(db);
  const f = compileForApi(filter);
  const version = dataVersion(db);
  let cache = countCaches.get(db);
  if (!cache || cache.version !== version) countCaches.set(db, (cache = { version, counts: new Map() }));
  const key = filter.trim();
  const hit = f.volatile ? undefined : cache.counts.get(key);
  if (hit !== undefined) return hit;
  const n = cached(db, `SELECT count(*) FROM exchanges e WHERE ${f.where}`).pluck().get(...f.params) as number;
  if (!f.volatile) {
    if (cache.counts.size >= COUNT_CACHE_MAX) cache.counts.delete(cache.counts.keys().next().value!);
    cache.counts.set(key, n);
  }
  return n;
}

export function getExchange(db: Db, id: number): ExchangeDetail {
  const x = readExchange(db, id);
  const meta = cached(
    db,
    `SELECT ${ROW_COLUMNS}, a.comment, e.entry_index AS entryIndex, s.id AS sourceId, s.name AS file, s.sha256
     FROM exchanges e JOIN sources s ON s.id = e.source_id LEFT JOIN annotations a ON a.exchange_id = e.id WHERE e.id = ?`,
  ).get(id) as RawRow & { comment: string | null; entryIndex: number; sourceId: number; file: string; sha256: string };
  const { comment, entryIndex, sourceId, file, sha256, ...row } = meta;
  return {
    ...toRow(row),
    url: exchangeUrl(x),
    httpVersion: x.httpVersion,
    statusText: x.statusText,
    requestHeaders: x.requestHeaders.map(([n, v]) => [n, v]),
    responseHeaders: x.responseHeaders.map(([n, v]) => [n, v]),
    requestBody: bodyView(x.requestBody, headerValue(x.requestHeaders, 'content-type')),
    responseBody: bodyView(x.responseBody, headerValue(x.responseHeaders, 'content-type') ?? row.mime ?? undefined),
    requestSize: x.requestSize,
    clientIp: x.clientIp,
    serverIp: x.serverIp,
    principalKind: x.principalKind,
    error: x.error,
    websocket: x.websocket,
    extra: x.extra,
    comment: comment || null,
    provenance: { sourceId, file, sha256, entryIndex },
  };
}

function requireExchange(db: Db, id: number): void {
  if (!cached(db, 'SELECT 1 FROM exchanges WHERE id = ?').get(id)) throw new ApiError('not-found', `no exchange with id ${id}`);
}

/** Replaces the exchange's tags with `tags` (duplicates ignored). */
export function setTags(db: Db, id: number, tags: readonly string[]): void {
  db.transaction(() => {
    requireExchange(db, id);
    cached(db, 'DELETE FROM tags WHERE exchange_id = ?').run(id);
    const insert = cached(db, 'INSERT OR IGNORE INTO tags (exchange_id, tag) VALUES (?, ?)');
    for (const t of tags) insert.run(id, t);
  })();
}

function annotate(db: Db, id: number, column: 'comment' | 'highlight', value: string | null, now: number): void {
  db.transaction(() => {
    requireExchange(db, id);
    cached(
      db,
      `INSERT INTO annotations (exchange_id, ${column}, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (exchange_id) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`,
    ).run(id, value, now);
    // An annotation with nothing left in it is no annotation.
    cached(db, 'DELETE FROM annotations WHERE exchange_id = ? AND highlight IS NULL AND comment IS NULL').run(id);
  })();
}

/** Sets the comment; an empty comment removes it. */
export function setComment(db: Db, id: number, comment: string, now = Date.now()): void {
  annotate(db, id, 'comment', comment === '' ? null : comment, now);
}

export function setHighlight(db: Db, id: number, highlight: Highlight | null, now = Date.now()): void {
  annotate(db, id, 'highlight', highlight, now);
}

/** Bodies larger than this are shown cut (BodyView.truncated); the full size is still reported. */
export const BODY_VIEW_MAX = 2 * 1024 * 1024;

const TEXTUAL = /^text\/|[/+](json|xml|javascript|ecmascript|yaml|x-yaml|graphql|x-www-form-urlencoded|csv|html|xhtml|svg|x-ndjson|problem)\b/i;

/** Monaco language for a content type (parameters ignored), or null when it says nothing useful. */
export function languageFor(contentType: string | undefined): string | null {
  const t = (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  if (!t) return null;
  if (t === 'application/x-ndjson' || t === 'application/jsonl') return 'plaintext';
  if (/[/+]json$/.test(t)) return 'json';
  if (t === 'text/html' || t === 'application/xhtml+xml') return 'html';
  if (/[/+]xml$/.test(t)) return 'xml';
  if (/javascript|ecmascript/.test(t)) return 'javascript';
  if (t === 'text/css') return 'css';
  if (/yaml/.test(t)) return 'yaml';
  if (/graphql/.test(t)) return 'graphql';
  if (t === 'text/markdown') return 'markdown';
  return 'plaintext';
}

/** Sniffs a language from the text itself when the content type did not say. */
function sniffLanguage(text: string): string {
  const head = text.trimStart().slice(0, 256);
  if (/^[{[]/.test(head)) {
    try {
      JSON.parse(text);
      return 'json';
    } catch {
      return 'plaintext';
    }
  }
  if (/^<(!doctype html|html)/i.test(head)) return 'html';
  if (/^<(\?xml|[a-z_][\w.:-]*[\s>/])/i.test(head)) return 'xml';
  return 'plaintext';
}

/** Valid UTF-8 without NULs or many control characters reads as text. */
function looksBinary(text: string): boolean {
  const sample = text.slice(0, 4096);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0x7f) control++;
  }
  return control > sample.length / 10;
}

function decodeText(bytes: Uint8Array, contentType: string | undefined, partial: boolean): string | null {
  const charset = /;\s*charset="?([\w.:-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  const declaredText = TEXTUAL.test((contentType ?? '').split(';', 1)[0].trim());
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return declaredText || !looksBinary(text) ? text : null;
  } catch {
    // Not UTF-8: honour a declared non-UTF-8 charset on textual types (latin1 pages, Shift_JIS…).
    if (!declaredText || !charset || charset === 'utf-8' || charset === 'utf8') return null;
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      return null;
    }
  }
}

/** What the UI shows of a body: text (with a Monaco language) or base64, cut at BODY_VIEW_MAX. */
export function bodyView(bytes: Uint8Array | null, contentType: string | undefined, max = BODY_VIEW_MAX): BodyView | null {
  if (bytes === null) return null;
  const truncated = bytes.length > max;
  const shown = truncated ? bytes.subarray(0, max) : bytes;
  const text = decodeText(shown, contentType, truncated);
  if (text === null) return { size: bytes.length, text: null, base64: Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('base64'), truncated, language: 'plaintext' };
  const declared = languageFor(contentType);
  const language = declared === null || (declared === 'plaintext' && !contentType?.startsWith('text/')) ? (truncated ? 'plaintext' : sniffLanguage(text)) : declared;
  return { size: bytes.length, text, base64: null, truncated, language };
}
