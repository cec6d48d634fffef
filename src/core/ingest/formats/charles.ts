import { emptyExchange } from '../../model/exchange.ts';
import type { Exchange, Header, Scheme } from '../../model/exchange.ts';
import { headText } from '../reader.ts';
import type { Reader } from '../reader.ts';
import { readJsonDocument } from './logs/jsondoc.ts';
import { isRecord, str } from './lib/bytes.ts';
import { decodeContent } from './lib/content.ts';
import { ipOrNull } from './lib/net.ts';

/**
 * Charles Proxy JSON session (.chlsj, File → Export Session → JSON Session File): a top-level
 * array of transactions with `scheme`, `host`, `actualPort`, `path`, `query`, `times`,
 * `durations`, and `request` / `response` each holding `header.firstLine`, `header.headers`
 * and `body` as `text` (already decoded) or `encoded` (base64 of the bytes). The array is streamed
 * element by element, so a session of any length is read in bounded memory.
 */

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function headers(h: unknown): Header[] {
  const list = obj(h).headers;
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((x) => [str(x.name), str(x.value)] as const).filter(([n]) => n !== '');
}

function body(part: Json, hs: Header[]): { bytes: Uint8Array | null; error: string | null } {
  const b = obj(part.body);
  if (typeof b.text === 'string') return { bytes: Buffer.from(b.text, 'utf8'), error: null };
  if (typeof b.encoded === 'string') {
    const raw = Buffer.from(b.encoded, 'base64');
    // `decoded: true` says Charles already removed the content-encoding.
    if (b.decoded === true) return { bytes: raw, error: null };
    const d = decodeContent(raw, hs);
    return { bytes: d.body, error: d.error };
  }
  return { bytes: null, error: null };
}

function port(v: unknown): number | null {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : null;
}

/** "example.com/93.184.216.34" or "/127.0.0.1": Java's InetAddress.toString(). */
function inetAddress(v: unknown): string | null {
  const s = str(v);
  return ipOrNull(s.slice(s.lastIndexOf('/') + 1));
}

export function charlesToExchange(t: unknown): Exchange | string {
  if (!isRecord(t)) return 'transaction is not a JSON object';
  const method = str(t.method).toUpperCase();
  if (method === 'CONNECT' || t.tunnel === true) return `CONNECT tunnel to ${str(t.host)} (not decrypted by Charles): no HTTP exchange inside`;
  const host = str(t.host).toLowerCase();
  if (!host) return 'transaction has no host';
  const x = emptyExchange();
  const schemeText = str(t.scheme).toLowerCase();
  const scheme: Scheme = schemeText === 'https' || schemeText === 'ws' || schemeText === 'wss' ? schemeText : 'http';
  x.scheme = scheme;
  x.host = host.replace(/^\[|\]$/g, '');
  const p = port(t.actualPort) ?? port(t.port);
  x.port = p !== null && p !== (scheme === 'https' || scheme === 'wss' ? 443 : 80) ? p : null;
  const path = str(t.path) || '/';
  x.path = path.startsWith('/') ? path : `/${path}`;
  const query = str(t.query);
  x.query = query ? `?${query.replace(/^\?/, '')}` : '';
  x.method = method || 'GET';
  const version = str(t.protocolVersion).toUpperCase();
  x.httpVersion = version === 'HTTP/2.0' ? 'HTTP/2' : version || 'HTTP/1.1';
  const times = obj(t.times);
  const start = Date.parse(str(times.start) || str(times.requestBegin));
  x.time = Number.isNaN(start) ? 0 : start;
  const total = Number(obj(t.durations).total);
  x.durationMs = Number.isFinite(total) && total >= 0 ? total : null;
  x.serverIp = inetAddress(t.remoteAddress);
  x.clientIp = inetAddress(t.clientAddress);

  const errors: string[] = [];
  const req = obj(t.request);
  x.requestHeaders = headers(req.header);
  const rb = body(req, x.requestHeaders);
  x.requestBody = rb.bytes && rb.bytes.length > 0 ? rb.bytes : null;
  x.requestSize = rb.bytes ? rb.bytes.length : null;
  if (rb.error) errors.push(`request ${rb.error}`);

  const res = obj(t.response);
  const status = Number(res.status);
  if (Number.isInteger(status) && status > 0) {
    x.status = status;
    const firstLine = str(obj(res.header).firstLine);
    x.statusText = /^HTTP\/\S+ \d{3} ?(.*)$/.exec(firstLine)?.[1] ?? '';
    x.responseHeaders = headers(res.header);
    const b = body(res, x.responseHeaders);
    x.responseBody = b.bytes;
    x.responseSize = b.bytes ? b.bytes.length : (Number(obj(res.sizes).body) >= 0 ? Number(obj(res.sizes).body) : null);
    if (b.error) errors.push(b.error);
  }
  const state = str(t.status);
  const message = str(t.errorMessage);
  if (message) errors.push(message);
  else if (state && state !== 'COMPLETE') errors.push(`Charles transaction status ${state}`);
  else if (x.status === null) errors.push('no response captured');
  x.error = errors.length > 0 ? errors.join('; ') : null;
  if (t.webSocket === true) x.scheme = scheme === 'https' ? 'wss' : scheme === 'http' ? 'ws' : scheme;
  return x;
}

export const charlesReader: Reader = {
  id: 'charles',
  label: 'Charles Proxy JSON session (.chlsj)',
  producers: ['Charles Proxy 3.x–5.x (Export Session → JSON Session File)'],
  extensions: ['.chlsj'],
  sniff(head, name) {
    const t = headText(head).trimStart();
    if (!t.startsWith('[')) return 0;
    const keys = ['"protocolVersion"', '"actualPort"', '"times"', '"durations"', '"remoteAddress"', '"keptAlive"'].filter((k) => t.includes(k)).length;
    if (keys >= 2 && t.includes('"host"')) return 0.95;
    return /\.chlsj$/i.test(name) ? 0.5 : 0;
  },
  read: (input, ctx) => readJsonDocument(input, ctx, (record) => charlesToExchange(record)),
};
