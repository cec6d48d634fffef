import { addRequestHeader, emptyExchange, httpVersionOf, intOrNull, setExtra, setHostPort, setMethod, setTarget, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, keyScore, missing, num, pick, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { parseAnyTime } from './time.ts';

/**
 * Fastly real-time log streaming in the JSON shape Fastly's documentation suggests
 * (`timestamp`, `client_ip`, `host`, `url`, `request_method`, `response_status`…), usually
 * delivered through syslog (the syslog header before the JSON is skipped).
 */

const KEYS = ['timestamp', 'client_ip', 'host', 'url', 'request_method', 'response_status', 'response_body_size'] as const;

function fastlyToExchange(r: JsonObject): Exchange | string {
  const e = emptyExchange();
  e.time = parseAnyTime(pick(r, 'timestamp', 'time_start', 'time'));
  if (Number.isNaN(e.time)) return missing('readable timestamp', r);
  const err = setMethod(e, str(pick(r, 'request_method', 'method')));
  if (err) return err;
  const url = str(pick(r, 'url', 'request_url', 'path'));
  if (!url) return missing('url', r);
  const bad = setTarget(e, url);
  if (bad) return bad;
  setHostPort(e, str(get(r, 'host')));
  if (str(get(r, 'tls_client_protocol')) !== null || get(r, 'is_tls') === true) e.scheme = 'https';
  const hv = httpVersionOf(str(pick(r, 'request_protocol', 'protocol')));
  if (hv) e.httpVersion = hv;
  e.status = statusOf(num(pick(r, 'response_status', 'status')) ?? undefined) ?? null;
  e.statusText = str(get(r, 'response_reason')) ?? '';
  e.responseSize = intOrNull(num(pick(r, 'response_body_size', 'resp_body_size')));
  e.requestSize = intOrNull(num(get(r, 'request_body_size')));
  const us = num(pick(r, 'time_elapsed', 'elapsed_usec'));
  if (us !== null) e.durationMs = us / 1000;
  e.clientIp = str(get(r, 'client_ip'));
  addRequestHeader(e, 'Referer', str(get(r, 'request_referer')));
  addRequestHeader(e, 'User-Agent', str(get(r, 'request_user_agent')));
  setExtra(e, 'cacheState', str(get(r, 'response_state')));
  setExtra(e, 'pop', str(get(r, 'fastly_server')));
  setExtra(e, 'country', str(get(r, 'geo_country')));
  setExtra(e, 'city', str(get(r, 'geo_city')));
  return e;
}

export const fastlyReader = jsonRecordReader({
  id: 'fastly',
  label: 'Fastly log streaming (JSON)',
  producers: ['Fastly real-time log streaming, JSON log format from Fastly\'s examples'],
  recognise: (r) => {
    const s = keyScore(r, KEYS);
    return s >= 0.7 ? s : 0;
  },
  toExchange: fastlyToExchange,
});
