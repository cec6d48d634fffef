import { ReadError } from '../../reader.ts';
import type { ReaderContext } from '../../reader.ts';
import {
  addRequestHeader, emptyExchange, httpVersionOf, intOrNull, quoteShort, schemeOf, setExtra, setHostPort, setMethod, setPort, setTarget, statusOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { jsonRecordReader, num, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { epochToMs, parseAnyTime } from './time.ts';

/**
 * Any JSON-lines access log, read through a field mapping: `options.mapping` is a JSON object
 * from exchange fields to dotted paths in the record, e.g.
 * `{"time": "ts", "method": "req.method", "url": "req.url", "status": "res.status"}` (or `host` +
 * `path` instead of `url`; `extra.<name>` keeps any other value). Fields left unmapped are looked
 * for under the names common loggers use. Sniffed only as a last resort.
 */

export const MAPPABLE = [
  'time', 'method', 'url', 'scheme', 'host', 'port', 'path', 'query', 'status', 'clientIp', 'serverIp', 'responseSize',
  'requestSize', 'durationMs', 'durationSec', 'httpVersion', 'userAgent', 'referer',
] as const;
type Mappable = (typeof MAPPABLE)[number];
export type FieldMapping = Partial<Record<Mappable, string>> & Record<`extra.${string}`, string>;

const GUESSES: Record<Mappable, readonly string[]> = {
  time: ['time', 'timestamp', 'ts', '@timestamp', 'date', 'datetime', 'time_local', 'time_iso8601', 'start_time', 'startTime', 'requestTime'],
  method: ['method', 'request_method', 'http_method', 'httpMethod', 'verb', 'req.method', 'request.method', 'http.method', 'http.request.method'],
  url: ['url', 'request_url', 'req.url', 'request.url', 'http.url', 'url.full', 'uri', 'request_uri', 'request.uri'],
  scheme: ['scheme', 'protocol_scheme', 'url.scheme'],
  host: ['host', 'hostname', 'http_host', 'server_name', 'vhost', 'req.host', 'request.host', 'url.domain'],
  port: ['port', 'server_port', 'url.port'],
  path: ['path', 'request_path', 'req.path', 'url.path'],
  query: ['query', 'query_string', 'args', 'url.query'],
  status: ['status', 'status_code', 'statusCode', 'response_code', 'http_status', 'res.statusCode', 'res.status', 'response.status', 'http.status_code', 'http.response.status_code'],
  clientIp: ['ip', 'client_ip', 'clientIp', 'remote_addr', 'remote_ip', 'remoteAddr', 'source.ip', 'client.ip', 'req.remoteAddress'],
  serverIp: ['server_ip', 'server_addr', 'destination.ip'],
  responseSize: ['body_bytes_sent', 'bytes_sent', 'response_size', 'responseSize', 'bytes', 'size', 'length', 'http.response.body.bytes'],
  requestSize: ['request_length', 'request_size', 'requestSize', 'http.request.body.bytes'],
  durationMs: ['duration_ms', 'durationMs', 'response_time_ms', 'latency_ms', 'elapsed_ms', 'responseTime', 'generation_time_milli'],
  durationSec: ['request_time', 'duration_s', 'duration_sec'],
  httpVersion: ['protocol', 'http_version', 'server_protocol', 'httpVersion', 'http.version'],
  userAgent: ['user_agent', 'userAgent', 'http_user_agent', 'ua', 'req.headers.user-agent', 'user_agent.original'],
  referer: ['referer', 'referrer', 'http_referer', 'req.headers.referer'],
};

export function parseMapping(raw: string | undefined): FieldMapping {
  if (raw === undefined || raw.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new ReadError(`the field mapping is not JSON: ${(err as Error).message}`, 'option mapping');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ReadError('the field mapping must be a JSON object', 'option mapping');
  const out: Record<string, string> = {};
  for (const [k, path] of Object.entries(v as Record<string, unknown>)) {
    if (!(MAPPABLE as readonly string[]).includes(k) && !k.startsWith('extra.')) {
      throw new ReadError(`unknown field ${quoteShort(k)} in the mapping (known: ${MAPPABLE.join(', ')}, extra.<name>)`, 'option mapping');
    }
    if (typeof path !== 'string' || path === '') throw new ReadError(`the mapping of ${k} must be a dotted path string`, 'option mapping');
    out[k] = path;
  }
  return out as FieldMapping;
}

/** A dotted path split once: a plain key, or the keys to walk. */
type Path = string | readonly string[];

function compilePath(path: string): Path {
  return path.includes('.') ? path.split('.') : path;
}

function at(r: JsonObject, path: Path): unknown {
  if (typeof path === 'string') return r[path];
  let cur: unknown = r;
  for (let i = 0; i < path.length; i++) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as JsonObject)[path[i] as string];
  }
  return cur;
}

/** Index of each field in the values a lookup resolves (named loads keep the hot path monomorphic). */
const F = Object.fromEntries(MAPPABLE.map((f, i) => [f, i])) as Record<Mappable, number>;

/** A guess: `field`'s `rank`-th candidate, reached through the record's top-level key it starts with. */
interface Guess {
  readonly field: number;
  readonly rank: number;
  readonly path: Path;
}

const NO_RANK = 1 << 30;
/** Key positions remembered from the last record (records rarely have more top-level keys). */
const SEEN_MAX = 64;

/**
 * The value of every field of a record, by index in MAPPABLE (undefined when absent). The array is
 * reused by the next call: read it before resolving another record.
 */
type Lookup = (r: JsonObject) => readonly unknown[];

/**
 * The mapping compiled once per read. A mapped field reads its path. Unmapped fields take the first
 * of their guesses (in GUESSES order) with a value; rather than trying ~100 names that are mostly
 * absent, the record's own keys are walked once and only the guesses starting with one are read,
 * keeping the best-ranked value per field: the same winner as trying the list in order.
 */
function lookupFor(mapping: FieldMapping): Lookup {
  const mapped: [number, Path][] = [];
  const byKey = new Map<string, Guess[]>();
  for (const field of MAPPABLE) {
    const m = mapping[field];
    if (m !== undefined) {
      mapped.push([F[field], compilePath(m)]);
      continue;
    }
    GUESSES[field].forEach((guess, rank) => {
      const path = compilePath(guess);
      const key = typeof path === 'string' ? path : (path[0] as string);
      const list = byKey.get(key) ?? [];
      list.push({ field: F[field], rank, path });
      byKey.set(key, list);
    });
  }
  const values: unknown[] = MAPPABLE.map(() => undefined);
  const ranks = new Int32Array(MAPPABLE.length);
  // The keys of the last record by position and their guesses: records of one shape skip the Map.
  const seen: string[] = [];
  const seenGuesses: (Guess[] | undefined)[] = [];
  return (r) => {
    values.fill(undefined);
    ranks.fill(NO_RANK);
    let pos = 0;
    // for…in, like r[key], also sees inherited enumerable keys.
    for (const key in r) {
      let guesses: Guess[] | undefined;
      if (seen[pos] === key) guesses = seenGuesses[pos];
      else {
        guesses = byKey.get(key);
        if (pos < SEEN_MAX) {
          seen[pos] = key;
          seenGuesses[pos] = guesses;
        }
      }
      pos++;
      if (guesses === undefined) continue;
      for (let i = 0; i < guesses.length; i++) {
        const g = guesses[i] as Guess;
        if (g.rank >= (ranks[g.field] as number)) continue;
        const v = typeof g.path === 'string' ? r[key] : at(r, g.path);
        if (v !== undefined && v !== null && v !== '') {
          values[g.field] = v;
          ranks[g.field] = g.rank;
        }
      }
    }
    for (let i = 0; i < mapped.length; i++) {
      const [field, path] = mapped[i] as [number, Path];
      values[field] = at(r, path);
    }
    return values;
  };
}

/** The `extra.<name>` entries of a mapping: [name, path]. */
function extrasOf(mapping: FieldMapping): [string, Path][] {
  const out: [string, Path][] = [];
  for (const [k, p] of Object.entries(mapping)) if (k.startsWith('extra.')) out.push([k.slice(6), compilePath(p)]);
  return out;
}

export function mappedToExchange(r: JsonObject, mapping: FieldMapping, lookup: Lookup = lookupFor(mapping), extras = extrasOf(mapping)): Exchange | string {
  const f = lookup(r);
  const e = emptyExchange();
  const t = f[F.time];
  e.time = typeof t === 'number' ? epochToMs(t) : parseAnyTime(t);
  if (Number.isNaN(e.time)) return t === undefined ? 'record has no time (map one with {"time": "<path>"})' : `unreadable time ${quoteShort(String(t))}`;
  const method = str(f[F.method]);
  if (method === null) {
    e.method = 'GET';
    setExtra(e, 'methodAssumed', true);
  } else {
    const err = setMethod(e, method);
    if (err) return err;
  }
  const url = str(f[F.url]);
  const path = str(f[F.path]);
  if (url !== null && (path === null || mapping.url !== undefined)) {
    const bad = setTarget(e, url);
    if (bad) return bad;
  } else if (path !== null) {
    const bad = setTarget(e, path);
    if (bad) return bad;
  } else return 'record has no url or path (map one with {"url": "<path>"} or {"path": "<path>"})';
  const query = str(f[F.query]);
  if (query !== null && e.query === '') e.query = query.startsWith('?') ? query : `?${query}`;
  const scheme = schemeOf(str(f[F.scheme]));
  if (scheme) e.scheme = scheme;
  const host = str(f[F.host]);
  if (host !== null && e.host === '') setHostPort(e, host);
  const port = intOrNull(str(f[F.port]));
  if (port !== null && e.port === null) setPort(e, port);
  const status = statusOf(str(f[F.status]) ?? undefined);
  if (status === undefined) return `status ${quoteShort(String(f[F.status]))} is not an HTTP status`;
  e.status = status;
  e.responseSize = intOrNull(num(f[F.responseSize]));
  e.requestSize = intOrNull(num(f[F.requestSize]));
  const ms = num(f[F.durationMs]);
  const sec = num(f[F.durationSec]);
  e.durationMs = ms ?? (sec === null ? null : Math.round(sec * 1e6) / 1e3);
  e.clientIp = str(f[F.clientIp]);
  e.serverIp = str(f[F.serverIp]);
  const hv = httpVersionOf(str(f[F.httpVersion]));
  if (hv) e.httpVersion = hv;
  addRequestHeader(e, 'User-Agent', str(f[F.userAgent]));
  addRequestHeader(e, 'Referer', str(f[F.referer]));
  for (let i = 0; i < extras.length; i++) {
    const [name, p] = extras[i] as [string, Path];
    const v = at(r, p);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') setExtra(e, name, v);
    else if (v !== undefined && v !== null) setExtra(e, name, JSON.stringify(v));
  }
  return e;
}

const guessLookup = lookupFor({});

export const jsonLinesReader = jsonRecordReader(
  {
    id: 'jsonlines',
    label: 'JSON-lines access log (field mapping)',
    producers: ['any logger writing one JSON object per request (pino-http, NGINX JSON log_format, Go/zap…), with an optional field mapping'],
    recognise: (r) => {
      const f = guessLookup(r);
      const hasTarget = f[F.url] !== undefined || f[F.path] !== undefined;
      return hasTarget && f[F.status] !== undefined && f[F.time] !== undefined ? 1 : 0;
    },
    toExchange: (r) => mappedToExchange(r, {}, guessLookup, []),
    prepare(ctx: ReaderContext) {
      const mapping = parseMapping(ctx.options['mapping']);
      const lookup = lookupFor(mapping);
      const extras = extrasOf(mapping);
      return (r) => mappedToExchange(r, mapping, lookup, extras);
    },
  },
  0.3,
);
