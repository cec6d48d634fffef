/**
 * Batched writer of exchanges into a workspace. Rows go in one transaction per batch; bodies are
 * stored once by content hash (deflate-compressed when that pays) and textual ones are indexed for
 * full-text search. Identity (principal, client IP) is extracted here so every format gets it.
 */
import { hash as digest } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';
import { headerValue, type Exchange } from '../model/exchange.ts';
import { extractIdentity } from '../model/identity.ts';

/** Bodies at least this large are compressed when it saves >= 10%. */
export const COMPRESS_MIN = 1024;
/** Text indexed for full-text search per body. */
export const FTS_MAX_CHARS = 1024 * 1024;
const BODY_CACHE = 50_000;

const TEXT_MIME = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-yaml|x-ndjson|problem\+json|soap\+xml|csv)|image\/svg)/i;

function contentType(headers: Exchange['requestHeaders']): string {
  return (headerValue(headers, 'content-type') ?? '').split(';', 1)[0].trim().toLowerCase();
}

/** Decoders are reused: without `stream`, each decode starts afresh (a failed one too). */
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });
const LATIN1 = new TextDecoder('latin1');

/** Text worth indexing: a textual content type, or no type and bytes that decode as UTF-8. */
export function bodyText(bytes: Uint8Array, mime: string): string | null {
  if (mime && !TEXT_MIME.test(mime)) return null;
  const sample = bytes.subarray(0, Math.min(bytes.length, FTS_MAX_CHARS * 2));
  try {
    const text = UTF8_STRICT.decode(sample);
    if (!mime && /[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 2048))) return null;
    return text.length > FTS_MAX_CHARS ? text.slice(0, FTS_MAX_CHARS) : text;
  } catch {
    return mime ? LATIN1.decode(sample).slice(0, FTS_MAX_CHARS) : null;
  }
}

/** A body as stored: deflated when that saves at least 10% (bodies under COMPRESS_MIN as they are). */
export function encodeBody(bytes: Uint8Array): { compressed: 0 | 1; data: Uint8Array } {
  if (bytes.length >= COMPRESS_MIN) {
    const deflated = deflateRawSync(bytes, { level: 1 });
    if (deflated.length < bytes.length * 0.9) return { compressed: 1, data: deflated };
  }
  return { compressed: 0, data: bytes };
}

export interface WriterOptions {
  /** Rows per transaction (default 2000). */
  batchSize?: number;
  /** Body bytes held before a transaction is written, whatever the row count (default 32 MiB). */
  batchBytes?: number;
  trustedProxies?: readonly string[];
}

/** A body ready to store: `data` is null when this preparer already handed out the same hash. */
export interface PreparedBody {
  hash: Uint8Array;
  /** The hash as base64: the key of the writer's body-id cache. */
  key: string;
  size: number;
  compressed: number;
  data: Uint8Array | null;
  /** Text for the full-text index (null: not textual, or already handed out). */
  text: string | null;
}

function heldBytes(body: PreparedBody | null): number {
  return body === null ? 0 : (body.data?.length ?? 0) + (body.text?.length ?? 0);
}

/**
 * One exchange as the columns it is stored with, everything but SQLite already done (identity,
 * header JSON, body hashing, compression, text extraction), so it can be computed on another
 * thread and sent over as plain data. `columns` follows EXCHANGE_COLUMNS minus the leading three.
 */
export interface PreparedRow {
  index: number;
  reqBody: PreparedBody | null;
  respBody: PreparedBody | null;
  columns: (string | number | null)[];
}

const EXCHANGE_COLUMNS = `source_id, entry_index, req_body_id, resp_body_id, time, method, scheme, host, port, path, query,
  http_version, status, status_text, req_headers, resp_headers, req_size, resp_size, mime, duration, ip, client_ip,
  server_ip, principal, principal_kind, error, websocket, extra`;
const EXCHANGE_PARAMS = EXCHANGE_COLUMNS.split(',').map(() => '?').join(',');

/** Turns exchanges into PreparedRows; remembers the bodies it saw so a repeated one is hashed, not re-sent. */
export class RowPreparer {
  private readonly trustedProxies: readonly string[];
  private readonly seen = new Set<string>();

  constructor(opts: { trustedProxies?: readonly string[] } = {}) {
    this.trustedProxies = opts.trustedProxies ?? [];
  }

  prepare(index: number, e: Exchange): PreparedRow {
    const identity = extractIdentity(e, { trustedProxies: this.trustedProxies });
    const respMime = contentType(e.responseHeaders);
    return {
      index,
      reqBody: this.body(e.requestBody, e.requestBody ? contentType(e.requestHeaders) : ''),
      respBody: this.body(e.responseBody, respMime),
      columns: [
        Math.round(e.time),
        e.method,
        e.scheme,
        e.host,
        e.port,
        e.path,
        e.query,
        e.httpVersion,
        e.status,
        e.statusText,
        JSON.stringify(e.requestHeaders),
        JSON.stringify(e.responseHeaders),
        e.requestBody ? e.requestBody.length : e.requestSize,
        e.responseBody ? e.responseBody.length : e.responseSize,
        respMime || null,
        e.durationMs,
        identity.ip,
        e.clientIp,
        e.serverIp,
        identity.principal,
        identity.principalKind,
        e.error,
        e.websocket ? JSON.stringify(e.websocket) : null,
        e.extra ? JSON.stringify(e.extra) : null,
      ],
    };
  }

  private body(bytes: Uint8Array | null, mime: string): PreparedBody | null {
    if (!bytes || bytes.length === 0) return null;
    const hash = digest('sha256', bytes, 'buffer');
    const key = hash.toString('base64');
    if (this.seen.has(key)) return { hash, key, size: bytes.length, compressed: 0, data: null, text: null };
    if (this.seen.size >= BODY_CACHE) this.seen.clear();
    this.seen.add(key);
    return { hash, key, size: bytes.length, ...encodeBody(bytes), text: bodyText(bytes, mime) };
  }
}

/**
 * Writes PreparedRows in transactions of `batchSize`: whole batches only, so a killed import
 * leaves entries 0..n-1. Only SQLite work happens here.
 */
export class ExchangeWriter {
  private readonly sourceId: number;
  private readonly batchSize: number;
  private readonly batchBytes: number;
  private pendingBytes = 0;
  private readonly preparer: RowPreparer;
  private readonly pending: PreparedRow[] = [];
  private readonly bodyIds = new Map<string, number>();
  private readonly insertExchange: Statement;
  private readonly insertBody: Statement;
  private readonly findBody: Statement;
  private readonly insertFts: Statement;
  private readonly writeBatch: () => number;
  /** Rows actually added (a resumed import skips rows already present). */
  written = 0;

  constructor(db: Db, sourceId: number, opts: WriterOptions = {}) {
    this.sourceId = sourceId;
    this.batchSize = opts.batchSize ?? 2000;
    this.batchBytes = opts.batchBytes ?? 32 * 1024 * 1024;
    this.preparer = new RowPreparer(opts);
    this.insertExchange = db.prepare(`INSERT OR IGNORE INTO exchanges (${EXCHANGE_COLUMNS}) VALUES (${EXCHANGE_PARAMS})`);
    this.insertBody = db.prepare('INSERT INTO bodies (hash, size, compressed, data) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING');
    this.findBody = db.prepare('SELECT id FROM bodies WHERE hash = ?').pluck();
    this.insertFts = db.prepare('INSERT INTO body_fts (rowid, text) VALUES (?, ?)');
    this.writeBatch = db.transaction(() => {
      let added = 0;
      for (const row of this.pending) added += this.writeOne(row);
      this.pending.length = 0;
      return added;
    });
  }

  add(index: number, exchange: Exchange): void {
    this.addPrepared(this.preparer.prepare(index, exchange));
  }

  /** Queues a row prepared by a RowPreparer (possibly on another thread). */
  addPrepared(row: PreparedRow): void {
    this.pending.push(row);
    this.pendingBytes += heldBytes(row.reqBody) + heldBytes(row.respBody);
    if (this.pending.length >= this.batchSize || this.pendingBytes >= this.batchBytes) this.flush();
  }

  /** Writes what is buffered in one transaction; returns rows added. */
  flush(): number {
    if (this.pending.length === 0) return 0;
    const added = this.writeBatch();
    this.pendingBytes = 0;
    this.written += added;
    return added;
  }

  private bodyId(body: PreparedBody | null): number | null {
    if (!body) return null;
    const cached = this.bodyIds.get(body.key);
    if (cached !== undefined) return cached;
    let id: number | undefined;
    if (body.data) {
      const info = this.insertBody.run(body.hash, body.size, body.compressed, body.data);
      if (info.changes === 1) {
        id = Number(info.lastInsertRowid);
        if (body.text) this.insertFts.run(id, body.text);
      }
    }
    id ??= this.findBody.get(body.hash) as number | undefined;
    if (id === undefined) throw new Error('body handed out earlier is missing from the workspace');
    if (this.bodyIds.size >= BODY_CACHE) this.bodyIds.clear();
    this.bodyIds.set(body.key, id);
    return id;
  }

  private writeOne(row: PreparedRow): number {
    const reqBody = this.bodyId(row.reqBody);
    const respBody = this.bodyId(row.respBody);
    return this.insertExchange.run(this.sourceId, row.index, reqBody, respBody, ...row.columns).changes;
  }
}
