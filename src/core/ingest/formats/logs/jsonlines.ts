import { ReadError } from '../../reader.ts';
import type { ReaderContext } from '../../reader.ts';
import {
  addRequestHeader, emptyExchange, httpVersionOf, intOrNull, quoteShort, schemeOf, setExtra, setHostPort, setMethod, setPort, setTarget, statusOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, num, str } from './json.ts';
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

type Lookup = (r: JsonObject, field: Mappable) => unknown;

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

/**
 * The mapping compiled once per read: each field's mapped path, or its guesses in order (the
 * first with a value wins), already split, so a record costs property reads and no path parsing.
 */
function lookupFor(mapping: FieldMapping): Lookup {
  const mapped = new Map<Mappable, Path>();
  const guesses = new Map<Mappable, readonly Path[]>();
  for (const field of MAPPABLE) {
    const m = mapping[field];
    if (m !== undefined) mapped.set(field, compilePath(m));
    else guesses.set(field, GUESSES[field].map(compilePath));
  }
  return (r, field) => {
    const m = mapped.get(field);
    if (m !== undefined) return at(r, m);
    const list = guesses.get(field) as readonly Path[];
    for (let i = 0; i < list.length; i++) {
      const v = at(r, list[i] as Path);
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return undefined;
  };
}

export function mappedToExchange(r: JsonObject, mapping: FieldMapping, lookup: Lookup = lookupFor(mapping)): Exchange | string {
  const e = emptyExchange();
  const t = lookup(r, 'time');
  e.time = typeof t === 'number' ? epochToMs(t) : parseAnyTime(t);
  if (Number.isNaN(e.time)) return t === undefined ? 'record has no time (map one with {"time": "<path>"})' : `unreadable time ${quoteShort(String(t))}`;
  const method = str(lookup(r, 'method'));
  if (method === null) {
    e.method = 'GET';
    setExtra(e, 'methodAssumed', true);
  } else {
    const err = setMethod(e, method);
    if (err) return err;
  }
  const url = str(lookup(r, 'url'));
  const path = str(lookup(r, 'path'));
  if (url !== null && (path === null || mapping.url !== undefined)) {
    const bad = setTarget(e, url);
    if (bad) return bad;
  } else if (path !== null) {
    const bad = setTarget(e, path);
    if (bad) return bad;
  } else return 'record has no url or path (map one with {"url": "<path>"} or {"path": "<path>"})';
  const query = str(lookup(r, 'query'));
  if (query !== null && e.query === '') e.query = query.startsWith('?') ? query : `?${query}`;
  const scheme = schemeOf(str(lookup(r, 'scheme')));
  if (scheme) e.scheme = scheme;
  const host = str(lookup(r, 'host'));
  if (host !== null && e.host === '') setHostPort(e, host);
  const port = intOrNull(str(lookup(r, 'port')));
  if (port !== null && e.port === null) setPort(e, port);
  const status = statusOf(str(lookup(r, 'status')) ?? undefined);
  if (status === undefined) return `status ${quoteShort(String(lookup(r, 'status')))} is not an HTTP status`;
  e.status = status;
  e.responseSize = intOrNull(num(lookup(r, 'responseSize')));
  e.requestSize = intOrNull(num(lookup(r, 'requestSize')));
  const ms = num(lookup(r, 'durationMs'));
  const sec = num(lookup(r, 'durationSec'));
  e.durationMs = ms ?? (sec === null ? null : Math.round(sec * 1e6) / 1e3);
  e.clientIp = str(lookup(r, 'clientIp'));
  e.serverIp = str(lookup(r, 'serverIp'));
  const hv = httpVersionOf(str(lookup(r, 'httpVersion')));
  if (hv) e.httpVersion = hv;
  addRequestHeader(e, 'User-Agent', str(lookup(r, 'userAgent')));
  addRequestHeader(e, 'Referer', str(lookup(r, 'referer')));
  for (const [k, p] of Object.entries(mapping)) {
    if (!k.startsWith('extra.')) continue;
    const v = get(r, p);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') setExtra(e, k.slice(6), v);
    else if (v !== undefined && v !== null) setExtra(e, k.slice(6), JSON.stringify(v));
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
      const hasTarget = guessLookup(r, 'url') !== undefined || guessLookup(r, 'path') !== undefined;
      return hasTarget && guessLookup(r, 'status') !== undefined && guessLookup(r, 'time') !== undefined ? 1 : 0;
    },
    toExchange: (r) => mappedToExchange(r, {}, guessLookup),
    prepare(ctx: ReaderContext) {
      const mapping = parseMapping(ctx.options['mapping']);
      const lookup = lookupFor(mapping);
      return (r) => mappedToExchange(r, mapping, lookup);
    },
  },
  0.3,
);
