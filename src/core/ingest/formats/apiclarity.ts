import { emptyExchange, headerValue } from '../../model/exchange.ts';
import type { Exchange, Header, Scheme } from '../../model/exchange.ts';
import { headText } from '../reader.ts';
import type { Reader } from '../reader.ts';
import { readJsonDocument } from './logs/jsondoc.ts';
import { isRecord, str } from './lib/bytes.ts';
import { decodeContent } from './lib/content.ts';
import { splitAuthority } from './lib/http1.ts';
import { ipOrNull } from './lib/net.ts';

/**
 * APIClarity telemetry traces: the JSON records its gateway and service-mesh plugins (Envoy/Istio
 * Wasm, Kong, Tyk, Apigee) post to the APIClarity backend — `requestID`, `scheme`,
 * `sourceAddress`, `destinationAddress`, and `request` / `response` whose `common` holds headers
 * as `{key, value}` pairs and the body base64-encoded (`TruncatedBody` when the plugin cut it).
 * One object per file, or an array of them.
 */

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function headers(common: Json): Header[] {
  if (!Array.isArray(common.headers)) return [];
  return common.headers.filter(isRecord).map((h) => [str(h.key), str(h.value)] as const).filter(([n]) => n !== '');
}

function body(common: Json): Buffer | null {
  const b = str(common.body);
  return b === '' ? null : Buffer.from(b, 'base64');
}

function hostOf(address: string): string {
  const m = /^\[?([^\]]*?)\]?(?::\d+)?$/.exec(address);
  return m ? m[1] : address;
}

/** Epoch time from a plugin's `time` (ms, or s when small). */
function epochMs(v: unknown): number | null {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) return null;
  return n < 1e11 ? n * 1000 : n;
}

export function telemetryToExchange(t: unknown): Exchange | string {
  if (!isRecord(t)) return 'trace is not a JSON object';
  const req = obj(t.request);
  const res = obj(t.response);
  const reqCommon = obj(req.common);
  const resCommon = obj(res.common);
  const x = emptyExchange();
  x.requestHeaders = headers(reqCommon);
  const schemeText = (str(t.scheme) || headerValue(x.requestHeaders, 'x-forwarded-proto') || 'http').toLowerCase();
  const scheme: Scheme = schemeText === 'https' ? 'https' : 'http';
  const authority = str(req.host) || headerValue(x.requestHeaders, 'host') || headerValue(x.requestHeaders, ':authority') || str(t.destinationAddress);
  const named = splitAuthority(authority.trim(), scheme);
  if (!named) return `trace names no usable host (${JSON.stringify(authority.slice(0, 80))})`;
  x.scheme = scheme;
  x.host = named.host;
  x.port = named.port;
  const target = str(req.path) || '/';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  x.path = path.startsWith('/') ? path : `/${path}`;
  x.query = q === -1 || q === target.length - 1 ? '' : target.slice(q);
  x.method = (str(req.method) || 'GET').toUpperCase();
  const version = str(reqCommon.version) || str(resCommon.version);
  if (version) x.httpVersion = /^\d/.test(version) ? `HTTP/${version}` : version.toUpperCase();
  const errors: string[] = [];
  const reqBody = body(reqCommon);
  if (reqBody) {
    x.requestBody = reqBody;
    x.requestSize = reqBody.length;
  }
  if (reqCommon.TruncatedBody === true) errors.push('request body truncated by the capturing plugin');
  const status = Number(res.statusCode);
  if (Number.isInteger(status) && status > 0) {
    x.status = status;
    x.responseHeaders = headers(resCommon);
    const b = body(resCommon);
    if (b) {
      const d = decodeContent(b, x.responseHeaders);
      x.responseBody = d.body;
      x.responseSize = d.body.length;
      if (d.error) errors.push(d.error);
    }
    if (resCommon.TruncatedBody === true) errors.push('response body truncated by the capturing plugin');
  } else errors.push('no response captured');
  x.error = errors.length > 0 ? errors.join('; ') : null;
  const start = epochMs(reqCommon.time);
  const end = epochMs(resCommon.time);
  const date = Date.parse(headerValue(x.responseHeaders, 'date') ?? '');
  x.time = start ?? (Number.isNaN(date) ? 0 : date);
  if (start !== null && end !== null && end >= start) x.durationMs = end - start;
  x.clientIp = ipOrNull(hostOf(str(t.sourceAddress)));
  x.serverIp = ipOrNull(hostOf(str(t.destinationAddress)));
  const extra: Record<string, string> = {};
  if (str(t.requestID)) extra.requestId = str(t.requestID);
  if (str(t.destinationNamespace)) extra.destinationNamespace = str(t.destinationNamespace);
  if (str(t.destinationAddress)) extra.destinationAddress = str(t.destinationAddress);
  if (start === null) extra.timeFrom = Number.isNaN(date) ? 'none' : 'response Date header';
  x.extra = extra;
  return x;
}

export const apiclarityReader: Reader = {
  id: 'apiclarity',
  label: 'APIClarity telemetry trace (JSON)',
  producers: ['APIClarity gateway / service-mesh plugins (Envoy Wasm, Istio, Kong, Tyk, Apigee)'],
  extensions: ['.json'],
  sniff(head) {
    const t = headText(head).trimStart();
    if (!t.startsWith('{') && !t.startsWith('[')) return 0;
    const hits = ['"destinationAddress"', '"sourceAddress"', '"requestID"', '"statusCode"', '"common"'].filter((k) => t.includes(k)).length;
    return hits >= 3 && t.includes('"request"') ? 0.95 : 0;
  },
  read: (input, ctx) => readJsonDocument(input, ctx, (record) => telemetryToExchange(record)),
};
