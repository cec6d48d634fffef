import {
  addRequestHeader, addResponseHeader, emptyExchange, httpVersionOf, intOrNull, schemeOf, setExtra, setHostPort, setMethod, setPort, setTarget, statusOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, keyScore, missing, num, pick, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { parseAnyTime } from './time.ts';

/**
 * Traefik's JSON access log (`accessLog.format: json`). Header fields appear as
 * `request_<Name>`, `downstream_<Name>` (sent to the client) and `origin_<Name>` (from the backend)
 * when the configuration keeps them. Traefik's CLF lines are read by the access-log reader.
 */

const KEYS = ['ClientHost', 'RequestMethod', 'RequestPath', 'DownstreamStatus', 'Duration', 'StartUTC', 'RouterName'] as const;

function traefikToExchange(r: JsonObject): Exchange | string {
  const e = emptyExchange();
  e.time = parseAnyTime(pick(r, 'StartUTC', 'StartLocal', 'time'));
  if (Number.isNaN(e.time)) return missing('readable StartUTC', r);
  const err = setMethod(e, str(get(r, 'RequestMethod')));
  if (err) return err;
  const path = str(get(r, 'RequestPath'));
  if (!path) return missing('RequestPath', r);
  const bad = setTarget(e, path);
  if (bad) return bad;
  e.scheme = schemeOf(str(get(r, 'RequestScheme'))) ?? 'http';
  setHostPort(e, str(pick(r, 'RequestHost', 'RequestAddr')));
  setPort(e, intOrNull(str(get(r, 'RequestPort'))));
  const hv = httpVersionOf(str(get(r, 'RequestProtocol')));
  if (hv) e.httpVersion = hv;
  const status = statusOf(num(get(r, 'DownstreamStatus')) ?? str(get(r, 'DownstreamStatus')));
  e.status = status ?? null;
  e.responseSize = intOrNull(num(get(r, 'DownstreamContentSize')));
  e.requestSize = intOrNull(num(get(r, 'RequestContentSize')));
  const ns = num(get(r, 'Duration'));
  e.durationMs = ns === null ? null : Math.round(ns / 1e3) / 1e3;
  const clientHost = str(get(r, 'ClientHost'));
  if (clientHost !== null && clientHost.includes(',')) {
    // Traefik wrote the trusted X-Forwarded-For chain here; the last hop is the nearest client.
    e.clientIp = clientHost.slice(clientHost.lastIndexOf(',') + 1).trim();
    if (!('request_X-Forwarded-For' in r)) addRequestHeader(e, 'X-Forwarded-For', clientHost);
  } else e.clientIp = clientHost;
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'string') continue;
    if (k.startsWith('request_')) addRequestHeader(e, k.slice(8), v);
    else if (k.startsWith('downstream_')) addResponseHeader(e, k.slice(11), v);
  }
  setExtra(e, 'user', str(get(r, 'ClientUsername')));
  setExtra(e, 'router', str(get(r, 'RouterName')));
  setExtra(e, 'service', str(get(r, 'ServiceName')));
  setExtra(e, 'upstream', str(pick(r, 'ServiceAddr', 'ServiceURL.Host')));
  setExtra(e, 'entryPoint', str(get(r, 'entryPointName')));
  setExtra(e, 'originStatus', num(get(r, 'OriginStatus')));
  setExtra(e, 'retryAttempts', num(get(r, 'RetryAttempts')));
  setExtra(e, 'tlsVersion', str(get(r, 'TLSVersion')));
  return e;
}

export const traefikJsonReader = jsonRecordReader({
  id: 'traefik-json',
  label: 'Traefik access log (JSON)',
  producers: ['Traefik Proxy 1.7–3.x access log, JSON format'],
  recognise: (r) => {
    const s = keyScore(r, KEYS);
    return s >= 0.5 && get(r, 'RequestMethod') !== undefined ? s : 0;
  },
  toExchange: traefikToExchange,
});
