/**
 * Reading stored exchanges back as the model's StoredExchange: what detection, inventory and the
 * graph iterate over. Rows stream one at a time (better-sqlite3 .iterate()), so memory stays
 * bounded whatever the workspace size.
 *
 * While an iteration is open, reads on the same connection still work but writes throw ("connection
 * is busy") until the loop ends or breaks: collect, then write, or write through another connection.
 */
import { inflateRawSync } from 'node:zlib';
import type { Statement } from 'better-sqlite3';
import { ApiError } from '../../shared/api.ts';
import type { Header, PrincipalKind, Scheme, StoredExchange, WebSocketMessage } from '../model/exchange.ts';
import { compileFilter, registerQueryFunctions, FilterError } from '../query/index.ts';
import type { Db } from './db.ts';

export interface IterateOptions {
  /** Filter-language expression; empty or absent means every exchange. */
  filter?: string;
  /** Load and decompress bodies (default false: requestBody/responseBody are null). */
  withBodies?: boolean;
  /** 'time' (then id) is traffic order; 'id' is import order (default). */
  order?: 'time' | 'id';
}

const statements = new WeakMap<Db, Map<string, Statement>>();

/** A prepared statement cached per connection (preparing costs more than running small ones). */
export function cached(db: Db, sql: string): Statement {
  let map = statements.get(db);
  if (!map) statements.set(db, (map = new Map()));
  let stmt = map.get(sql);
  if (!stmt) {
    if (map.size > 200) map.clear();
    map.set(sql, (stmt = db.prepare(sql)));
  }
  return stmt;
}

/** Column order of every exchange read; decodeRow depends on it. */
const COLUMNS = `e.id, e.source_id, e.time, e.method, e.scheme, e.host, e.port, e.path, e.query, e.http_version,
  e.status, e.status_text, e.req_headers, e.resp_headers, e.req_size, e.resp_size, e.duration,
  e.ip, e.client_ip, e.server_ip, e.principal, e.principal_kind, e.error, e.websocket, e.extra`;
const BODY_COLUMNS = `, rb.compressed, rb.data, pb.compressed, pb.data`;
const BODY_JOINS = ` LEFT JOIN bodies rb ON rb.id = e.req_body_id LEFT JOIN bodies pb ON pb.id = e.resp_body_id`;

type Row = unknown[];

/** Turns a FilterError into the API's filter error so every front door reports it the same way. */
export function compileForApi(filter: string | undefined): ReturnType<typeof compileFilter> {
  try {
    return compileFilter(filter ?? '');
  } catch (err) {
    if (err instanceof FilterError) throw new ApiError('filter', err.reason, err.column);
    throw err;
  }
}

export function* iterateExchanges(db: Db, opts: IterateOptions = {}): IterableIterator<StoredExchange> {
  registerQueryFunctions(db);
  const f = compileForApi(opts.filter);
  const order = opts.order === 'time' ? 'e.time, e.id' : 'e.id';
  const bodies = opts.withBodies === true;
  const sql = `SELECT ${COLUMNS}${bodies ? BODY_COLUMNS : ''} FROM exchanges e${bodies ? BODY_JOINS : ''} WHERE ${f.where} ORDER BY ${order}`;
  const stmt = cached(db, sql).raw(true);
  for (const row of stmt.iterate(...f.params) as IterableIterator<Row>) yield decodeRow(row, bodies);
}

export function readExchange(db: Db, id: number): StoredExchange {
  const row = cached(db, `SELECT ${COLUMNS}${BODY_COLUMNS} FROM exchanges e${BODY_JOINS} WHERE e.id = ?`).raw(true).get(id) as Row | undefined;
  if (!row) throw new ApiError('not-found', `no exchange with id ${id}`);
  return decodeRow(row, true);
}

function json<T>(text: unknown, id: unknown, column: string): T | null {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text as string) as T;
  } catch {
    throw new Error(`exchange ${String(id)}: stored ${column} is not valid JSON`);
  }
}

export function decodeBody(compressed: unknown, data: unknown): Uint8Array | null {
  if (data === null || data === undefined) return null;
  const buf = data as Buffer;
  return compressed ? inflateRawSync(buf) : buf;
}

function decodeRow(r: Row, bodies: boolean): StoredExchange {
  const id = r[0] as number;
  return {
    id,
    sourceId: r[1] as number,
    time: r[2] as number,
    method: r[3] as string,
    scheme: r[4] as Scheme,
    host: r[5] as string,
    port: r[6] as number | null,
    path: r[7] as string,
    query: r[8] as string,
    httpVersion: r[9] as string,
    status: r[10] as number | null,
    statusText: r[11] as string,
    requestHeaders: json<Header[]>(r[12], id, 'req_headers') ?? [],
    responseHeaders: json<Header[]>(r[13], id, 'resp_headers') ?? [],
    requestSize: r[14] as number | null,
    responseSize: r[15] as number | null,
    durationMs: r[16] as number | null,
    ip: r[17] as string | null,
    clientIp: r[18] as string | null,
    serverIp: r[19] as string | null,
    principal: r[20] as string | null,
    principalKind: r[21] as PrincipalKind | null,
    error: r[22] as string | null,
    websocket: json<WebSocketMessage[]>(r[23], id, 'websocket'),
    extra: json<Record<string, string | number | boolean>>(r[24], id, 'extra'),
    requestBody: bodies ? decodeBody(r[25], r[26]) : null,
    responseBody: bodies ? decodeBody(r[27], r[28]) : null,
  };
}
