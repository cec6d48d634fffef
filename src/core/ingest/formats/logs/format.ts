import type { Exchange } from '../../../model/exchange.ts';
import {
  absent, addRequestHeader, addResponseHeader, emptyExchange, httpVersionOf, intOrNull, ipOnly, quoteShort, schemeOf,
  setExtra, setHostPort, setMethod, setPort, setRequestLineOrRaw, setTarget, statusOf,
} from './exchange.ts';
import { parseAnyTime, parseClfTime, parseIsoTime } from './time.ts';

/**
 * Compiles an NGINX `log_format` or Apache `LogFormat` string into a line matcher.
 *
 * The format becomes literal / field / literal / … . Matching walks the line once: each field ends
 * where the next literal starts, found with indexOf (unquoted fields end at the literal's first
 * character; quoted fields end at the first unescaped quote followed by the rest of the literal);
 * the last literal is anchored at the end of the line. No regular expression, no backtracking.
 */

export type FormatKind = 'nginx' | 'apache';

/** Per-line facts that need each other (host before port, path before query). */
interface Pending {
  host: string | null;
  port: number | null;
  scheme: string | null;
  path: string | null;
  query: string | null;
  bytesSent: number | null;
  latin1: boolean;
}

type Apply = (e: Exchange, v: string, p: Pending) => string | null;

export interface Field {
  /** As written in the format, for messages: `$request_time`, `%{Referer}i`. */
  readonly label: string;
  readonly quoted: boolean;
  readonly apply: Apply;
  /** A character every value starts with, which lets it follow another field directly (`$host$request_uri`). */
  readonly startsWith: string | null;
}

export interface CompiledFormat {
  readonly kind: FormatKind;
  readonly source: string;
  /** literals.length === fields.length + 1 */
  readonly literals: readonly string[];
  readonly fields: readonly Field[];
  /** Fills `values` and returns -1 when the line fits; else the index of the field it stopped at. */
  match(line: string, values: string[]): number;
  /** Builds the exchange from matched values, or says why the values make no sense. */
  build(values: readonly string[], latin1: boolean): Exchange | string;
}

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

export function detectKind(format: string): FormatKind {
  const nginx = (format.match(/\$\{?[a-zA-Z_]/g) ?? []).length;
  const apache = (format.match(/%[!<>0-9,]*(\{[^}]*\})?[a-zA-Z]/g) ?? []).length;
  return nginx > apache ? 'nginx' : 'apache';
}

// ---------------------------------------------------------------------------------------------
// Field vocabulary

const setClientIp: Apply = (e, v) => {
  if (!absent(v)) e.clientIp = v;
  return null;
};
const setUser: Apply = (e, v) => {
  setExtra(e, 'user', v);
  return null;
};
/** identd is never used; a dotted value there is the virtual host some hosters (OVH) log. */
const setIdent: Apply = (e, v, p) => {
  if (absent(v)) return null;
  if (v.includes('.') && p.host === null) p.host = v;
  else setExtra(e, 'ident', v);
  return null;
};
const timeWith = (parse: (s: string) => number, what: string): Apply => (e, v) => {
  const t = parse(v);
  if (Number.isNaN(t)) return `unreadable ${what} ${quoteShort(v)}`;
  e.time = t;
  return null;
};
const setTimeClf = timeWith(parseClfTime, 'time');
const setTimeIso = timeWith(parseIsoTime, 'ISO 8601 time');
const setTimeAny = timeWith(parseAnyTime, 'time');
const setTimeMsec = timeWith((s) => (/^\d+(\.\d+)?$/.test(s) ? Math.round(Number(s) * 1000) : NaN), 'epoch time');
const setRequest: Apply = (e, v, p) => setRequestLineOrRaw(e, v, p.latin1);
const setMethodF: Apply = (e, v) => setMethod(e, v);
const setRequestUri: Apply = (e, v, p) => (absent(v) ? null : setTarget(e, v, p.latin1));
const setPath: Apply = (e, v, p) => {
  if (!absent(v)) p.path = v;
  return null;
};
const setQuery: Apply = (e, v, p) => {
  if (!absent(v)) p.query = v.startsWith('?') ? v : `?${v}`;
  return null;
};
const setProtocol: Apply = (e, v) => {
  const hv = httpVersionOf(v);
  if (hv) e.httpVersion = hv;
  return null;
};
const setScheme: Apply = (e, v, p) => {
  p.scheme = v;
  return null;
};
const setHost: Apply = (e, v, p) => {
  if (!absent(v)) p.host = v;
  return null;
};
const setPortF: Apply = (e, v, p) => {
  p.port = intOrNull(v);
  return null;
};
const setStatus: Apply = (e, v) => {
  const s = statusOf(v);
  if (s === undefined) return `status ${quoteShort(v)} is not an HTTP status`;
  e.status = s;
  return null;
};
const sizeInto = (key: 'responseSize' | 'requestSize'): Apply => (e, v) => {
  if (absent(v)) return null;
  const n = intOrNull(v);
  if (n === null) return `size ${quoteShort(v)} is not a number`;
  e[key] = n;
  return null;
};
const setBodyBytes = sizeInto('responseSize');
const setRequestLength = sizeInto('requestSize');
const setBytesSent: Apply = (e, v, p) => {
  p.bytesSent = intOrNull(v);
  return null;
};
const durationScaled = (toMs: number): Apply => (e, v) => {
  if (absent(v)) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) return `duration ${quoteShort(v)} is not a number`;
  e.durationMs = Math.round(n * toMs * 1000) / 1000;
  return null;
};
const setServerIp: Apply = (e, v) => {
  if (!absent(v)) e.serverIp = ipOnly(v);
  return null;
};
const extra = (key: string): Apply => (e, v) => {
  setExtra(e, key, v);
  return null;
};
const requestHeader = (name: string): Apply => (e, v) => {
  addRequestHeader(e, name, v);
  return null;
};
const responseHeader = (name: string): Apply => (e, v) => {
  addResponseHeader(e, name, v);
  return null;
};
const ignore: Apply = () => null;

/** `user_agent` → `User-Agent`, with the usual spelling of a few. */
function headerName(snake: string): string {
  const special: Record<string, string> = { referer: 'Referer', x_forwarded_for: 'X-Forwarded-For', dnt: 'DNT', www_authenticate: 'WWW-Authenticate' };
  const lower = snake.toLowerCase();
  return special[lower] ?? lower.split(/[_-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('-');
}

const NGINX_VARS: Record<string, Apply> = {
  remote_addr: setClientIp,
  realip_remote_addr: setClientIp,
  binary_remote_addr: ignore,
  remote_user: setUser,
  ident: setIdent,
  time_local: setTimeClf,
  time_iso8601: setTimeIso,
  msec: setTimeMsec,
  request: setRequest,
  request_method: setMethodF,
  request_uri: setRequestUri,
  uri: setPath,
  document_uri: setPath,
  args: setQuery,
  query_string: setQuery,
  server_protocol: setProtocol,
  scheme: setScheme,
  host: setHost,
  http_host: setHost,
  server_name: setHost,
  vhost: setHost,
  server_port: setPortF,
  status: setStatus,
  body_bytes_sent: setBodyBytes,
  bytes_sent: setBytesSent,
  request_length: setRequestLength,
  request_time: durationScaled(1000),
  server_addr: setServerIp,
  upstream_addr: extra('upstream'),
  upstream_response_time: extra('upstreamResponseTime'),
  upstream_connect_time: extra('upstreamConnectTime'),
  upstream_header_time: extra('upstreamHeaderTime'),
  upstream_status: extra('upstreamStatus'),
  request_id: extra('requestId'),
  ssl_protocol: extra('tlsProtocol'),
  ssl_cipher: extra('tlsCipher'),
  ssl_server_name: extra('sni'),
  connection: extra('connection'),
  connection_requests: extra('connectionRequests'),
  pipe: ignore,
  gzip_ratio: extra('gzipRatio'),
  // Traefik's CLF extension, named here so its built-in format can be written as a log_format.
  traefik_request_count: extra('requestCount'),
  traefik_router: extra('router'),
  traefik_server_url: extra('upstream'),
  traefik_duration_ms: durationScaled(1),
};

function nginxVar(name: string): Apply {
  const known = NGINX_VARS[name];
  if (known) return known;
  if (name.startsWith('http_')) return requestHeader(headerName(name.slice(5)));
  if (name.startsWith('sent_http_')) return responseHeader(headerName(name.slice(10)));
  if (name.startsWith('upstream_http_')) return extra(`upstream.${name.slice(14)}`);
  if (name.startsWith('cookie_')) return extra(`cookie.${name.slice(7)}`);
  if (name.startsWith('arg_')) return extra(`arg.${name.slice(4)}`);
  return extra(name);
}

/** Apache directive letter (and `{arg}`) to a field. */
function apacheDirective(letter: string, arg: string | null): Apply {
  switch (letter) {
    case 'h': case 'a':
      return arg === 'c' || arg === null || letter === 'h' ? setClientIp : extra(`a.${arg}`);
    case 'l': return setIdent;
    case 'u': return setUser;
    case 't':
      if (arg === null) return timeWith((v) => parseClfTime(v.charCodeAt(0) === 91 ? v.slice(1, -1) : v), 'time');
      if (arg === 'sec' || arg === 'msec' || arg === 'usec') return timeWith((s) => (/^\d+$/.test(s) ? Number(s) * (arg === 'sec' ? 1000 : arg === 'msec' ? 1 : 0.001) : NaN), 'epoch time');
      if (arg === 'msec_frac' || arg === 'usec_frac') return ignore;
      return setTimeAny;
    case 'r': return setRequest;
    case 'm': return setMethodF;
    case 'U': return setPath;
    case 'q': return setQuery;
    case 'H': return setProtocol;
    case 's': return setStatus;
    case 'b': case 'B': return setBodyBytes;
    case 'O': return setBytesSent;
    case 'I': return setRequestLength;
    case 'S': return extra('bytesTransferred');
    case 'D': return durationScaled(0.001);
    case 'T':
      return arg === 'ms' ? durationScaled(1) : arg === 'us' ? durationScaled(0.001) : durationScaled(1000);
    case 'v': case 'V': return setHost;
    case 'p': return arg === 'remote' ? extra('remotePort') : setPortF;
    case 'A': return setServerIp;
    case 'i': return arg ? requestHeader(arg) : ignore;
    case 'o': return arg ? responseHeader(arg) : ignore;
    case 'e': return extra(`env.${arg ?? ''}`);
    case 'n': return extra(`note.${arg ?? ''}`);
    case 'C': return extra(`cookie.${arg ?? ''}`);
    case 'L': return extra('logId');
    case 'X': return extra('connectionStatus');
    case 'k': return extra('keepaliveRequests');
    case 'R': return extra('handler');
    case 'f': return extra('filename');
    case 'P': return extra('pid');
    case '^':
      return ignore;
    default:
      throw new FormatError(`unknown Apache log directive %${letter}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing the format string

interface Piece {
  label: string;
  apply: Apply;
  startsWith?: string;
}

const PATH_VARS = new Set(['request_uri', 'uri', 'document_uri']);

/** Variables a built-in format may add to the vocabulary (they see the exchange and the raw value). */
export type ExtraVars = Readonly<Record<string, (e: Exchange, v: string) => string | null>>;

function tokenizeNginx(format: string, extraVars: ExtraVars): (string | Piece)[] {
  const out: (string | Piece)[] = [];
  let lit = '';
  for (let i = 0; i < format.length; ) {
    const c = format[i];
    if (c === '$') {
      let name: string | null = null;
      let end = i + 1;
      if (format[end] === '{') {
        const close = format.indexOf('}', end);
        if (close === -1) throw new FormatError(`unclosed \${ at position ${i + 1}`);
        name = format.slice(end + 1, close);
        end = close + 1;
      } else {
        const m = /^[a-zA-Z0-9_]+/.exec(format.slice(end));
        if (m) {
          name = m[0];
          end += name.length;
        }
      }
      if (!name) {
        lit += c;
        i++;
        continue;
      }
      const own = extraVars[name];
      const lower = name.toLowerCase();
      out.push(lit, { label: `$${name}`, apply: own ? (e, v) => own(e, v) : nginxVar(lower), ...(PATH_VARS.has(lower) ? { startsWith: '/' } : {}) });
      lit = '';
      i = end;
    } else {
      lit += c;
      i++;
    }
  }
  out.push(lit);
  return out;
}

function tokenizeApache(format: string): (string | Piece)[] {
  const out: (string | Piece)[] = [];
  let lit = '';
  const unescaped = format.replace(/\\(["\\nt])/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
  for (let i = 0; i < unescaped.length; ) {
    const c = unescaped[i];
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (unescaped[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    // %[!][status,list][<>]{arg}X
    const m = /^%(!?[0-9,]*)?([<>]?)(?:\{([^}]*)\})?([a-zA-Z^])/.exec(unescaped.slice(i));
    if (!m) throw new FormatError(`unreadable Apache directive at position ${i + 1}: ${quoteShort(unescaped.slice(i, i + 12))}`);
    let letter = m[4] ?? '';
    let len = m[0].length;
    if (letter === '^') {
      // %^ti / %^to: trailers, two letters
      letter = unescaped.slice(i + len - 1, i + len + 2);
      len += 2;
    }
    out.push(lit, {
      label: unescaped.slice(i, i + len),
      apply: letter.startsWith('^') ? ignore : apacheDirective(letter, m[3] ?? null),
      ...(letter === 'U' ? { startsWith: '/' } : {}),
    });
    lit = '';
    i += len;
  }
  out.push(lit);
  return out;
}

export function compileFormat(source: string, kind: FormatKind = detectKind(source), extraVars: ExtraVars = {}): CompiledFormat {
  const text = source.trim().replace(/^'(.*)'$/s, '$1').replace(/^"(.*)"$/s, '$1');
  const tokens = kind === 'nginx' ? tokenizeNginx(text, extraVars) : tokenizeApache(text);
  const literals: string[] = [];
  const fields: Field[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (typeof t === 'string') literals.push(t);
    else if (t) {
      const before = literals[literals.length - 1] ?? '';
      const after = tokens[i + 1];
      const afterText = typeof after === 'string' ? after : '';
      fields.push({ label: t.label, quoted: before.endsWith('"') && afterText.startsWith('"'), apply: t.apply, startsWith: t.startsWith ?? null });
    }
  }
  if (fields.length === 0) throw new FormatError(`the ${kind} log format ${quoteShort(text)} has no variables`);
  for (let i = 1; i < fields.length; i++) {
    if (literals[i] === '' && fields[i]?.startsWith === null) {
      throw new FormatError(`${fields[i - 1]?.label} and ${fields[i]?.label} touch with nothing between them, so a line cannot be split between them`);
    }
  }
  return new Compiled(kind, text, literals, fields);
}

class Compiled implements CompiledFormat {
  readonly kind: FormatKind;
  readonly source: string;
  readonly literals: readonly string[];
  readonly fields: readonly Field[];
  private readonly pending: Pending = { host: null, port: null, scheme: null, path: null, query: null, bytesSent: null, latin1: false };
  constructor(kind: FormatKind, source: string, literals: string[], fields: Field[]) {
    this.kind = kind;
    this.source = source;
    this.literals = literals;
    this.fields = fields;
  }

  match(line: string, values: string[]): number {
    const lits = this.literals;
    const fields = this.fields;
    const n = fields.length;
    const head = lits[0] as string;
    if (head !== '' && !line.startsWith(head)) return 0;
    let pos = head.length;
    const tail = lits[n] as string;
    const end = line.length - tail.length;
    if (end < pos || (tail !== '' && !line.endsWith(tail))) return n - 1;
    for (let i = 0; i < n - 1; i++) {
      const lit = lits[i + 1] as string;
      let at: number;
      if (lit === '') {
        // Two fields back to back: the second one's first character is the boundary.
        at = line.indexOf((fields[i + 1] as Field).startsWith as string, pos);
      } else if ((fields[i] as Field).quoted) {
        at = findClosingQuote(line, lit, pos, end);
      } else {
        // A bracketed value (Apache's %t) may hold the delimiter: look past its closing bracket.
        const from = line.charCodeAt(pos) === 91 ? line.indexOf(']', pos) : pos;
        at = from === -1 ? -1 : line.indexOf(lit.charAt(0), from);
        if (at !== -1 && lit.length > 1 && !line.startsWith(lit, at)) at = -1;
      }
      if (at === -1 || at > end) return i;
      values[i] = line.slice(pos, at);
      pos = at + lit.length;
    }
    if (pos > end) return n - 1;
    values[n - 1] = line.slice(pos, end);
    return -1;
  }

  build(values: readonly string[], latin1: boolean): Exchange | string {
    const e = emptyExchange();
    e.time = NaN;
    // One Pending per format, reset per line: build never runs re-entrantly.
    const p = this.pending;
    p.host = null;
    p.port = null;
    p.scheme = null;
    p.path = null;
    p.query = null;
    p.bytesSent = null;
    p.latin1 = latin1;
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as Field;
      let v = values[i] as string;
      if (v.indexOf('\\') !== -1) {
        const d = unescapeLogValue(v);
        v = d.text;
        if (d.latin1) p.latin1 = true;
      }
      const err = f.apply(e, v, p);
      if (err !== null) return `${f.label}: ${err}`;
    }
    if (Number.isNaN(e.time)) return 'the line has no time';
    if (p.path !== null) {
      const err = setTarget(e, p.path + (p.query ?? ''), p.latin1);
      if (err) return err;
    } else if (p.query !== null) e.query = p.query;
    const scheme = schemeOf(p.scheme);
    if (scheme) e.scheme = scheme;
    if (p.host !== null) setHostPort(e, p.host);
    if (p.port !== null) setPort(e, p.port);
    if (p.bytesSent !== null) {
      if (e.responseSize === null) e.responseSize = p.bytesSent;
      else setExtra(e, 'bytesSent', p.bytesSent);
    }
    if (p.latin1) setExtra(e, 'encoding', 'latin1 (not valid UTF-8)');
    return e;
  }
}

/** First `"` not escaped by a backslash, followed by the rest of the literal. */
function findClosingQuote(line: string, lit: string, from: number, end: number): number {
  let at = line.indexOf('"', from);
  while (at !== -1 && at <= end) {
    let bs = 0;
    for (let j = at - 1; j >= from && line.charCodeAt(j) === 92; j--) bs++;
    if (bs % 2 === 0 && (lit.length === 1 || line.startsWith(lit, at))) return at;
    at = line.indexOf('"', at + 1);
  }
  return -1;
}

/**
 * NGINX writes `"`, `\` and bytes outside printable ASCII as `\xHH`; Apache writes `\"`, `\\`,
 * `\n`, `\t` and `\xhh`. Both are undone; the bytes are read as UTF-8, else as Latin-1.
 */
export function unescapeLogValue(v: string): { text: string; latin1: boolean } {
  const bytes: number[] = [];
  let nonAscii = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 && i + 1 < v.length) {
      const n = v[i + 1];
      if ((n === 'x' || n === 'X') && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 2, i + 4))) {
        const b = parseInt(v.slice(i + 2, i + 4), 16);
        if (b > 0x7f) nonAscii = true;
        bytes.push(b);
        i += 3;
        continue;
      }
      const simple = n === '"' ? 34 : n === '\\' ? 92 : n === 'n' ? 10 : n === 't' ? 9 : n === 'r' ? 13 : -1;
      if (simple !== -1) {
        bytes.push(simple);
        i += 1;
        continue;
      }
    }
    if (c > 0x7f) {
      // Already-decoded text around the escapes: keep it as UTF-8 bytes.
      const cp = v.codePointAt(i) as number;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      if (cp > 0xffff) i++;
      nonAscii = true;
    } else bytes.push(c);
  }
  const buf = Buffer.from(bytes);
  if (!nonAscii) return { text: buf.toString('latin1'), latin1: false };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return text.includes('\ufffd') ? { text: buf.toString('latin1'), latin1: true } : { text, latin1: false };
}
