/**
 * Who made a request, as far as the traffic tells: the principal (JWT sub, Basic user, API key,
 * opaque bearer token, session cookie, gateway consumer) and the client IP after honouring
 * X-Forwarded-For. Secrets never become principals verbatim: keys and tokens are fingerprinted.
 */
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { headerValue, type Exchange, type Identity } from './exchange.ts';

export const API_KEY_HEADERS = ['x-api-key', 'api-key', 'apikey', 'x-apikey', 'x-auth-token', 'x-access-token', 'ocp-apim-subscription-key', 'x-gravitee-api-key', 'x-session-token'] as const;
export const API_KEY_PARAMS = ['api_key', 'apikey', 'api-key', 'key', 'access_token', 'token', 'auth_token'] as const;
export const SESSION_COOKIES = ['jsessionid', 'phpsessid', 'asp.net_sessionid', 'connect.sid', 'session', 'sessionid', 'session_id', 'sid', '_session', 'laravel_session', 'ci_session', 'auth', 'auth_token', 'access_token', 'token'] as const;
const SESSION_COOKIE_SET = new Set<string>(SESSION_COOKIES);

const fingerprint = (secret: string): string => createHash('sha256').update(secret).digest('hex').slice(0, 12);
const maskedKey = (key: string): string => `${key.slice(0, 4)}…${fingerprint(key)}`;

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

function fromAuthorization(value: string): Pick<Identity, 'principal' | 'principalKind'> | null {
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

function principalOf(e: Exchange): Pick<Identity, 'principal' | 'principalKind'> {
  const consumer = e.extra?.consumer;
  if (typeof consumer === 'string' && consumer) return { principal: consumer, principalKind: 'consumer' };
  const auth = headerValue(e.requestHeaders, 'authorization');
  if (auth) {
    const p = fromAuthorization(auth);
    if (p) return p;
  }
  for (const h of API_KEY_HEADERS) {
    const v = headerValue(e.requestHeaders, h);
    if (v) {
      const jwt = decodeJwtSub(v);
      return jwt?.sub ? { principal: jwt.sub, principalKind: 'jwt' } : { principal: `key:${maskedKey(v)}`, principalKind: 'api-key' };
    }
  }
  if (e.query) {
    const params = new URLSearchParams(e.query);
    for (const name of API_KEY_PARAMS) {
      const v = params.get(name);
      if (v && v.length >= 8) return { principal: `key:${maskedKey(v)}`, principalKind: 'api-key' };
    }
  }
  for (const [name, value] of cookies(headerValue(e.requestHeaders, 'cookie'))) {
    if (!value) continue;
    const jwt = decodeJwtSub(value);
    if (jwt?.sub) return { principal: jwt.sub, principalKind: 'jwt' };
    if (SESSION_COOKIE_SET.has(name.toLowerCase())) return { principal: `cookie:${name}:${fingerprint(value)}`, principalKind: 'session' };
  }
  return { principal: null, principalKind: null };
}

function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const t = text.trim().replace(/^\[|\](:\d+)?$/g, '').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  if (!ipaddr.isValid(t)) return null;
  return ipaddr.process(t);
}

/** Proxies we trust to append to X-Forwarded-For: private, loopback and link-local by default. */
function trusted(addr: ipaddr.IPv4 | ipaddr.IPv6, extra: readonly string[]): boolean {
  const range = addr.range();
  if (range === 'private' || range === 'loopback' || range === 'linkLocal' || range === 'uniqueLocal' || range === 'carrierGradeNat') return true;
  return extra.some((cidr) => {
    try {
      const [net, bits] = ipaddr.parseCIDR(cidr);
      return net.kind() === addr.kind() && addr.match([net, bits] as never);
    } catch {
      return false;
    }
  });
}

/**
 * The client IP: walking X-Forwarded-For from the right, the first hop that is not a trusted proxy
 * (so a client cannot spoof it by prepending); else X-Real-IP; else the capture's peer address.
 */
export function clientIpOf(e: Exchange, trustedProxies: readonly string[] = []): string | null {
  const peer = e.clientIp ? parseIp(e.clientIp) : null;
  const xff = headerValue(e.requestHeaders, 'x-forwarded-for');
  if (xff && (!peer || trusted(peer, trustedProxies))) {
    const hops = xff.split(',').map((h) => parseIp(h)).filter((h): h is NonNullable<typeof h> => h !== null);
    for (let i = hops.length - 1; i >= 0; i--) if (!trusted(hops[i], trustedProxies) || i === 0) return hops[i].toString();
  }
  const real = headerValue(e.requestHeaders, 'x-real-ip');
  if (real && (!peer || trusted(peer, trustedProxies))) {
    const ip = parseIp(real);
    if (ip) return ip.toString();
  }
  return peer ? peer.toString() : (e.clientIp ?? null);
}

export function extractIdentity(e: Exchange, opts: { trustedProxies?: readonly string[] } = {}): Identity {
  return { ...principalOf(e), ip: clientIpOf(e, opts.trustedProxies) };
}
