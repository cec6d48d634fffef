import { isUtf8 } from 'node:buffer';
import { headerValue, splitUrl } from '../../../model/exchange.ts';
import type { Exchange, Header, Scheme } from '../../../model/exchange.ts';
import { decodeContent, DEFAULT_MAX_DECODED_BYTES } from './content.ts';

/**
 * HTTP/1.x messages as raw bytes, shared by every reader that sees the wire format (Burp, Fiddler
 * .saz, ZAP message exports, pcap). Parsing is lenient where producers are sloppy (bare LF line
 * ends, obs-fold) and strict where a wrong guess would mis-frame the next message (start lines,
 * Content-Length, chunk sizes).
 */

export class HttpParseError extends Error {
  override name = 'HttpParseError';
}

export interface RequestHead {
  readonly kind: 'request';
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: Header[];
  /** Offset of the first body byte (just after the blank line). */
  readonly bodyStart: number;
}

export interface ResponseHead {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly headers: Header[];
  readonly bodyStart: number;
}

export type HttpHead = RequestHead | ResponseHead;

/** Largest header block we look for an end in; past it the bytes are not an HTTP head. */
export const MAX_HEAD_BYTES = 256 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S+) +(HTTP\/\d(?:\.\d)?) *$/;
const STATUS_LINE = /^(HTTP\/\d(?:\.\d)?) +(\d{3})(?: (.*))?$/;

/** Where the header block ends: the blank line (CRLF CRLF, or bare LF LF), or null when not yet seen. */
export function findHeadEnd(buf: Uint8Array, from = 0): { headEnd: number; bodyStart: number } | null {
  const b = buf as Buffer;
  const limit = Math.min(buf.length, from + MAX_HEAD_BYTES);
  for (let i = b.indexOf(0x0a, from); i !== -1 && i < limit; i = b.indexOf(0x0a, i + 1)) {
    const next = buf[i + 1];
    if (next === 0x0a) return { headEnd: i, bodyStart: i + 2 };
    if (next === 0x0d && buf[i + 2] === 0x0a) return { headEnd: i, bodyStart: i + 3 };
  }
  if (buf.length - from > MAX_HEAD_BYTES) throw new HttpParseError(`no end of the header block within ${MAX_HEAD_BYTES / 1024} KiB`);
  return null;
}

function headText(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** Parses the start line and headers at `from`; null when the head is not complete yet. */
export function parseHead(buf: Uint8Array, from = 0, expect?: 'request' | 'response'): HttpHead | null {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // Tolerate blank lines before a message (RFC 9112 §2.2) and after a body some tools add.
  let start = from;
  while (start < b.length && (b[start] === 0x0d || b[start] === 0x0a)) start++;
  if (start >= b.length) return null;
  const end = findHeadEnd(b, start);
  if (!end) {
    // A partial first line that already cannot start a message is an error now, not later.
    const firstLine = b.subarray(start, Math.min(b.length, start + 32)).toString('latin1');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z/-]*( |$)/.test(firstLine)) throw new HttpParseError(`does not start with an HTTP start line: ${JSON.stringify(firstLine)}`);
    return null;
  }
  const lines = headText(b.subarray(start, end.headEnd)).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const first = lines[0] ?? '';
  const headers: Header[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if ((line.startsWith(' ') || line.startsWith('\t')) && headers.length > 0) {
      const [n, v] = headers[headers.length - 1];
      headers[headers.length - 1] = [n, `${v} ${line.trim()}`];
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header; RFC 9112 lets a recipient ignore it
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) continue;
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  const status = STATUS_LINE.exec(first);
  if (status && expect !== 'request') {
    return { kind: 'response', version: status[1], status: Number(status[2]), reason: (status[3] ?? '').trim(), headers, bodyStart: end.bodyStart };
  }
  const request = REQUEST_LINE.exec(first);
  if (request && expect !== 'response') {
    return { kind: 'request', method: request[1].toUpperCase(), target: request[2], version: request[3], headers, bodyStart: end.bodyStart };
  }
  throw new HttpParseError(`not an HTTP ${expect ?? 'message'} start line: ${JSON.stringify(first.slice(0, 120))}`);
}

export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

/** How the body of this message ends (RFC 9112 §6.3); `requestMethod` matters for responses. */
export function framing(head: HttpHead, requestMethod?: string): Framing {
  if (head.kind === 'response') {
    if ((head.status >= 100 && head.status < 200) || head.status === 204 || head.status === 304 || requestMethod === 'HEAD') return { kind: 'none' };
    if (requestMethod === 'CONNECT' && head.status >= 200 && head.status < 300) return { kind: 'none' };
  }
  const te = headerValue(head.headers, 'transfer-encoding');
  if (te && /(^|,)\s*chunked\s*$/i.test(te)) return { kind: 'chunked' };
  const cl = headerValue(head.headers, 'content-length');
  if (cl !== undefined) {
    const values = new Set(cl.split(',').map((v) => v.trim()));
    const [only] = values;
    if (values.size !== 1 || !/^\d{1,15}$/.test(only)) throw new HttpParseError(`invalid Content-Length ${JSON.stringify(cl.slice(0, 40))}`);
    return { kind: 'length', length: Number(only) };
  }
  return head.kind === 'response' ? { kind: 'close' } : { kind: 'none' };
}

export interface Dechunked {
  body: Buffer;
  /** Offset just past the last chunk and its trailers. */
  end: number;
  trailers: Header[];
}

/** Removes chunked transfer coding starting at `from`; null when the chunks are not all there yet. */
export function dechunk(buf: Buffer, from: number, maxBytes: number): Dechunked | null {
  const parts: Buffer[] = [];
  let size = 0;
  let pos = from;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl === -1) {
      if (buf.length - pos > 1024) throw new HttpParseError('chunk size line is longer than 1 KiB');
      return null;
    }
    const line = buf.subarray(pos, nl).toString('latin1').trim();
    const sizeText = line.split(';', 1)[0].trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw new HttpParseError(`invalid chunk size ${JSON.stringify(line.slice(0, 40))} at body offset ${pos - from}`);
    const n = parseInt(sizeText, 16);
    pos = nl + 1;
    if (n === 0) {
      // Trailer section: header lines up to a blank line.
      const trailers: Header[] = [];
      for (;;) {
        const tnl = buf.indexOf(0x0a, pos);
        if (tnl === -1) return null;
        const t = buf.subarray(pos, tnl).toString('latin1').replace(/\r$/, '');
        pos = tnl + 1;
        if (t === '') return { body: Buffer.concat(parts, size), end: pos, trailers };
        const c = t.indexOf(':');
        if (c > 0) trailers.push([t.slice(0, c).trim(), t.slice(c + 1).trim()]);
      }
    }
    if (size + n > maxBytes) throw new HttpParseError(`chunked body exceeds the ${maxBytes.toLocaleString('en-US')}-byte limit`);
    if (buf.length < pos + n) return null;
    parts.push(buf.subarray(pos, pos + n));
    size += n;
    pos += n;
    if (buf[pos] === 0x0d) pos++;
    if (pos >= buf.length) return null;
    if (buf[pos] === 0x0a) pos++;
    else throw new HttpParseError(`chunk of ${n} bytes is not followed by a line end`);
  }
}

export interface Body {
  /** Body as it was sent, transfer coding removed. */
  raw: Uint8Array;
  /** Content coding removed where possible. */
  decoded: Uint8Array;
  errors: string[];
}

/**
 * The body of a message captured whole (Burp item, Fiddler session file, ZAP message): everything
 * after the head, transfer coding removed, truncation reported, content coding undone.
 */
export function completeBody(buf: Buffer, head: HttpHead, requestMethod?: string, maxDecoded = DEFAULT_MAX_DECODED_BYTES): Body {
  const errors: string[] = [];
  let rest = buf.subarray(head.bodyStart);
  let f: Framing;
  try {
    f = framing(head, requestMethod);
  } catch (err) {
    errors.push((err as Error).message);
    f = { kind: 'close' };
  }
  if (f.kind === 'chunked') {
    try {
      const d = dechunk(rest, 0, Math.max(maxDecoded, rest.length));
      if (d) rest = d.body;
      else errors.push('chunked body is truncated; kept as captured');
    } catch (err) {
      errors.push(`${(err as Error).message}; body kept as captured`);
    }
  } else if (f.kind === 'length') {
    if (rest.length < f.length) errors.push(`body truncated: ${rest.length} of ${f.length} bytes (Content-Length) captured`);
    else rest = rest.subarray(0, f.length);
  }
  const decoded = decodeContent(rest, head.headers, maxDecoded);
  if (decoded.error) errors.push(decoded.error);
  return { raw: rest, decoded: decoded.body, errors };
}

/** Host and port of an authority ("example.com:8080", "[::1]:443"); null when it is not one. */
export function splitAuthority(authority: string, scheme: Scheme): { host: string; port: number | null } | null {
  if (authority === '' || /[\s/?#@]/.test(authority)) return null;
  try {
    const u = splitUrl(`${scheme}://${authority}/`);
    return u.host ? { host: u.host, port: u.port } : null;
  } catch {
    return null;
  }
}

export interface TargetDefaults {
  scheme: Scheme;
  /** Where the connection went, used when the request names no host (no Host header). */
  host?: string;
  port?: number | null;
}

/**
 * Fills method, URL, version and headers of `x` from a request head. Absolute-form targets (proxy
 * requests) carry their own URL; origin-form ones take the host from the Host header, else from
 * where the connection went. Throws when there is no host to be had.
 */
export function applyRequestHead(x: Exchange, head: RequestHead, defaults: TargetDefaults): void {
  x.method = head.method;
  x.httpVersion = head.version;
  x.requestHeaders = head.headers;
  const target = head.target;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    Object.assign(x, splitUrl(target));
    return;
  }
  const hostHeader = headerValue(head.headers, 'host');
  const authority = (head.method === 'CONNECT' ? target : hostHeader) ?? '';
  const fromHeader = splitAuthority(authority.trim(), defaults.scheme);
  const host = fromHeader?.host ?? defaults.host?.toLowerCase();
  if (!host) throw new HttpParseError(`request ${JSON.stringify(target.slice(0, 80))} names no host (no Host header)`);
  x.scheme = defaults.scheme;
  x.host = host.replace(/^\[|\]$/g, '');
  const defaultPort = defaults.scheme === 'https' || defaults.scheme === 'wss' ? 443 : 80;
  const port = fromHeader ? fromHeader.port : (defaults.port ?? null);
  x.port = port !== null && port !== defaultPort ? port : null;
  if (head.method === 'CONNECT' || target === '*') {
    x.path = '/';
    x.query = '';
    x.extra = { ...x.extra, requestTarget: target };
    return;
  }
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  x.path = path.startsWith('/') ? path : `/${path}`;
  x.query = q === -1 || q === target.length - 1 ? '' : target.slice(q).split('#', 1)[0];
}

/** Fills status, version and headers of `x` from a response head. */
export function applyResponseHead(x: Exchange, head: ResponseHead): void {
  x.status = head.status;
  x.statusText = head.reason;
  x.responseHeaders = head.headers;
  if (!x.httpVersion) x.httpVersion = head.version;
}
