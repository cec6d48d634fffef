import { addRequestHeader, addResponseHeader, emptyExchange, httpVersionOf, intOrNull, schemeOf, setExtra, setHostPort, setMethod, setTarget, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, keyScore, missing, num, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { parseAnyTime } from './time.ts';

/**
 * Cloudflare HTTP request logs (Logpush `http_requests` dataset, Logpull), one JSON object per
 * line. EdgeStartTimestamp may be RFC 3339, Unix seconds, milliseconds or nanoseconds depending on
 * the job's timestamp_format; all are accepted.
 */

const KEYS = ['ClientRequestMethod', 'ClientRequestHost', 'ClientRequestURI', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'ClientIP', 'RayID'] as const;

function cloudflareToExchange(r: JsonObject): Exchange | string {
  const e = emptyExchange();
  e.time = parseAnyTime(get(r, 'EdgeStartTimestamp'));
  if (Number.isNaN(e.time)) return missing('readable EdgeStartTimestamp', r);
  const err = setMethod(e, str(get(r, 'ClientRequestMethod')));
  if (err) return err;
  const uri = str(get(r, 'ClientRequestURI')) ?? str(get(r, 'ClientRequestPath'));
  if (!uri) return missing('ClientRequestURI', r);
  const bad = setTarget(e, uri);
  if (bad) return bad;
  e.scheme = schemeOf(str(get(r, 'ClientRequestScheme'))) ?? 'https';
  setHostPort(e, str(get(r, 'ClientRequestHost')));
  const hv = httpVersionOf(str(get(r, 'ClientRequestProtocol')));
  if (hv) e.httpVersion = hv;
  e.status = statusOf(num(get(r, 'EdgeResponseStatus')) ?? undefined) ?? null;
  e.responseSize = intOrNull(num(get(r, 'EdgeResponseBodyBytes'))) ?? intOrNull(num(get(r, 'EdgeResponseBytes')));
  e.requestSize = intOrNull(num(get(r, 'ClientRequestBytes')));
  const end = parseAnyTime(get(r, 'EdgeEndTimestamp'));
  if (!Number.isNaN(end) && end >= e.time) e.durationMs = end - e.time;
  e.clientIp = str(get(r, 'ClientIP'));
  addRequestHeader(e, 'User-Agent', str(get(r, 'ClientRequestUserAgent')));
  addRequestHeader(e, 'Referer', str(get(r, 'ClientRequestReferer')));
  addResponseHeader(e, 'Content-Type', str(get(r, 'EdgeResponseContentType')));
  setExtra(e, 'requestId', str(get(r, 'RayID')));
  setExtra(e, 'zone', str(get(r, 'ZoneName')));
  setExtra(e, 'country', str(get(r, 'ClientCountry')));
  setExtra(e, 'asn', num(get(r, 'ClientASN')));
  setExtra(e, 'cacheStatus', str(get(r, 'CacheCacheStatus')));
  setExtra(e, 'originStatus', num(get(r, 'OriginResponseStatus')));
  setExtra(e, 'upstream', str(get(r, 'OriginIP')));
  setExtra(e, 'securityAction', str(get(r, 'SecurityAction')) ?? str(get(r, 'WAFAction')));
  const rules = get(r, 'SecurityRuleIDs');
  if (Array.isArray(rules) && rules.length > 0) setExtra(e, 'securityRules', rules.join(','));
  setExtra(e, 'botScore', num(get(r, 'BotScore')));
  setExtra(e, 'tlsVersion', str(get(r, 'ClientSSLProtocol')));
  setExtra(e, 'edgeTtfbMs', num(get(r, 'EdgeTimeToFirstByteMs')));
  return e;
}

export const cloudflareReader = jsonRecordReader({
  id: 'cloudflare',
  label: 'Cloudflare HTTP request log (Logpush)',
  producers: ['Cloudflare Logpush / Logpull http_requests dataset (JSON lines)'],
  recognise: (r) => {
    const s = keyScore(r, KEYS);
    return s >= 0.5 ? s : 0;
  },
  toExchange: cloudflareToExchange,
});
