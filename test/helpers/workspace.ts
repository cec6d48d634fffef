/**
 * Builds small workspaces for tests by inserting rows directly, following the storage contract
 * the importer's writer follows (bodies by sha256, deflate-raw when compressed, text bodies in
 * body_fts, headers as JSON arrays of [name, value]).
 */
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { openWorkspace, type Db } from '../../src/core/store/db.ts';
import { registerQueryFunctions } from '../../src/core/query/index.ts';
import { tempDir } from './tmp.ts';

export interface RowSpec {
  time?: number;
  method?: string;
  scheme?: 'http' | 'https' | 'ws' | 'wss';
  host?: string;
  port?: number | null;
  path?: string;
  query?: string;
  httpVersion?: string;
  status?: number | null;
  statusText?: string;
  reqHeaders?: [string, string][];
  respHeaders?: [string, string][];
  /** Bodies; text bodies are indexed for search unless `binary` bytes are given. */
  reqBody?: string | Uint8Array | null;
  respBody?: string | Uint8Array | null;
  /** Store bodies deflated (default: only bodies over 64 bytes). */
  compress?: boolean;
  reqSize?: number | null;
  respSize?: number | null;
  mime?: string | null;
  duration?: number | null;
  ip?: string | null;
  clientIp?: string | null;
  serverIp?: string | null;
  principal?: string | null;
  principalKind?: string | null;
  error?: string | null;
  websocket?: unknown;
  extra?: Record<string, string | number | boolean> | null;
  /** File name of the source; sources are created on first use. */
  source?: string;
  tags?: string[];
  comment?: string | null;
  highlight?: string | null;
}

export interface TestWorkspace {
  db: Db;
  path: string;
  /** Ids of the inserted rows, in the order given. */
  ids: number[];
}

let counter = 0;

export function makeWorkspace(rows: RowSpec[], dir = tempDir('cartograph-ws-')): TestWorkspace {
  const path = join(dir, `ws-${++counter}.sqlite`);
  const db = openWorkspace(path, { create: true });
  registerQueryFunctions(db);
  const ids = insertRows(db, rows);
  return { db, path, ids };
}

export function insertRows(db: Db, rows: RowSpec[]): number[] {
  const sources = new Map<string, number>();
  const sourceId = (name: string): number => {
    let id = sources.get(name) ?? (db.prepare('SELECT id FROM sources WHERE name = ?').pluck().get(name) as number | undefined);
    if (id === undefined) {
      id = Number(
        db
          .prepare(`INSERT INTO sources (name, path, sha256, format, size, status, imported, started_at) VALUES (?, ?, ?, 'har', 0, 'complete', 0, 0)`)
          .run(name, `/captures/${name}`, createHash('sha256').update(name).digest('hex')).lastInsertRowid,
      );
    }
    sources.set(name, id);
    return id;
  };
  const nextIndex = db.prepare('SELECT coalesce(max(entry_index), -1) + 1 FROM exchanges WHERE source_id = ?').pluck();
  const findBody = db.prepare('SELECT id FROM bodies WHERE hash = ?').pluck();
  const addBody = db.prepare('INSERT INTO bodies (hash, size, compressed, data) VALUES (?, ?, ?, ?)');
  const addFts = db.prepare('INSERT INTO body_fts (rowid, text) VALUES (?, ?)');
  const body = (b: string | Uint8Array | null | undefined, compress: boolean | undefined): number | null => {
    if (b === null || b === undefined) return null;
    const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
    const hash = createHash('sha256').update(bytes).digest();
    const found = findBody.get(hash) as number | undefined;
    if (found !== undefined) return found;
    const deflate = compress ?? bytes.length > 64;
    const id = Number(addBody.run(hash, bytes.length, deflate ? 1 : 0, deflate ? deflateRawSync(bytes) : bytes).lastInsertRowid);
    if (typeof b === 'string') addFts.run(id, b);
    return id;
  };
  const insert = db.prepare(`INSERT INTO exchanges (source_id, entry_index, time, method, scheme, host, port, path, query, http_version,
      status, status_text, req_headers, resp_headers, req_body_id, resp_body_id, req_size, resp_size, mime, duration,
      ip, client_ip, server_ip, principal, principal_kind, error, websocket, extra)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const ids: number[] = [];
  db.transaction(() => {
    rows.forEach((r, i) => {
      const src = sourceId(r.source ?? 'capture.har');
      const reqBodyId = body(r.reqBody, r.compress);
      const respBodyId = body(r.respBody, r.compress);
      const respSize = r.respSize !== undefined ? r.respSize : r.respBody == null ? null : Buffer.byteLength(r.respBody);
      const id = Number(
        insert.run(
          src, nextIndex.get(src), r.time ?? 1_700_000_000_000 + i * 1000, r.method ?? 'GET', r.scheme ?? 'https', r.host ?? 'api.example.com', r.port ?? null,
          r.path ?? '/', r.query ?? '', r.httpVersion ?? 'HTTP/1.1', r.status === undefined ? 200 : r.status, r.statusText ?? '',
          JSON.stringify(r.reqHeaders ?? []), JSON.stringify(r.respHeaders ?? []), reqBodyId, respBodyId,
          r.reqSize ?? null, respSize, r.mime ?? null, r.duration ?? null, r.ip ?? null, r.clientIp ?? r.ip ?? null, r.serverIp ?? null,
          r.principal ?? null, r.principalKind ?? null, r.error ?? null,
          r.websocket === undefined || r.websocket === null ? null : JSON.stringify(r.websocket), r.extra ? JSON.stringify(r.extra) : null,
        ).lastInsertRowid,
      );
      for (const t of r.tags ?? []) db.prepare('INSERT INTO tags (exchange_id, tag) VALUES (?, ?)').run(id, t);
      if (r.comment != null || r.highlight != null) {
        db.prepare('INSERT INTO annotations (exchange_id, highlight, comment, updated_at) VALUES (?, ?, ?, 0)').run(id, r.highlight ?? null, r.comment ?? null);
      }
      ids.push(id);
    });
  })();
  return ids;
}
