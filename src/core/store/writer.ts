/**
 * Batched writer of exchanges into a workspace. Rows go in one transaction per batch; bodies are
 * stored once by content hash (deflate-compressed when that pays) and textual ones are indexed for
 * full-text search. Identity (principal, client IP) is extracted here so every format gets it.
 */
import { createHash } from 'node:crypto';
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

/** Text worth indexing: a textual content type, or no type and bytes that decode as UTF-8. */
export function bodyText(bytes: Uint8Array, mime: string): string | null {
  if (mime && !TEXT_MIME.test(mime)) return null;
  const sample = bytes.subarray(0, Math.min(bytes.length, FTS_MAX_CHARS * 2));
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(sample);
    if (!mime && /[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 2048))) return null;
    return text.length > FTS_MAX_CHARS ? text.slice(0, FTS_MAX_CHARS) : text;
  } catch {
    return mime ? new TextDecoder('latin1').decode(sample).slice(0, FTS_MAX_CHARS) : null;
  }
}

export interface WriterOptions {
  batchSize?: number;
  trustedProxies?: readonly string[];
}

export class ExchangeWriter {
  private readonly db: Db;
  private readonly sourceId: number;
  private readonly batchSize: number;
  private readonly trustedProxies: readonly string[];
  private readonly pending: { index: number; exchange: Exchange }[] = [];
  private readonly bodyIds = new Map<string, number>();
  private readonly insertExchange: Statement;
  private readonly insertBody: Statement;
  private readonly findBody: Statement;
  private readonly insertFts: Statement;
  private readonly writeBatch: () => number;
  /** Rows actually added (a resumed import skips rows already present). */
  written = 0;

  constructor(db: Db, sourceId: number, opts: WriterOptions = {}) {
    this.db = db;
    this.sourceId = sourceId;
    this.batchSize = opts.batchSize ?? 2000;
    this.trustedProxies = opts.trustedProxies ?? [];
    this.insertExchange = db.prepare(`INSERT OR IGNORE INTO exchanges (
      source_id, entry_index, time, method, scheme, host, port, path, query, http_version, status, status_text,
      req_headers, resp_headers, req_body_id, resp_body_id, req_size, resp_size, mime, duration, ip, client_ip,
      server_ip, principal, principal_kind, error, websocket, extra
    ) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    this.insertBody = db.prepare('INSERT INTO bodies (hash, size, compressed, data) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING');
    this.findBody = db.prepare('SELECT id FROM bodies WHERE hash = ?').pluck();
    this.insertFts = db.prepare('INSERT INTO body_fts (rowid, text) VALUES (?, ?)');
    this.writeBatch = db.transaction(() => {
      let added = 0;
      for (const { index, exchange } of this.pending) added += this.writeOne(index, exchange);
      this.pending.length = 0;
      return added;
    });
  }

  add(index: number, exchange: Exchange): void {
    this.pending.push({ index, exchange });
    if (this.pending.length >= this.batchSize) this.flush();
  }

  /** Writes what is buffered in one transaction; returns rows added. */
  flush(): number {
    if (this.pending.length === 0) return 0;
    const added = this.writeBatch();
    this.written += added;
    return added;
  }

  private bodyId(bytes: Uint8Array | null, mime: string): number | null {
    if (!bytes || bytes.length === 0) return null;
    const digest = createHash('sha256').update(bytes).digest();
    const key = digest.toString('base64');
    const cached = this.bodyIds.get(key);
    if (cached !== undefined) return cached;
    let data: Uint8Array = bytes;
    let compressed = 0;
    if (bytes.length >= COMPRESS_MIN) {
      const deflated = deflateRawSync(bytes, { level: 1 });
      if (deflated.length < bytes.length * 0.9) {
        data = deflated;
        compressed = 1;
      }
    }
    const info = this.insertBody.run(digest, bytes.length, compressed, data);
    let id: number;
    if (info.changes === 1) {
      id = Number(info.lastInsertRowid);
      const text = bodyText(bytes, mime);
      if (text) this.insertFts.run(id, text);
    } else {
      id = this.findBody.get(digest) as number;
    }
    if (this.bodyIds.size >= BODY_CACHE) this.bodyIds.clear();
    this.bodyIds.set(key, id);
    return id;
  }

  private writeOne(index: number, e: Exchange): number {
    const identity = extractIdentity(e, { trustedProxies: this.trustedProxies });
    const respMime = contentType(e.responseHeaders);
    const reqBody = this.bodyId(e.requestBody, contentType(e.requestHeaders));
    const respBody = this.bodyId(e.responseBody, respMime);
    const info = this.insertExchange.run(
      this.sourceId,
      index,
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
      reqBody,
      respBody,
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
    );
    return info.changes;
  }
}
