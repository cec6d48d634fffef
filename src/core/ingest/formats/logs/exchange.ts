import { emptyExchange, splitUrl } from '../../../model/exchange.ts';
import type { Exchange, Header, Scheme } from '../../../model/exchange.ts';

/**
 * Helpers that turn the pieces a log line holds into Exchange fields, shared by every log reader.
 * Each setter returns an error message (the line is then skipped) or null.
 */

export { emptyExchange };
export type { Exchange };

/** Log values that mean "nothing recorded". */
export function absent(v: string | undefined | null): boolean {
  return v === undefined || v === null || v === '' || v === '-';
}

/** Non-negative integer, or null for '-', '' and anything that is not one. */
export function intOrNull(v: string | number | undefined | null): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  if (v === undefined || v === null) return null;
  const len = v.length;
  if (len === 0 || len > 15) return null;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n;
}

/** HTTP status; 0 and '-' mean no response was sent. Returns undefined for garbage. */
export function statusOf(v: string | number | undefined | null): number | null | undefined {
  if (v === undefined || v === null || v === '-' || v === '' || v === 0 || v === '0') return null;
  const n = intOrNull(v);
  return n !== null && n >= 100 && n <= 999 ? n : undefined;
}

export function numberOrNull(v: string | number | undefined | null): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (absent(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function setExtra(e: Exchange, key: string, value: string | number | boolean | null | undefined): void {
  if (value === null || value === undefined || value === '' || value === '-') return;
  (e.extra ??= {})[key] = value;
}

export function addRequestHeader(e: Exchange, name: string, value: string | undefined | null): void {
  if (!absent(value)) e.requestHeaders.push([name, value as string]);
}

export function addResponseHeader(e: Exchange, name: string, value: string | undefined | null): void {
  if (!absent(value)) e.responseHeaders.push([name, value as string]);
}

/** Headers recorded as `{name: value | value[]}` (Kong, Caddy, Traefik). */
export function headersFromObject(obj: unknown): Header[] {
  const out: Header[] = [];
  if (typeof obj !== 'object' || obj === null) return out;
  const o = obj as Record<string, unknown>;
  for (const name in o) {
    const v = o[name];
    if (typeof v === 'string') out.push([name, v]);
    else if (Array.isArray(v)) for (const x of v) out.push([name, String(x)]);
    else if (v !== null && v !== undefined) out.push([name, String(v)]);
  }
  return out;
}

const DEFAULT_PORT: Record<Scheme, number> = { http: 80, https: 443, ws: 80, wss: 443 };

export function schemeOf(v: string | undefined | null): Scheme | null {
  const s = v?.toLowerCase();
  return s === 'http' || s === 'https' || s === 'ws' || s === 'wss' ? s : null;
}

/** Sets host and port from `host`, `host:port` or `[v6]:port`; a default port is dropped. */
export function setHostPort(e: Exchange, raw: string | undefined | null): void {
  if (absent(raw)) return;
  let host = raw as string;
  let port: number | null = null;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close > 0) {
      if (host.charCodeAt(close + 1) === 58) port = intOrNull(host.slice(close + 2));
      host = host.slice(1, close);
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(':') === colon) {
      port = intOrNull(host.slice(colon + 1));
      host = host.slice(0, colon);
    }
  }
  e.host = host.toLowerCase();
  setPort(e, port);
}

export function setPort(e: Exchange, port: number | null, inferTls = true): void {
  if (port === null || port <= 0 || port > 65535) return;
  // A bare :443 on a scheme-less log line says the request came over TLS.
  if (inferTls && port === 443 && e.scheme === 'http') e.scheme = 'https';
  e.port = port === DEFAULT_PORT[e.scheme] ? null : port;
}

/** Path-or-URL as a client sent it ("request target"): origin form, absolute form, `*`, authority. */
export function setTarget(e: Exchange, target: string, latin1 = false): string | null {
  if (target === '') return 'empty request target';
  if (latin1) target = encodeRawBytes(target);
  const c = target.charCodeAt(0);
  if (c === 47 /* / */) {
    const q = target.indexOf('?');
    if (q === -1) {
      e.path = target;
      e.query = '';
    } else {
      e.path = target.slice(0, q);
      e.query = q === target.length - 1 ? '' : target.slice(q);
    }
    const hash = e.query.indexOf('#');
    if (hash !== -1) e.query = e.query.slice(0, hash);
    return null;
  }
  if (target === '*') {
    e.path = '*';
    return null;
  }
  if (c === 104 /* h */) {
    // Most absolute targets gateways log: no regex, no scheme slice.
    const tls = target.startsWith('https://');
    if ((tls || target.startsWith('http://')) && splitPlainUrl(e, target, tls ? 'https' : 'http', tls ? 8 : 7)) return null;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const sep = target.indexOf('://');
    const scheme = schemeOf(target.slice(0, sep));
    if (scheme !== null && splitPlainUrl(e, target, scheme, sep + 3)) return null;
    try {
      const u = splitUrl(target);
      e.scheme = u.scheme;
      e.host = u.host;
      e.port = u.port;
      e.path = u.path;
      e.query = u.query;
      return null;
    } catch {
      return `unreadable URL ${quoteShort(target)}`;
    }
  }
  if (e.method === 'CONNECT' && /^[^\s/]+$/.test(target)) {
    setHostPort(e, target);
    return null;
  }
  // A path without its leading slash (some gateways log `$uri` that way).
  if (/^[\x21-\x7e]+$/.test(target) && !target.includes('://')) return setTarget(e, `/${target}`);
  return `request target ${quoteShort(target)} is neither a path nor a URL`;
}

/**
 * Fast path for the absolute URLs gateways log (`https://host:port/path?q`; the authority starts
 * at `from`): plain ASCII authority, no user info. Anything else goes through WHATWG URL (IDNA, odd forms).
 */
function splitPlainUrl(e: Exchange, url: string, scheme: Scheme, from: number): boolean {
  // One pass over the authority (up to / ? or #): only [A-Za-z0-9.:_-] is plain; user info,
  // percent-escapes and non-ASCII hosts need WHATWG URL (IDNA, decoding).
  let end = from;
  let colon = -1;
  let upper = false;
  for (; end < url.length; end++) {
    const c = url.charCodeAt(end);
    if (c === 47 || c === 63 || c === 35) break;
    if (c === 58) {
      if (colon !== -1) return false;
      colon = end;
    } else if (c >= 65 && c <= 90) upper = true;
    else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45)) return false;
  }
  if (end === from) return false;
  e.scheme = scheme;
  e.port = null;
  const host = url.slice(from, colon === -1 ? end : colon);
  e.host = upper ? host.toLowerCase() : host;
  if (colon !== -1) {
    const port = intOrNull(url.slice(colon + 1, end));
    if (port === null) return false;
    setPort(e, port, false);
  }
  // Path and query run from `end` to the fragment; slices are taken once, from the URL itself.
  let stop = url.indexOf('#', end);
  if (stop === -1) stop = url.length;
  let qi = url.indexOf('?', end);
  if (qi >= stop) qi = -1;
  const pathEnd = qi === -1 ? stop : qi;
  e.path = pathEnd === end ? '/' : url.slice(end, pathEnd);
  e.query = qi === -1 || qi === stop - 1 ? '' : url.slice(qi, stop);
  return true;
}

function isTokenChar(c: number): boolean {
  // RFC 9110 tchar
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || (c > 32 && c < 127 && "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));
}

export function isMethod(m: string): boolean {
  if (m.length === 0 || m.length > 24) return false;
  for (let i = 0; i < m.length; i++) if (!isTokenChar(m.charCodeAt(i))) return false;
  return true;
}

/** The shared string of a usual method ending at `end`, sparing a copy per line; null for others. */
function commonMethod(line: string, end: number): string | null {
  switch (end) {
    case 3:
      return line.startsWith('GET') ? 'GET' : line.startsWith('PUT') ? 'PUT' : null;
    case 4:
      return line.startsWith('POST') ? 'POST' : line.startsWith('HEAD') ? 'HEAD' : null;
    case 5:
      return line.startsWith('PATCH') ? 'PATCH' : null;
    case 6:
      return line.startsWith('DELETE') ? 'DELETE' : null;
    case 7:
      return line.startsWith('OPTIONS') ? 'OPTIONS' : null;
    default:
      return null;
  }
}

/** The shared string of `HTTP/1.1`, `HTTP/1.0` or `HTTP/2.0` when the line ends with it at `from`. */
function commonVersion(line: string, from: number): string | null {
  if (line.length - from !== 8) return null;
  return line.endsWith('HTTP/1.1') ? 'HTTP/1.1' : line.endsWith('HTTP/1.0') ? 'HTTP/1.0' : line.endsWith('HTTP/2.0') ? 'HTTP/2.0' : null;
}

/** `GET /a?b HTTP/1.1` (also without a version: HTTP/0.9, or truncated by the server). */
export function setRequestLine(e: Exchange, line: string, latin1 = false): string | null {
  if (absent(line)) return 'no request line recorded (the client sent no valid HTTP request)';
  const sp = line.indexOf(' ');
  if (sp === -1) return `request line ${quoteShort(line)} has no target`;
  const method = commonMethod(line, sp) ?? line.slice(0, sp);
  if (!isMethod(method)) return `request line ${quoteShort(line)} does not start with an HTTP method`;
  e.method = method;
  const last = line.lastIndexOf(' ');
  let target: string;
  if (last > sp && line.startsWith('HTTP/', last + 1)) {
    target = line.slice(sp + 1, last);
    e.httpVersion = commonVersion(line, last + 1) ?? line.slice(last + 1);
  } else {
    target = line.slice(sp + 1);
    e.httpVersion = last > sp ? e.httpVersion : 'HTTP/0.9';
  }
  const err = setTarget(e, target, latin1);
  // A client talking to this server as to a proxy (`GET http://elsewhere/…`, `CONNECT host:port`):
  // the target as sent, since the exchange's URL cannot tell it from an ordinary request.
  if (err === null && target.charCodeAt(0) !== 47 && target !== '*') setExtra(e, 'requestTarget', target);
  return err;
}

/**
 * A server access log's request line as an exchange, whatever the client sent. A line that is not
 * `METHOD target [HTTP/x]` (a TLS handshake or binary junk sent to the HTTP port, a bare word, `-`
 * when nothing arrived) is a real request scanners make and analysts want to see: it keeps its
 * first word as the method when that is a token (else `-`), the path `/`, and the request line as
 * sent (escapes undone) in `extra.rawRequest` ('' when none was logged). The log's status stays.
 */
export function setRequestLineOrRaw(e: Exchange, line: string, latin1 = false): null {
  const { scheme, host, port, httpVersion } = e;
  if (setRequestLine(e, line, latin1) === null) return null;
  const raw = line === '-' ? '' : line;
  const sp = raw.indexOf(' ');
  const word = sp === -1 ? raw : raw.slice(0, sp);
  e.method = word !== '' && isMethod(word) ? word : '-';
  e.scheme = scheme;
  e.host = host;
  e.port = port;
  e.httpVersion = httpVersion;
  e.path = '/';
  e.query = '';
  (e.extra ??= {}).rawRequest = raw;
  return null;
}

export function setMethod(e: Exchange, m: string | undefined | null): string | null {
  if (absent(m)) return 'no request method recorded';
  const s = m as string;
  if (!isMethod(s)) return `${quoteShort(s)} is not an HTTP method`;
  // A token is ASCII: only a-z change, and toUpperCase is a runtime call worth sparing per line.
  e.method = hasLowerAscii(s) ? s.toUpperCase() : s;
  return null;
}

function hasLowerAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}

/** HTTP version as exchanges carry it (`HTTP/1.1`), from `1.1`, `HTTP/2.0`, `h2`… */
export function httpVersionOf(v: string | undefined | null): string | null {
  if (absent(v)) return null;
  const s = v as string;
  if (s.startsWith('HTTP/')) return s;
  if (s === 'h2' || s === 'h2c') return 'HTTP/2';
  if (s === 'h3') return 'HTTP/3';
  if (/^\d(\.\d)?$/.test(s)) return `HTTP/${s}`;
  return null;
}

/** Percent-encodes what cannot stand raw in a URL: controls, space and non-ASCII (here Latin-1 bytes). */
export function encodeRawBytes(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) continue;
    out += s.slice(from, i) + (c < 0x100 ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(s[i] ?? ''));
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

export function quoteShort(s: string, max = 60): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(t);
}

/** Client address: strips the port from `ip:port` / `[v6]:port`, keeps bare IPv6. */
export function ipOnly(v: string | undefined | null): string | null {
  if (absent(v)) return null;
  const s = v as string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    return close > 0 ? s.slice(1, close) : s;
  }
  const colon = s.indexOf(':');
  if (colon !== -1 && colon === s.lastIndexOf(':')) return s.slice(0, colon);
  return s;
}

export function portOf(v: string | undefined | null): number | null {
  if (absent(v)) return null;
  const s = v as string;
  const colon = s.lastIndexOf(':');
  if (colon === -1 || (!s.startsWith('[') && s.indexOf(':') !== colon)) return null;
  return intOrNull(s.slice(colon + 1));
}
