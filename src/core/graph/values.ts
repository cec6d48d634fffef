/**
 * What links one exchange to another: values a response hands out (object ids, cursors, tokens)
 * and the values and credentials a later request sends. Everything here is bounded per exchange
 * (body size, values taken, JSON depth) so a hostile body costs no more than a small one.
 */
import { headerValue, type Header, type StoredExchange } from '../model/exchange.ts';
import { API_KEY_HEADERS, SESSION_COOKIES } from '../model/identity.ts';
import { isIdSegment } from '../detect/template.ts';

/** Bodies larger than this are not searched for values (a 1 MB export would dominate the cost). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Values taken from one response or one request. */
export const MAX_VALUES = 48;
const MAX_DEPTH = 6;
/** Shorter strings (and numbers below 100) match by accident far too often. */
const MIN_STRING = 4;

/** Field names that hand out credentials. */
const TOKEN_KEY = /^(?:access_?token|id_?token|refresh_?token|token|jwt|session_?token|auth_?token|bearer|api_?key|session_?id|sid)$/i;
/** Field names whose values are references to something a client may ask for later. */
const ID_KEY = /(?:^id$|_id$|Id$|^uuid$|^guid$|^cursor$|^next(?:_?cursor|_?page_?token)?$|^after$|^ref(?:erence)?$|^key$|^code$|^slug$|^handle$)/;
/** Response fields whose names say they hold personal or secret data. */
const SENSITIVE: readonly [RegExp, string][] = [
  [/e-?mail/i, 'email'],
  [/phone|mobile|msisdn/i, 'phone'],
  [/(?:card|pan|cc)_?(?:number|no)?$|^last_?4$|^cvv|^iban$|^account_?number$/i, 'card'],
  [/passw(?:or)?d|secret|private_?key|^pin$/i, 'secret'],
  [/ssn|social_?security|national_?id|passport|tax_?id/i, 'government-id'],
  [/(?:^|_)address|street|postcode|zip_?code/i, 'address'],
  [/birth|^dob$/i, 'birth-date'],
];

/** What a JSON field name says about its value; names repeat endlessly, so verdicts are cached. */
interface KeyInfo {
  token: boolean;
  id: boolean;
  sensitive: string | null;
}
const keyInfos = new Map<string, KeyInfo>();
function keyInfo(key: string): KeyInfo {
  let k = keyInfos.get(key);
  if (k === undefined) {
    k = { token: TOKEN_KEY.test(key), id: ID_KEY.test(key), sensitive: SENSITIVE.find(([re]) => re.test(key))?.[1] ?? null };
    if (keyInfos.size >= 20_000) keyInfos.clear();
    keyInfos.set(key, k);
  }
  return k;
}

export interface ResponseValues {
  /** Reference values, each with the field it came from. */
  values: [value: string, field: string][];
  /** Credentials issued (JSON token fields, session cookies), each with its field. */
  tokens: [value: string, field: string][];
  sensitive: string[];
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function isJson(headers: readonly Header[], body: Uint8Array): boolean {
  const ct = headerValue(headers, 'content-type');
  if (ct !== undefined) return /json/i.test(ct);
  const c = body[0];
  return c === 0x7b || c === 0x5b; // '{' or '['
}

function parseJson(headers: readonly Header[], body: Uint8Array | null): unknown {
  if (!body || body.length === 0 || body.length > MAX_BODY_BYTES || !isJson(headers, body)) return undefined;
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
}

const JWT = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;

/** Whether a scalar is specific enough that seeing it again is evidence, not coincidence. */
function referenceValue(v: unknown, idKey: boolean): string | null {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) >= 100 ? String(v) : null;
  if (typeof v !== 'string' || v.length < MIN_STRING || v.length > 512) return null;
  if (idKey || isIdSegment(v)) return v;
  return null;
}

/** Walks a JSON document depth- and count-bounded, calling `visit` for each scalar with its key. */
function walk(doc: unknown, visit: (key: string, value: unknown) => boolean): void {
  let budget = 2000;
  // Three parallel stacks rather than a tuple per item: this runs for every response.
  const nodes: unknown[] = [doc];
  const keys: string[] = [''];
  const depths: number[] = [0];
  while (nodes.length > 0 && budget-- > 0) {
    const node = nodes.pop();
    const key = keys.pop()!;
    const depth = depths.pop()!;
    if (node !== null && typeof node === 'object') {
      if (depth >= MAX_DEPTH) continue;
      if (Array.isArray(node)) {
        // Lists: the first items say enough (a page of 1,000 orders would flood the value map).
        for (let i = Math.min(node.length, 20) - 1; i >= 0; i--) {
          nodes.push(node[i]);
          keys.push(key);
          depths.push(depth + 1);
        }
      } else {
        let n = 0;
        const start = nodes.length;
        for (const k in node as Record<string, unknown>) {
          if (n++ >= 64) break;
          nodes.push((node as Record<string, unknown>)[k]);
          keys.push(k);
          depths.push(depth + 1);
        }
        // Visit fields in document order (the stack pops the last pushed first).
        reverseFrom(nodes, start);
        reverseFrom(keys, start);
      }
    } else if (!visit(key, node)) return;
  }
}

function reverseFrom(a: unknown[], start: number): void {
  for (let i = start, j = a.length - 1; i < j; i++, j--) {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

export function responseValues(e: StoredExchange): ResponseValues {
  const out: ResponseValues = { values: [], tokens: [], sensitive: [] };
  for (const [name, value] of e.responseHeaders) {
    const n = name.toLowerCase();
    if (n === 'set-cookie') {
      const eq = value.indexOf('=');
      const semi = value.indexOf(';');
      if (eq <= 0) continue;
      const cookie = value.slice(0, eq).trim().toLowerCase();
      const v = value.slice(eq + 1, semi === -1 ? undefined : semi).trim();
      if (v.length >= 8 && SESSION_COOKIE_SET.has(cookie)) out.tokens.push([v, `cookie ${cookie}`]);
    } else if (n === 'location') {
      for (const seg of value.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[/?#&=]/)) if (isIdSegment(seg)) out.values.push([seg, 'location']);
    }
  }
  const doc = parseJson(e.responseHeaders, e.responseBody);
  if (doc === undefined) return out;
  const sensitive = new Set<string>();
  walk(doc, (key, v) => {
    const k = keyInfo(key);
    if (k.sensitive !== null) sensitive.add(k.sensitive);
    if (typeof v === 'string' && v.length >= 8 && (k.token || (v.length >= 20 && JWT.test(v)))) out.tokens.push([v, key || 'body']);
    else {
      const ref = referenceValue(v, k.id);
      if (ref !== null) out.values.push([ref, key || 'body']);
    }
    return out.values.length < MAX_VALUES && out.tokens.length < 8;
  });
  out.sensitive = [...sensitive];
  return out;
}

function pushQueryValues(query: string, out: string[]): void {
  if (query.length <= 1) return;
  for (const pair of query.slice(1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    let v = pair.slice(eq + 1);
    try {
      v = decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      // keep as written
    }
    if (v.length >= MIN_STRING || /^\d{3,}$/.test(v)) out.push(v);
    if (out.length >= MAX_VALUES) return;
  }
}

/** Values a request sends: path segments, query values, JSON or form body scalars. */
export function requestValues(e: StoredExchange): string[] {
  const out: string[] = [];
  for (const seg of e.path.split('/')) {
    if (seg.length === 0) continue;
    let s = seg;
    if (s.includes('%')) {
      try {
        s = decodeURIComponent(s);
      } catch {
        // keep as written
      }
    }
    if (s.length >= MIN_STRING || /^\d{3,}$/.test(s)) out.push(s);
  }
  pushQueryValues(e.query, out);
  const body = e.requestBody;
  if (body && body.length > 0 && body.length <= MAX_BODY_BYTES) {
    const ct = headerValue(e.requestHeaders, 'content-type') ?? '';
    if (/x-www-form-urlencoded/i.test(ct)) pushQueryValues(`?${decoder.decode(body)}`, out);
    else {
      const doc = parseJson(e.requestHeaders, body);
      if (doc !== undefined) {
        walk(doc, (_key, v) => {
          if (typeof v === 'string' ? v.length >= MIN_STRING && v.length <= 512 : typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 100) out.push(String(v));
          return out.length < MAX_VALUES;
        });
      }
    }
  }
  return out.length > MAX_VALUES ? out.slice(0, MAX_VALUES) : out;
}

const API_KEY_HEADER_SET: ReadonlySet<string> = new Set(API_KEY_HEADERS);
const SESSION_COOKIE_SET: ReadonlySet<string> = new Set(SESSION_COOKIES);

/** Credentials a request presents: bearer/other Authorization credential, API key headers, session cookies. */
export function requestCredentials(e: StoredExchange): string[] {
  const out: string[] = [];
  for (const [name, value] of e.requestHeaders) {
    const n = name.toLowerCase();
    if (n === 'authorization' || n === 'proxy-authorization') {
      const sp = value.trim().indexOf(' ');
      const cred = sp === -1 ? value.trim() : value.trim().slice(sp + 1).trim();
      if (cred.length >= 8) out.push(cred);
    } else if (API_KEY_HEADER_SET.has(n)) {
      if (value.length >= 8) out.push(value.trim());
    } else if (n === 'cookie') {
      for (const pair of value.split(/;\s*/)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        const cookie = pair.slice(0, eq).trim().toLowerCase();
        const v = pair.slice(eq + 1).trim();
        if (v.length >= 8 && SESSION_COOKIE_SET.has(cookie)) out.push(v);
      }
    }
  }
  return out;
}

/** The upstream service a gateway log says it forwarded to, as a short name. */
export function upstreamOf(e: StoredExchange): string | null {
  const x = e.extra;
  if (!x) return null;
  const raw = x.upstreamCluster ?? x.upstream;
  if (typeof raw !== 'string') return null;
  // NGINX lists every upstream tried ("10.0.0.1:80, 10.0.0.2:80"); the last one answered.
  let name = raw.split(/[,\s]+/).filter((s) => s && s !== '-').at(-1) ?? '';
  if (!name) return null;
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(name);
  if (url) name = url[1];
  return name.length > 256 ? name.slice(0, 256) : name;
}
