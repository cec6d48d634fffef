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
  /** Only exchanges up to this id: exchanges are append-only, so two connections reading up to one id read the same rows. */
  maxId?: number;
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

export type Row = unknown[];

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
  // Unary + keeps the bound off the rowid: the scan stays on the order's index (no sort of every row).
  const upTo = opts.maxId === undefined ? '' : ' AND +e.id <= ?';
  const sql = `SELECT ${COLUMNS}${bodies ? BODY_COLUMNS : ''} FROM exchanges e${bodies ? BODY_JOINS : ''} WHERE (${f.where})${upTo} ORDER BY ${order}`;
  const stmt = cached(db, sql).raw(true);
  const params = opts.maxId === undefined ? f.params : [...f.params, opts.maxId];
  for (const row of stmt.iterate(...params) as IterableIterator<Row>) yield decodeRow(row, bodies);
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

/** The request side of an exchange: what judging a request (policy simulation) reads. */
export interface RequestRecord extends Pick<StoredExchange, 'id' | 'time' | 'method' | 'host' | 'path' | 'query' | 'requestHeaders' | 'requestBody' | 'requestSize' | 'ip' | 'clientIp' | 'principal' | 'extra'> {
  /**
   * With lazy bodies (requestBody is then null): the stored request body's id (readBody) and
   * size, null without a body. Equal ids are equal bytes (bodies are stored once by hash).
   */
  requestBodyId?: number | null;
  requestBodySize?: number | null;
}

export interface RequestIterateOptions {
  filter?: string;
  /** true: load and decompress request bodies; 'lazy': only their ids and sizes; default none. */
  withBodies?: boolean | 'lazy';
  /** Parse the extra column (default false: extra is null). */
  withExtra?: boolean;
  order?: 'time' | 'id';
}

/** Distinct header lists kept per iteration before the cache starts over (results never depend on it). */
const HEADER_CACHE = 20_000;
/**
 * Like iterateExchanges, but only the request-side columns a judge of requests needs, no response
 * body join, and one parsed header list per distinct stored header text: exchanges whose stored
 * headers are identical share one (read-only: never mutate it) array, so consumers can memoise
 * header-derived facts by the array's identity.
 */
export function* iterateRequests(db: Db, opts: RequestIterateOptions = {}): IterableIterator<RequestRecord> {
  const { rows, fill } = readRequests(db, opts);
  for (const r of rows) yield fill(r, emptyRequest());
}

/**
 * iterateRequests as a loop over one record object, refilled row after row (no allocation per
 * row): `visit` must copy whatever it keeps of it. Returns the number of rows visited.
 */
export function forEachRequest(db: Db, opts: RequestIterateOptions, visit: (r: RequestRecord) => void): number {
  const { rows, fill } = readRequests(db, opts);
  const record = emptyRequest();
  let n = 0;
  for (const r of rows) {
    visit(fill(r, record));
    n++;
  }
  return n;
}

/** Every field present from the start, so every record has one shape. */
export const emptyRequest = (): RequestRecord => ({
  id: 0, time: 0, method: '', host: '', path: '', query: '', requestHeaders: [], requestSize: null, ip: null, clientIp: null, principal: null, extra: null,
  requestBody: null, requestBodyId: undefined, requestBodySize: undefined,
});

/** A streaming read of request rows: `fill` decodes a row into a record; `rawHeaders`/`rawExtra` give its stored texts. */
export interface RequestRows {
  rows: IterableIterator<Row>;
  fill: (r: Row, into: RequestRecord) => RequestRecord;
  rawHeaders: (r: Row) => string;
  rawExtra: (r: Row) => string | null;
}

export function readRequests(db: Db, opts: RequestIterateOptions): RequestRows {
  registerQueryFunctions(db);
  const f = compileForApi(opts.filter);
  const order = opts.order === 'time' ? 'e.time, e.id' : 'e.id';
  const bodies = opts.withBodies === true;
  const lazy = opts.withBodies === 'lazy';
  const extra = opts.withExtra === true;
  const sql = `SELECT e.id, e.time, e.method, e.host, e.path, e.query, e.req_headers, e.req_size, e.ip, e.client_ip, e.principal, ${extra ? 'e.extra' : 'NULL'}${
    bodies ? ', rb.compressed, rb.data' : lazy ? ', rb.id, rb.size' : ''
  } FROM exchanges e${bodies || lazy ? ' LEFT JOIN bodies rb ON rb.id = e.req_body_id' : ''} WHERE ${f.where} ORDER BY ${order}`;
  const rows = cached(db, sql).raw(true).iterate(...f.params) as IterableIterator<Row>;
  const headerLists = new Map<string, Header[]>();
  const fill = (r: Row, into: RequestRecord): RequestRecord => {
    const id = r[0] as number;
    const rawHeaders = r[6] as string | null;
    let requestHeaders: Header[] | undefined = rawHeaders === null ? [] : headerLists.get(rawHeaders);
    if (requestHeaders === undefined) {
      requestHeaders = json<Header[]>(rawHeaders, id, 'req_headers') ?? [];
      if (headerLists.size >= HEADER_CACHE) headerLists.clear();
      headerLists.set(rawHeaders!, requestHeaders);
    }
    into.id = id;
    into.time = r[1] as number;
    into.method = r[2] as string;
    into.host = r[3] as string;
    into.path = r[4] as string;
    into.query = r[5] as string;
    into.requestHeaders = requestHeaders;
    into.requestSize = r[7] as number | null;
    into.ip = r[8] as string | null;
    into.clientIp = r[9] as string | null;
    into.principal = r[10] as string | null;
    into.extra = r[11] === null ? null : json<Record<string, string | number | boolean>>(r[11], id, 'extra');
    into.requestBody = bodies ? decodeBody(r[12], r[13]) : null;
    into.requestBodyId = lazy ? (r[12] as number | null) : undefined;
    into.requestBodySize = lazy ? (r[13] as number | null) : undefined;
    return into;
  };
  return { rows, fill, rawHeaders: (r) => (r[6] as string | null) ?? '[]', rawExtra: (r) => r[11] as string | null };
}

/** A stored body's bytes by id (decompressed), null when there is no such body. */
export function readBody(db: Db, id: number): Uint8Array | null {
  const row = cached(db, 'SELECT compressed, data FROM bodies WHERE id = ?').raw(true).get(id) as Row | undefined;
  return row ? decodeBody(row[0], row[1]) : null;
}
