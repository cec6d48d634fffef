/**
 * A columnar copy of the request side of a workspace's exchanges, kept per connection, so that a
 * policy dry-run re-run after every edit reads memory instead of SQLite. Reading 1M rows through
 * better-sqlite3 costs ~2.5 s, most of it making a JS string of every column of every row; the copy
 * holds each distinct string once and a row as numbers (~60 bytes), and refills the same record.
 *
 * The copy is made while the first pass streams (no extra read) and is dropped, for that pass and
 * until the workspace changes, when it would outgrow MAX_BYTES (e.g. a large capture whose every
 * request carries unique headers): the pass then simply streams, as without a copy. Exchanges are
 * append-only (nothing updates or deletes a row), so the highest id tells whether it is current.
 */
import type { Header } from '../model/exchange.ts';
import type { Db } from './db.ts';
import { cached, compileForApi, emptyRequest, forEachRequest, readRequests, type RequestIterateOptions, type RequestRecord } from './exchanges.ts';
import { registerQueryFunctions } from '../query/index.ts';

/** Estimated memory (bytes) a copy may take before it is given up. */
const MAX_BYTES = 384 * 1024 * 1024;
/** What one row's numbers cost, and a distinct string's map entry beyond its characters. */
const ROW_BYTES = 64;
const ENTRY_BYTES = 48;
/** A parsed header list costs about this many times its stored text. */
const PARSED_FACTOR = 3;

/** A typed array grown by doubling. */
class Column<A extends Int32Array | Float64Array> {
  data: A;
  constructor(make: new (n: number) => A) {
    this.data = new make(1024);
  }

  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const grown = new (this.data.constructor as new (n: number) => A)(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
  }
}

/** Distinct strings numbered in order of first sight; null is -1. */
class Pool {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(key: string | null): number {
    if (key === null) return -1;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(key, id);
      this.values.push(key);
    }
    return id;
  }

  get size(): number {
    return this.values.length;
  }
}

type Extra = Record<string, string | number | boolean>;

/** A string column as numbers into a shared pool; a row equal to the one before skips the lookup. */
class StringColumn {
  readonly ids = new Column(Int32Array);
  private prev: string | null = null;
  private prevId = -1;

  /** Records row `i`'s value; returns what it newly added to the pool, in bytes. */
  set(i: number, s: string | null, pool: Pool): number {
    if (s === this.prev) {
      this.ids.set(i, this.prevId);
      return 0;
    }
    const n = pool.size;
    const id = pool.id(s);
    this.ids.set(i, id);
    this.prev = s;
    this.prevId = id;
    return pool.size > n ? ENTRY_BYTES + s!.length * 2 : 0;
  }
}

interface Shape {
  order: 'time' | 'id';
  lazy: boolean;
  extra: boolean;
}

class RequestColumns {
  rows = 0;
  bytes = 0;
  /** The highest exchange id the copy holds (0 when empty). */
  lastId = 0;
  private readonly id = new Column(Int32Array);
  private readonly time = new Column(Float64Array);
  private readonly size = new Column(Float64Array);
  private readonly bodyId = new Column(Int32Array);
  private readonly bodySize = new Column(Float64Array);
  private readonly method = new StringColumn();
  private readonly host = new StringColumn();
  private readonly path = new StringColumn();
  private readonly query = new StringColumn();
  private readonly ip = new StringColumn();
  private readonly clientIp = new StringColumn();
  private readonly principal = new StringColumn();
  private readonly headerIds = new Column(Int32Array);
  private readonly extraIds = new Column(Int32Array);
  private readonly strings = new Pool();
  /** Distinct parsed header lists: the streaming read hands equal stored texts one list. */
  private readonly headers: Header[][] = [];
  private readonly headerNumbers = new Map<Header[], number>();
  /** Stored extra texts, each parsed on first use. */
  private readonly extras = new Pool();
  private readonly parsedExtras: (Extra | undefined)[] = [];

  readonly shape: Shape;
  private readonly budget: number;

  constructor(shape: Shape, budget: number) {
    this.shape = shape;
    this.budget = budget;
  }

  /** Records one row (as read, with its stored header and extra texts); false past the budget. */
  add(r: RequestRecord, rawHeaders: string, rawExtra: string | null): boolean {
    const i = this.rows++;
    this.id.set(i, r.id);
    if (r.id > this.lastId) this.lastId = r.id;
    this.time.set(i, r.time);
    this.size.set(i, r.requestSize ?? NaN);
    this.bodyId.set(i, r.requestBodyId ?? -1);
    this.bodySize.set(i, r.requestBodySize ?? NaN);
    const pool = this.strings;
    let bytes =
      ROW_BYTES +
      this.method.set(i, r.method, pool) +
      this.host.set(i, r.host, pool) +
      this.path.set(i, r.path, pool) +
      this.query.set(i, r.query, pool) +
      this.ip.set(i, r.ip, pool) +
      this.clientIp.set(i, r.clientIp, pool) +
      this.principal.set(i, r.principal, pool);
    let headerId = this.headerNumbers.get(r.requestHeaders);
    if (headerId === undefined) {
      headerId = this.headers.length;
      this.headerNumbers.set(r.requestHeaders, headerId);
      this.headers.push(r.requestHeaders);
      bytes += ENTRY_BYTES + rawHeaders.length * 2 * PARSED_FACTOR;
    }
    this.headerIds.set(i, headerId);
    const x = this.extras.size;
    this.extraIds.set(i, this.extras.id(rawExtra));
    if (this.extras.size > x) bytes += ENTRY_BYTES + rawExtra!.length * 2 * PARSED_FACTOR;
    this.bytes += bytes;
    return this.bytes <= this.budget;
  }

  idAt(i: number): number {
    return this.id.data[i]!;
  }

  /** Refills `into` with row `i`, as a streaming read of `shape` would. */
  fill(i: number, into: RequestRecord, shape: Shape): RequestRecord {
    const s = this.strings.values;
    into.id = this.id.data[i]!;
    into.time = this.time.data[i]!;
    into.method = s[this.method.ids.data[i]!]!;
    into.host = s[this.host.ids.data[i]!]!;
    into.path = s[this.path.ids.data[i]!]!;
    into.query = s[this.query.ids.data[i]!]!;
    into.ip = orNull(s, this.ip.ids.data[i]!);
    into.clientIp = orNull(s, this.clientIp.ids.data[i]!);
    into.principal = orNull(s, this.principal.ids.data[i]!);
    into.requestHeaders = this.headers[this.headerIds.data[i]!]!;
    const size = this.size.data[i]!;
    into.requestSize = Number.isNaN(size) ? null : size;
    into.extra = shape.extra ? this.extra(this.extraIds.data[i]!, into.id) : null;
    into.requestBody = null;
    if (shape.lazy) {
      const body = this.bodyId.data[i]!;
      const bodySize = this.bodySize.data[i]!;
      into.requestBodyId = body === -1 ? null : body;
      into.requestBodySize = Number.isNaN(bodySize) ? null : bodySize;
    } else {
      into.requestBodyId = undefined;
      into.requestBodySize = undefined;
    }
    return into;
  }

  private extra(id: number, exchange: number): Extra | null {
    if (id === -1) return null;
    const parsed = this.parsedExtras[id];
    if (parsed !== undefined) return parsed;
    try {
      return (this.parsedExtras[id] = JSON.parse(this.extras.values[id]!) as Extra);
    } catch {
      throw new Error(`exchange ${exchange}: stored extra is not valid JSON`);
    }
  }

  /** Whether this copy holds what a read of `shape` needs. */
  serves(shape: Shape): boolean {
    return shape.order === this.shape.order && (this.shape.lazy || !shape.lazy) && (this.shape.extra || !shape.extra);
  }
}

function orNull(strings: readonly string[], id: number): string | null {
  return id === -1 ? null : strings[id]!;
}

/** A connection's copy, or a note that the copy of that data outgrew its budget. */
type Kept = RequestColumns | { tooBig: true; lastId: number };
const kept = new WeakMap<Db, Kept>();

function lastExchangeId(db: Db): number {
  return (cached(db, 'SELECT max(id) FROM exchanges').pluck().get() as number | null) ?? 0;
}

/**
 * forEachRequest (exchanges.ts), served from the connection's copy when it is current, else
 * streamed from SQLite while a copy is made for the next call. Same rows, same order, same record
 * contents; `visit` must not mutate what it is handed (header lists and extras are shared).
 * Bodies are never copied: only their ids and sizes (withBodies 'lazy').
 */
export function forEachRequestKept(db: Db, opts: RequestIterateOptions, visit: (r: RequestRecord) => void, budget = MAX_BYTES): number {
  if (opts.withBodies === true) return forEachRequest(db, opts, visit);
  const shape: Shape = { order: opts.order ?? 'id', lazy: opts.withBodies === 'lazy', extra: opts.withExtra === true };
  const last = lastExchangeId(db);
  const copy = kept.get(db);
  if (copy !== undefined && copy.lastId === last) {
    if (copy instanceof RequestColumns) {
      if (copy.serves(shape)) return replay(db, copy, shape, opts.filter, visit);
    } else return forEachRequest(db, opts, visit);
  }
  // A filtered read holds only some rows: stream it and leave any copy for the next full read.
  if (opts.filter !== undefined && opts.filter.trim() !== '') return forEachRequest(db, opts, visit);
  kept.delete(db);
  const { rows, fill, rawHeaders, rawExtra } = readRequests(db, opts);
  const record = emptyRequest();
  let building: RequestColumns | null = new RequestColumns(shape, budget);
  let n = 0;
  for (const r of rows) {
    fill(r, record);
    if (building !== null && !building.add(record, rawHeaders(r), rawExtra(r))) building = null;
    visit(record);
    n++;
  }
  kept.set(db, building ?? { tooBig: true, lastId: last });
  return n;
}

function replay(db: Db, copy: RequestColumns, shape: Shape, filter: string | undefined, visit: (r: RequestRecord) => void): number {
  let keep: Uint8Array | null = null;
  if (filter !== undefined && filter.trim() !== '') {
    registerQueryFunctions(db);
    const f = compileForApi(filter);
    keep = new Uint8Array(copy.lastId + 1);
    for (const id of cached(db, `SELECT e.id FROM exchanges e WHERE ${f.where}`).pluck().iterate(...f.params) as IterableIterator<number>) keep[id] = 1;
  }
  const record = emptyRequest();
  let n = 0;
  for (let i = 0; i < copy.rows; i++) {
    if (keep !== null && keep[copy.idAt(i)] !== 1) continue;
    visit(copy.fill(i, record, shape));
    n++;
  }
  return n;
}
