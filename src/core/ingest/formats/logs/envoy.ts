import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import {
  addRequestHeader, emptyExchange, httpVersionOf, intOrNull, ipOnly, numberOrNull, portOf, setExtra, setHostPort, setMethod, setTarget, statusOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { stripEnvelope } from './envelope.ts';
import { compileFormat } from './format.ts';
import { get, keyScore, missing, num, parseJsonLine, pick, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { parseIsoTime } from './time.ts';

/**
 * Envoy access logs: the default text format
 * `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 * %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"`
 * (newer versions append fields, kept as `trailing`) and JSON formats using Envoy's operator names
 * in snake case, as Istio, Gateway API implementations and most configs do.
 */

const ext = (key: string) => (e: Exchange, v: string): string | null => {
  setExtra(e, key, v);
  return null;
};

const TEXT = compileFormat(
  '[$envoy_start] "$request" $status $envoy_flags $request_length $body_bytes_sent $envoy_duration $envoy_upstream_time "$http_x_forwarded_for" "$http_user_agent" "$request_id" "$host" "$envoy_upstream_host"$envoy_trailing',
  'nginx',
  {
    envoy_start: (e, v) => {
      e.time = parseIsoTime(v);
      return Number.isNaN(e.time) ? `unreadable START_TIME ${JSON.stringify(v)}` : null;
    },
    envoy_flags: ext('responseFlags'),
    envoy_duration: (e, v) => {
      e.durationMs = intOrNull(v);
      return null;
    },
    envoy_upstream_time: ext('upstreamServiceTimeMs'),
    envoy_upstream_host: ext('upstream'),
    envoy_trailing: (e, v) => {
      setExtra(e, 'trailing', v.trim());
      return null;
    },
  },
);

const JSON_KEYS = ['response_code', 'start_time', 'bytes_sent', 'duration', 'method', 'upstream_host', 'response_flags', 'protocol'] as const;

/** Keys only Envoy's operator names give: enough, with response_code and start_time, for a sparse custom format. */
const ENVOY_ONLY = [
  'x-envoy-origin-path', 'x-envoy-original-path', 'x-envoy-upstream-service-time', 'downstream_remote_address', 'downstream_local_address',
  'upstream_cluster', 'response_flags', ':authority',
] as const;

function envoyJsonScore(r: JsonObject): number {
  if (get(r, 'response_code') === undefined) return 0;
  const s = keyScore(r, JSON_KEYS);
  if (s >= 0.5) return s;
  return get(r, 'start_time') !== undefined && ENVOY_ONLY.some((k) => r[k] !== undefined) ? 0.5 : 0;
}

function envoyJsonToExchange(r: JsonObject): Exchange | string {
  const e = emptyExchange();
  e.time = parseIsoTime(str(get(r, 'start_time')) ?? '');
  if (Number.isNaN(e.time)) return missing('readable start_time', r);
  const err = setMethod(e, str(pick(r, 'method', ':method')));
  if (err) return err;
  const path = str(pick(r, 'x-envoy-origin-path', 'x-envoy-original-path', 'path', ':path'));
  if (!path) return missing('path', r);
  const bad = setTarget(e, path);
  if (bad) return bad;
  setHostPort(e, str(pick(r, ':authority', 'authority', 'host')));
  const hv = httpVersionOf(str(get(r, 'protocol')));
  if (hv) e.httpVersion = hv;
  e.status = statusOf(num(get(r, 'response_code')) ?? str(get(r, 'response_code'))) ?? null;
  e.responseSize = intOrNull(num(get(r, 'bytes_sent')));
  e.requestSize = intOrNull(num(get(r, 'bytes_received')));
  e.durationMs = numberOrNull(num(get(r, 'duration')));
  const remote = str(pick(r, 'downstream_remote_address', 'downstream_direct_remote_address'));
  e.clientIp = ipOnly(remote);
  setExtra(e, 'clientPort', portOf(remote));
  e.serverIp = ipOnly(str(get(r, 'downstream_local_address')));
  const localPort = portOf(str(get(r, 'downstream_local_address')));
  setExtra(e, 'listenerPort', localPort);
  if (str(get(r, 'requested_server_name')) !== null || localPort === 443 || localPort === 10443) e.scheme = 'https';
  addRequestHeader(e, 'User-Agent', str(pick(r, 'user-agent', 'user_agent')));
  addRequestHeader(e, 'X-Forwarded-For', str(pick(r, 'x-forwarded-for', 'x_forwarded_for')));
  addRequestHeader(e, 'Referer', str(get(r, 'referer')));
  setExtra(e, 'requestId', str(pick(r, 'x-request-id', 'request_id')));
  setExtra(e, 'responseFlags', str(get(r, 'response_flags')));
  setExtra(e, 'responseCodeDetails', str(get(r, 'response_code_details')));
  setExtra(e, 'route', str(get(r, 'route_name')));
  setExtra(e, 'upstreamCluster', str(get(r, 'upstream_cluster')));
  setExtra(e, 'upstream', str(get(r, 'upstream_host')));
  setExtra(e, 'upstreamServiceTimeMs', str(get(r, 'x-envoy-upstream-service-time')));
  setExtra(e, 'upstreamFailure', str(get(r, 'upstream_transport_failure_reason')));
  setExtra(e, 'sni', str(get(r, 'requested_server_name')));
  return e;
}

function parseLine(raw: string, latin1: boolean): Exchange | string {
  const line = stripEnvelope(raw);
  if (line.charCodeAt(0) === 123) {
    const r = parseJsonLine(line);
    if (typeof r === 'string') return r;
    if (envoyJsonScore(r) === 0) return missing('Envoy access-log fields (response_code, start_time…)', r);
    return envoyJsonToExchange(r);
  }
  const values: string[] = [];
  if (TEXT.match(line, values) !== -1) return 'not an Envoy access-log line (default format or JSON)';
  return TEXT.build(values, latin1);
}

export const envoyReader: Reader = {
  id: 'envoy',
  label: 'Envoy access log',
  producers: ['Envoy proxy (default text format, JSON format)', 'Istio, Envoy Gateway, Contour and other Envoy-based gateways'],
  extensions: ['.log', '.json'],
  sniff(head: Uint8Array): number {
    const values: string[] = [];
    return 0.92 * fractionAccepted(headLines(head), (raw) => {
      const line = stripEnvelope(raw);
      if (line.charCodeAt(0) === 123) {
        const r = parseJsonLine(line);
        return typeof r !== 'string' && envoyJsonScore(r) > 0;
      }
      return TEXT.match(line, values) === -1;
    });
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    return readLines(input, ctx, parseLine);
  },
};
