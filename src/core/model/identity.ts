/**
 * Who made a request, as far as the traffic tells: the principal (JWT sub, Basic user, API key,
 * opaque bearer token, session cookie, gateway consumer) and the client IP after honouring
 * X-Forwarded-For. Secrets never become principals verbatim: keys and tokens are fingerprinted.
 */
import { hash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { Exchange, Header, Identity } from './exchange.ts';

export const API_KEY_HEADERS = ['x-api-key', 'api-key', 'apikey', 'x-apikey', 'x-auth-token', 'x-access-token', 'ocp-apim-subscription-key', 'x-gravitee-api-key', 'x-session-token'] as const;
export const API_KEY_PARAMS = ['api_key', 'apikey', 'api-key', 'key', 'access_token', 'token', 'auth_token'] as const;
export const SESSION_COOKIES = ['jsessionid', 'phpsessid', 'asp.net_sessionid', 'connect.sid', 'session', 'sessionid', 'session_id', 'sid', '_session', 'laravel_session', 'ci_session', 'auth', 'auth_token', 'access_token', 'token'] as const;
const SESSION_COOKIE_SET = new Set<string>(SESSION_COOKIES);

const fingerprint = (secret: string): string => hash('sha256', secret).slice(0, 12);
const maskedKey = (key: string): string => `${key.slice(0, 4)}…${fingerprint(key)}`;

/** The request headers identity reads, by lower-case name: the first occurrence of each, as headerValue gives. */
const IDENTITY_HEADERS = new Set<string>(['authorization', 'cookie', 'x-forwarded-for', 'x-real-ip', ...API_KEY_HEADERS]);

function identityHeaders(headers: readonly Header[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (IDENTITY_HEADERS.has(lower) && !found.has(lower)) found.set(lower, value);
  }
  return found;
}

/**
 * Credentials and client addresses repeat on every request of a session: what a header value
 * yields is remembered, so a token is decoded and fingerprinted once per import, not once per row.
 * Each memo is bounded by entries and by the characters of its keys (cleared when either is full),
 * so a hostile capture of huge unique tokens cannot grow it past a few MB.
 */
const MEMO_ENTRIES = 10_000;
const MEMO_CHARS = 2 * 1024 * 1024;
type Principal = Pick<Identity, 'principal' | 'principalKind'>;

function memo<T>(derive: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>();
  let chars = 0;
  return (key) => {
    let v = seen.get(key);
    if (v === undefined && !seen.has(key)) {
      v = derive(key);
      if (seen.size >= MEMO_ENTRIES || chars + key.length > MEMO_CHARS) {
        seen.clear();
        chars = 0;
      }
      if (key.length <= MEMO_CHARS) {
        seen.set(key, v);
        chars += key.length;
      }
    }
    return v as T;
  };
}

function decodeJwtSub(token: string): { sub: string | null } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1].length === 0 || parts[1].length > 8192) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!payload || typeof payload !== 'object') return null;
    const p = payload as Record<string, unknown>;
    const sub = p.sub ?? p.username ?? p.preferred_username ?? p.email ?? p.client_id ?? p.uid;
    return { sub: typeof sub === 'string' || typeof sub === 'number' ? String(sub) : null };
  } catch {
    return null;
  }
}

function fromAuthorization(value: string): Principal | null {
  const m = /^\s*(\w+)\s+(.+?)\s*$/.exec(value);
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  const cred = m[2];
  if (scheme === 'basic') {
    try {
      const decoded = Buffer.from(cred, 'base64').toString('utf8');
      const user = decoded.split(':', 1)[0];
      if (user) return { principal: user, principalKind: 'basic' };
    } catch {
      return null;
    }
    return null;
  }
  if (scheme === 'bearer' || scheme === 'jwt' || scheme === 'token') {
    const jwt = decodeJwtSub(cred);
    if (jwt?.sub) return { principal: jwt.sub, principalKind: 'jwt' };
    return { principal: `bearer:${fingerprint(cred)}`, principalKind: 'bearer' };
  }
  return { principal: `${scheme}:${fingerprint(cred)}`, principalKind: 'bearer' };
}

function cookies(header: string | undefined): [string, string][] {
  if (!header) return [];
  return header.split(/;\s*/).flatMap((pair) => {
    const eq = pair.indexOf('=');
    return eq > 0 ? [[pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()] as [string, string]] : [];
  });
}

const fromAuthorizationHeader = memo(fromAuthorization);
const fromApiKeyHeader = memo((v: string): Principal => {
  const jwt = decodeJwtSub(v);
  return jwt?.sub ? { principal: jwt.sub, principalKind: 'jwt' } : { principal: `key:${maskedKey(v)}`, principalKind: 'api-key' };
});

function principalOf(e: Exchange, headers: Map<string, string>): Principal {
  const consumer = e.extra?.consumer;
  if (typeof consumer === 'string' && consumer) return { principal: consumer, principalKind: 'consumer' };
  const auth = headers.get('authorization');
  if (auth) {
    const p = fromAuthorizationHeader(auth);
    if (p) return p;
  }
  for (const h of API_KEY_HEADERS) {
    const v = headers.get(h);
    if (v) return fromApiKeyHeader(v);
  }
  if (e.query) {
    const params = new URLSearchParams(e.query);
    for (const name of API_KEY_PARAMS) {
      const v = params.get(name);
      if (v && v.length >= 8) return { principal: `key:${maskedKey(v)}`, principalKind: 'api-key' };
    }
  }
  for (const [name, value] of cookies(headers.get('cookie'))) {
    if (!value) continue;
    const jwt = decodeJwtSub(value);
    if (jwt?.sub) return { principal: jwt.sub, principalKind: 'jwt' };
    if (SESSION_COOKIE_SET.has(name.toLowerCase())) return { principal: `cookie:${name}:${fingerprint(value)}`, principalKind: 'session' };
  }
  return { principal: null, principalKind: null };
}

/** An IPv4 address in the form ipaddr.js prints it (no leading zeros, no port): its own canonical text. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
/** An address and the text ipaddr.js prints for it. */
interface Parsed {
  addr: Address;
  text: string;
  /** ipaddr's range name, looked up on first use. */
  range?: string;
}

/** A canonical dotted quad, built from its octets: cheaper than ipaddr's parsing it twice (isValid, then process). */
const dottedQuad = (t: string): Parsed => ({ addr: new ipaddr.IPv4(t.split('.').map(Number)), text: t });

/** Parsed addresses by their text as written (clients repeat). */
const parseIp = memo((text: string): Parsed | null => {
  const trimmed = text.trim();
  if (CANONICAL_IPV4.test(trimmed)) return dottedQuad(trimmed);
  const t = trimmed.replace(/^\[|\](:\d+)?$/g, '').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  if (CANONICAL_IPV4.test(t)) return dottedQuad(t);
  if (!ipaddr.isValid(t)) return null;
  const addr = ipaddr.process(t);
  return { addr, text: addr.toString() };
});

/** Each list of trusted proxy CIDRs parsed once (an import passes the same list for every row); bad ones are ignored. */
const parsedCidrs = new WeakMap<readonly string[], [Address, number][]>();
function cidrsOf(list: readonly string[]): [Address, number][] {
  if (list.length === 0) return [];
  let cidrs = parsedCidrs.get(list);
  if (cidrs === undefined) {
    cidrs = list.flatMap((cidr) => {
      try {
        return [ipaddr.parseCIDR(cidr)];
      } catch {
        return [];
      }
    });
    parsedCidrs.set(list, cidrs);
  }
  return cidrs;
}

/** Proxies we trust to append to X-Forwarded-For: private, loopback and link-local by default. */
function trusted(ip: Parsed, extra: readonly string[]): boolean {
  const range = (ip.range ??= ip.addr.range());
  if (range === 'private' || range === 'loopback' || range === 'linkLocal' || range === 'uniqueLocal' || range === 'carrierGradeNat') return true;
  const addr = ip.addr;
  return cidrsOf(extra).some(([net, bits]) => net.kind() === addr.kind() && addr.match([net, bits] as never));
}

/**
 * The client IP: walking X-Forwarded-For from the right, the first hop that is not a trusted proxy
 * (so a client cannot spoof it by prepending); else X-Real-IP; else the capture's peer address.
 */
export function clientIpOf(e: Exchange, trustedProxies: readonly string[] = []): string | null {
  return clientIpFrom(e.clientIp, identityHeaders(e.requestHeaders), trustedProxies);
}

function clientIpFrom(clientIp: string | null, headers: Map<string, string>, trustedProxies: readonly string[]): string | null {
  const xff = headers.get('x-forwarded-for');
  const real = headers.get('x-real-ip');
  // Most exchanges: a plain peer address and no forwarding headers, so nothing to parse.
  if (!xff && !real && clientIp !== null && CANONICAL_IPV4.test(clientIp)) return clientIp;
  const peer = clientIp ? parseIp(clientIp) : null;
  if (xff && (!peer || trusted(peer, trustedProxies))) {
    const hops = xff.split(',').map((h) => parseIp(h)).filter((h): h is Parsed => h !== null);
    for (let i = hops.length - 1; i >= 0; i--) if (i === 0 || !trusted(hops[i], trustedProxies)) return hops[i].text;
  }
  if (real && (!peer || trusted(peer, trustedProxies))) {
    const ip = parseIp(real);
    if (ip) return ip.text;
  }
  return peer ? peer.text : (clientIp ?? null);
}

export function extractIdentity(e: Exchange, opts: { trustedProxies?: readonly string[] } = {}): Identity {
  const headers = identityHeaders(e.requestHeaders);
  return { ...principalOf(e, headers), ip: clientIpFrom(e.clientIp, headers, opts.trustedProxies ?? []) };
}
