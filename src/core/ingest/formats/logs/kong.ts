import { emptyExchange, headersFromObject, intOrNull, setExtra, setHostPort, setMethod, setTarget, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, keyScore, missing, num, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { parseAnyTime } from './time.ts';

/**
 * Kong Gateway's http-log / file-log / tcp-log / udp-log plugins: one JSON object per request
 * with `request`, `response`, `latencies`, `client_ip`, `started_at`, `consumer`, `service`, `route`.
 */

const KEYS = ['request.method', 'response.status', 'latencies', 'started_at', 'client_ip'] as const;

function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

export function kongToExchange(r: JsonObject): Exchange | string {
  // Direct property access: this runs once per record on the hottest JSON path.
  const req = obj(r['request']);
  const res = obj(r['response']);
  const e = emptyExchange();
  e.time = parseAnyTime(r['started_at']);
  if (Number.isNaN(e.time)) return missing('readable started_at', r);
  const err = setMethod(e, str(req['method']));
  if (err) return err;
  const url = str(req['url']);
  const uri = str(req['uri']);
  const reqHeaders = headersFromObject(req['headers']);
  if (url) {
    const bad = setTarget(e, url);
    if (bad) return bad;
  } else if (uri) {
    const bad = setTarget(e, uri);
    if (bad) return bad;
    setHostPort(e, reqHeaders.find(([n]) => n.toLowerCase() === 'host')?.[1]);
  } else return missing('request.url or request.uri', r);
  e.requestHeaders = reqHeaders;
  e.responseHeaders = headersFromObject(res['headers']);
  e.status = statusOf(num(res['status']) ?? undefined) ?? null;
  e.responseSize = intOrNull(num(res['size']));
  e.requestSize = intOrNull(num(req['size']));
  const lat = obj(r['latencies']);
  e.durationMs = num(lat['request']);
  e.clientIp = str(r['client_ip']);
  setExtra(e, 'kongLatencyMs', num(lat['kong']));
  setExtra(e, 'proxyLatencyMs', num(lat['proxy']));
  const consumer = obj(r['consumer']);
  setExtra(e, 'consumer', str(consumer['username']) ?? str(consumer['custom_id']) ?? str(consumer['id']));
  setExtra(e, 'consumerId', str(consumer['id']));
  const service = obj(r['service']);
  const svcHost = str(service['host']);
  setExtra(e, 'upstream', str(service['name']) ?? svcHost);
  const svcPort = num(service['port']);
  if (svcHost) setExtra(e, 'upstreamHost', svcPort ? `${svcHost}:${svcPort}` : svcHost);
  const route = obj(r['route']);
  setExtra(e, 'route', str(route['name']) ?? str(route['id']));
  const paths = route['paths'];
  if (Array.isArray(paths)) setExtra(e, 'routePaths', paths.join(','));
  setExtra(e, 'upstreamUri', str(r['upstream_uri']));
  setExtra(e, 'upstreamStatus', str(r['upstream_status']));
  setExtra(e, 'source', str(r['source']));
  const tries = r['tries'];
  if (Array.isArray(tries) && tries.length > 0) setExtra(e, 'upstreamIp', str(obj(tries[tries.length - 1])['ip']));
  return e;
}

export const kongReader = jsonRecordReader({
  id: 'kong',
  label: 'Kong Gateway log (http-log / file-log JSON)',
  producers: ['Kong Gateway 2.x–3.x http-log, file-log, tcp-log, udp-log, syslog plugins'],
  recognise: (r) => {
    const s = keyScore(r, KEYS);
    return s >= 0.6 && typeof get(r, 'request') === 'object' ? s : 0;
  },
  toExchange: kongToExchange,
});
