import { emptyExchange, headersFromObject, httpVersionOf, intOrNull, setExtra, setHostPort, setMethod, setTarget, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, keyScore, missing, num, pick, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { parseAnyTime } from './time.ts';

/** Caddy 2's structured access log (`logger: http.log.access…`, `msg: handled request`). */

const KEYS = ['ts', 'request.method', 'request.uri', 'request.remote_ip', 'status', 'duration', 'size'] as const;

function caddyToExchange(r: JsonObject): Exchange | string {
  const logger = str(get(r, 'logger'));
  if (logger !== null && !logger.startsWith('http.log.access')) {
    return `not an access-log entry (logger ${logger}: ${str(get(r, 'msg')) ?? 'no message'})`;
  }
  const e = emptyExchange();
  e.time = parseAnyTime(get(r, 'ts'));
  if (Number.isNaN(e.time)) return missing('readable ts', r);
  const err = setMethod(e, str(get(r, 'request.method')));
  if (err) return err;
  const uri = str(get(r, 'request.uri'));
  if (!uri) return missing('request.uri', r);
  const bad = setTarget(e, uri);
  if (bad) return bad;
  if (get(r, 'request.tls') !== undefined) e.scheme = 'https';
  setHostPort(e, str(get(r, 'request.host')));
  const hv = httpVersionOf(str(get(r, 'request.proto')));
  if (hv) e.httpVersion = hv;
  e.requestHeaders = headersFromObject(get(r, 'request.headers'));
  e.responseHeaders = headersFromObject(get(r, 'resp_headers'));
  e.status = statusOf(num(get(r, 'status')) ?? undefined) ?? null;
  e.responseSize = intOrNull(num(get(r, 'size')));
  e.requestSize = intOrNull(num(get(r, 'bytes_read')));
  const d = num(get(r, 'duration'));
  e.durationMs = d === null ? null : Math.round(d * 1e6) / 1e3;
  e.clientIp = str(pick(r, 'request.remote_ip', 'request.remote_addr'));
  setExtra(e, 'clientPort', str(get(r, 'request.remote_port')));
  const resolved = str(get(r, 'request.client_ip'));
  if (resolved !== e.clientIp) setExtra(e, 'resolvedClientIp', resolved);
  setExtra(e, 'user', str(get(r, 'user_id')));
  setExtra(e, 'sni', str(get(r, 'request.tls.server_name')));
  setExtra(e, 'logger', str(get(r, 'logger')));
  if (e.status === null) setExtra(e, 'error', str(get(r, 'err_id')) ?? 'no response written');
  return e;
}

export const caddyReader = jsonRecordReader({
  id: 'caddy',
  label: 'Caddy access log (JSON)',
  producers: ['Caddy 2 http.log.access (JSON encoder)'],
  recognise: (r) => {
    const s = keyScore(r, KEYS);
    return s >= 0.7 && typeof get(r, 'request') === 'object' ? s : 0;
  },
  toExchange: caddyToExchange,
});
