import { emptyExchange, headersFromObject, intOrNull, setHostPort, setMethod, setTarget, statusOf } from './exchange.ts';
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
  e.extra = kongExtra(r, lat);
  return e;
}

/** Kong's facts worth keeping, in this order; null when there are none. */
interface KongExtra {
  kongLatencyMs?: number;
  proxyLatencyMs?: number;
  consumer?: string;
  consumerId?: string;
  upstream?: string;
  upstreamHost?: string;
  route?: string;
  routePaths?: string;
  upstreamUri?: string;
  upstreamStatus?: string;
  source?: string;
  upstreamIp?: string;
}

function kongExtra(r: JsonObject, lat: JsonObject): Exchange['extra'] {
  // Named stores: setExtra's keyed store goes megamorphic on this hot path. str and num already
  // give null for the values setExtra skips ('', '-').
  const x: KongExtra = {};
  const kongMs = num(lat['kong']);
  if (kongMs !== null) x.kongLatencyMs = kongMs;
  const proxyMs = num(lat['proxy']);
  if (proxyMs !== null) x.proxyLatencyMs = proxyMs;
  const consumer = obj(r['consumer']);
  const consumerId = str(consumer['id']);
  const consumerName = str(consumer['username']) ?? str(consumer['custom_id']) ?? consumerId;
  if (consumerName !== null) x.consumer = consumerName;
  if (consumerId !== null) x.consumerId = consumerId;
  const service = obj(r['service']);
  const svcHost = str(service['host']);
  const upstream = str(service['name']) ?? svcHost;
  if (upstream !== null) x.upstream = upstream;
  if (svcHost) {
    const svcPort = num(service['port']);
    x.upstreamHost = svcPort ? `${svcHost}:${svcPort}` : svcHost;
  }
  const route = obj(r['route']);
  const routeName = str(route['name']) ?? str(route['id']);
  if (routeName !== null) x.route = routeName;
  const paths = route['paths'];
  const joined = Array.isArray(paths) ? paths.join(',') : '';
  if (joined !== '' && joined !== '-') x.routePaths = joined;
  const upstreamUri = str(r['upstream_uri']);
  if (upstreamUri !== null) x.upstreamUri = upstreamUri;
  const upstreamStatus = str(r['upstream_status']);
  if (upstreamStatus !== null) x.upstreamStatus = upstreamStatus;
  const source = str(r['source']);
  if (source !== null) x.source = source;
  const tries = r['tries'];
  const ip = Array.isArray(tries) && tries.length > 0 ? str(obj(tries[tries.length - 1])['ip']) : null;
  if (ip !== null) x.upstreamIp = ip;
  for (const _ in x) return x as Record<string, string | number>;
  return null;
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
