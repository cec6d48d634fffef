/**
 * HAR 1.2 reader (Chrome, Firefox, Safari, Edge/IE, Charles, Fiddler, HTTP Toolkit, mitmproxy,
 * Insomnia, Playwright, Polly.JS, ZAP…). Streams entries with HarEntryScanner, smooths the quirks
 * real producers write, checks each entry against the HAR 1.2 schema with har-validator, and maps
 * it to an Exchange. A bad entry is skipped with its index and the validator's reason.
 */
import { gunzipSync, inflateSync, inflateRawSync, brotliDecompressSync } from 'node:zlib';
import harValidator from 'har-validator/lib/async.js';
import { emptyExchange, headerValue, splitUrl, type Exchange, type Header, type WebSocketMessage } from '../../model/exchange.ts';
import { headText, type ReadItem, type Reader } from '../reader.ts';
import { HarEntryScanner } from './har-scanner.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Headers, cookies and query params: HAR says [{name, value}], some producers write pairs or maps. */
function nameValues(v: unknown): { name: string; value: string }[] {
  if (Array.isArray(v)) {
    const out: { name: string; value: string }[] = [];
    for (const h of v) {
      if (Array.isArray(h) && h.length >= 2) out.push({ name: String(h[0]), value: String(h[1]) });
      else if (isObj(h) && 'name' in h) {
        // The usual {name, value} of strings is kept as it is; others are copied with strings.
        if (typeof h.name === 'string' && typeof h.value === 'string') out.push(h as { name: string; value: string });
        else out.push({ ...h, name: String(h.name), value: h.value == null ? '' : String(h.value) });
      } else out.push(h as { name: string; value: string });
    }
    return out;
  }
  if (isObj(v)) return Object.entries(v).map(([name, value]) => ({ name, value: String(value) }));
  return [];
}

const num = (v: unknown, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : dflt);
const str = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : v == null ? dflt : String(v));

/** Cookie arrays are informational here (cookies are read from the headers): keep name and value. */
const cookieList = (v: unknown): { name: string; value: string }[] => nameValues(v).map(({ name, value }) => ({ name: str(name), value: str(value) }));

/**
 * Fills what producers leave out but mean as "unknown" (sizes, timings, empty lists) and drops
 * informational parts they write in non-standard shapes (cache, cookie details, server address).
 * `previousTime` stands in for a missing startedDateTime (hand-written and generated HARs).
 */
export function normaliseEntry(e: Json, previousTime = 0): Json {
  if (e.startedDateTime == null || e.startedDateTime === '') {
    e.startedDateTime = new Date(previousTime).toISOString();
    e._timeMissing = true;
  }
  if (e.serverIPAddress != null) {
    const ip = str(e.serverIPAddress).trim().replace(/^\[|\](:\d+)?$/g, '');
    if (/^[\d.]+$|^[0-9a-f:.]+$/i.test(ip) && ip !== '') e.serverIPAddress = ip.replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
    else delete e.serverIPAddress;
  }
  const req = isObj(e.request) ? e.request : e.request;
  if (isObj(req)) {
    req.headers = nameValues(req.headers);
    req.queryString = nameValues(req.queryString ?? []);
    req.cookies = cookieList(req.cookies ?? []);
    req.httpVersion = str(req.httpVersion);
    req.headersSize = num(req.headersSize, -1);
    req.bodySize = num(req.bodySize, -1);
    if (req.postData !== undefined) {
      if (!isObj(req.postData)) delete req.postData;
      else {
        req.postData.mimeType = str(req.postData.mimeType);
        if (req.postData.params !== undefined) req.postData.params = nameValues(req.postData.params);
        if (req.postData.text != null) req.postData.text = str(req.postData.text);
      }
    }
  }
  if (e.response == null) {
    e.response = { status: 0, statusText: '', httpVersion: '', headers: [], cookies: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: -1 };
  } else if (isObj(e.response)) {
    const res = e.response;
    res.status = num(res.status, 0);
    res.statusText = str(res.statusText);
    res.httpVersion = str(res.httpVersion);
    res.headers = nameValues(res.headers);
    res.cookies = cookieList(res.cookies ?? []);
    res.redirectURL = str(res.redirectURL);
    res.headersSize = num(res.headersSize, -1);
    res.bodySize = num(res.bodySize, -1);
    if (!isObj(res.content)) res.content = { size: res.bodySize === -1 ? 0 : res.bodySize, mimeType: '' };
    const content = res.content as Json;
    content.mimeType = str(content.mimeType);
    content.size = num(content.size, typeof content.text === 'string' ? content.text.length : 0);
    if (content.text != null && typeof content.text !== 'string') content.text = String(content.text);
  }
  e.cache = {};
  if (!isObj(e.timings)) e.timings = { send: 0, wait: 0, receive: 0 };
  else {
    const t = e.timings;
    for (const k of ['send', 'wait', 'receive']) t[k] = num(t[k], -1);
    for (const k of ['blocked', 'dns', 'connect', 'ssl']) if (t[k] != null) t[k] = num(t[k], -1);
  }
  e.time = num(e.time, 0);
  return e;
}

function httpVersion(v: string): string {
  const t = v.trim().toLowerCase();
  if (t === 'h2' || t === 'http/2' || t === 'http/2.0') return 'HTTP/2';
  if (t === 'h3' || t === 'http/3' || t === 'http/3.0' || t.startsWith('h3-')) return 'HTTP/3';
  if (t === 'http/1.0') return 'HTTP/1.0';
  if (t === '' || t === 'unknown') return 'HTTP/1.1';
  return v.toUpperCase();
}

/** Undo a content-encoding the producer left in place (rare in HAR; seen with base64 bodies). */
function decodeContent(bytes: Uint8Array, headers: readonly Header[]): { body: Uint8Array; error: string | null } {
  const enc = headerValue(headers, 'content-encoding')?.trim().toLowerCase();
  if (!enc || enc === 'identity') return { body: bytes, error: null };
  const looksGzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return looksGzip ? { body: gunzipSync(bytes), error: null } : { body: bytes, error: null };
    if (enc === 'deflate' && bytes[0] === 0x78) return { body: inflateSync(bytes), error: null };
    if (enc === 'deflate') return { body: inflateRawSync(bytes), error: null };
    if (enc === 'br' && bytes.length > 0 && !/^[\s{[<"]/.test(String.fromCharCode(bytes[0]))) return { body: brotliDecompressSync(bytes), error: null };
  } catch (err) {
    return { body: bytes, error: `body claims ${enc} encoding but does not decode (${(err as Error).message}); kept as captured` };
  }
  return { body: bytes, error: null };
}

function websocketMessages(v: unknown): WebSocketMessage[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  return v.filter(isObj).map((m) => ({
    direction: m.type === 'send' ? 'send' : 'receive',
    // Chrome writes seconds since the epoch; keep milliseconds like every other time here.
    time: Math.round(num(m.time, 0) * (num(m.time, 0) < 1e11 ? 1000 : 1)),
    opcode: num(m.opcode, 1),
    data: str(m.data),
  }));
}

/** Maps a validated HAR entry to an Exchange; throws with a reason for entries it cannot use. */
export function entryToExchange(e: Json): Exchange {
  const req = e.request as Json;
  const res = e.response as Json;
  const time = Date.parse(str(e.startedDateTime));
  if (Number.isNaN(time)) throw new Error(`startedDateTime ${JSON.stringify(e.startedDateTime)} is not a date`);
  let url;
  try {
    url = splitUrl(str(req.url));
  } catch {
    throw new Error(`request.url ${JSON.stringify(str(req.url).slice(0, 200))} is not an absolute URL`);
  }
  const x = emptyExchange();
  Object.assign(x, url);
  x.time = time;
  x.method = str(req.method).toUpperCase() || 'GET';
  x.httpVersion = httpVersion(str(req.httpVersion) || str(res.httpVersion));
  x.requestHeaders = (req.headers as { name: string; value: string }[]).map((h) => [h.name, h.value] as const);
  const post = req.postData as Json | undefined;
  if (post) {
    if (typeof post.text === 'string' && post.text !== '') x.requestBody = new TextEncoder().encode(post.text);
    else if (Array.isArray(post.params) && post.params.length > 0) {
      x.requestBody = new TextEncoder().encode(new URLSearchParams((post.params as { name: string; value?: string }[]).map((p): [string, string] => [p.name, p.value ?? ''])).toString());
    }
  }
  const reqBodySize = num(req.bodySize, -1);
  x.requestSize = x.requestBody ? x.requestBody.length : reqBodySize > 0 ? reqBodySize : null;
  const status = num(res.status, 0);
  x.status = status > 0 ? status : null;
  x.statusText = str(res.statusText);
  x.responseHeaders = (res.headers as { name: string; value: string }[]).map((h) => [h.name, h.value] as const);
  const content = res.content as Json;
  const errors: string[] = [];
  if (typeof content.text === 'string' && (content.text !== '' || num(content.size, 0) === 0)) {
    const raw = content.encoding === 'base64' ? Buffer.from(content.text, 'base64') : new TextEncoder().encode(content.text);
    const decoded = content.encoding === 'base64' ? decodeContent(raw, x.responseHeaders) : { body: raw, error: null };
    x.responseBody = decoded.body;
    if (decoded.error) errors.push(decoded.error);
  }
  const size = num(content.size, -1);
  const bodySize = num(res.bodySize, -1);
  x.responseSize = x.responseBody ? x.responseBody.length : size >= 0 ? size : bodySize >= 0 ? bodySize : null;
  const t = num(e.time, -1);
  x.durationMs = t >= 0 ? t : null;
  const server = str(e.serverIPAddress).replace(/^\[|\]$/g, '');
  x.serverIp = server || null;
  const client = str(e._clientAddress ?? e.clientIPAddress ?? e._clientIPAddress);
  x.clientIp = client || null;
  const error = str(e._error ?? res._error ?? res._errorText);
  if (error) errors.push(error);
  if (x.status === null && !error && e._fromCache === undefined) errors.push('no response captured');
  x.error = errors.length ? errors.join('; ') : null;
  x.websocket = websocketMessages(e._webSocketMessages);
  if (x.websocket && (x.scheme === 'http' || x.scheme === 'https')) x.scheme = x.scheme === 'https' ? 'wss' : 'ws';
  const extra: Record<string, string | boolean> = {};
  if (e._resourceType) extra.resourceType = str(e._resourceType);
  if (e._timeMissing) extra.timeMissing = true;
  x.extra = Object.keys(extra).length ? extra : null;
  return x;
}

/**
 * har-validator's synchronous flavour (its callback runs before the call returns): the promise one
 * costs every entry a promise and a turn of the microtask queue.
 */
export function validateEntry(entry: Json): void {
  let failure: Error | null = null;
  harValidator.entry(entry, (error) => {
    failure = error;
  });
  if (failure) throw failure;
}

function validationReason(err: unknown): string {
  const errors = (err as { errors?: { dataPath?: string; instancePath?: string; message?: string; params?: Json }[] }).errors;
  if (!errors?.length) return (err as Error).message ?? 'invalid entry';
  return errors
    .slice(0, 3)
    .map((x) => `${(x.dataPath ?? x.instancePath ?? '').replace(/^\./, '') || 'entry'} ${x.message ?? 'is invalid'}`)
    .join('; ');
}

export const harReader: Reader = {
  id: 'har',
  label: 'HAR 1.2 (HTTP Archive)',
  producers: ['Chrome / Edge DevTools', 'Firefox DevTools', 'Safari Web Inspector', 'IE11 F12', 'Charles 4', 'Fiddler 2-5', 'HTTP Toolkit', 'mitmproxy (HAR export, .zhar)', 'OWASP ZAP (HAR export)', 'Insomnia', 'Playwright', 'Polly.JS', 'Firebug / HARP (JSONP)'],
  extensions: ['.har', '.zhar', '.harp', '.json'],
  sniff(head, name) {
    const text = headText(head).trimStart();
    const jsonp = /^[A-Za-z_$][\w$.]*\s*\(\s*\{/.test(text);
    if (!text.startsWith('{') && !jsonp) return 0;
    if (/"log"\s*:\s*\{/.test(text) && /"(entries|creator|version|pages)"\s*:/.test(text)) return 0.95;
    if (/"log"\s*:/.test(text)) return 0.8;
    return /\.(har|zhar|harp)$/i.test(name) ? 0.5 : 0;
  },
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const scanner = new HarEntryScanner();
    let previousTime = 0;
    for await (const chunk of input.chunks()) {
      if (ctx.signal.aborted) return;
      for (const item of scanner.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        if (item.kind === 'oversize') {
          yield { kind: 'skip', index: item.index, at: `entry ${item.index}`, message: `entry of ${item.size} bytes is larger than this reader accepts` };
          continue;
        }
        if (item.kind === 'not-object') {
          yield { kind: 'skip', index: item.index, at: `entry ${item.index}`, message: 'entry is not a JSON object' };
          continue;
        }
        let entry: unknown;
        try {
          entry = JSON.parse(item.bytes.toString('utf8'));
        } catch (err) {
          yield { kind: 'skip', index: item.index, at: `entry ${item.index} (offset ${item.offset})`, message: `not valid JSON: ${(err as Error).message}` };
          continue;
        }
        try {
          if (!isObj(entry)) throw new Error('entry is not a JSON object');
          const normalised = normaliseEntry(entry, previousTime);
          validateEntry(normalised);
          const exchange = entryToExchange(normalised);
          previousTime = exchange.time;
          yield { kind: 'exchange', index: item.index, exchange };
        } catch (err) {
          yield { kind: 'skip', index: item.index, at: `entry ${item.index}`, message: validationReason(err) };
        }
      }
    }
    scanner.end();
  },
};
