/**
 * Which credentials a request carried, by scheme (none, Basic, Bearer — JWT with its alg —,
 * API key, cookie session, gateway consumer). The principal itself is identity.ts's business;
 * this only names how the request authenticated, for the inventory's auth badges.
 */
import { API_KEY_HEADERS, API_KEY_PARAMS, SESSION_COOKIES } from '../model/identity.ts';
import type { Header, PrincipalKind } from '../model/exchange.ts';
import type { AuthScheme } from './types.ts';

export interface AuthUse {
  scheme: AuthScheme;
  alg: string | null;
  carrier: string | null;
}

const KEY_HEADERS = new Set<string>(API_KEY_HEADERS);
const KEY_PARAMS = new Set<string>(API_KEY_PARAMS);
const SESSION = new Set<string>(SESSION_COOKIES);
const JWT = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function jwtAlg(token: string): string | null {
  if (!JWT.test(token)) return null;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string' ? header.alg.slice(0, 20) : 'unknown';
  } catch {
    return null;
  }
}

/** Every credential of a request (usually one); [{scheme:'none'}] when it carried none. */
export function authOf(headers: readonly Header[], query: string, consumer: string | null): AuthUse[] {
  const out: AuthUse[] = [];
  if (consumer) out.push({ scheme: 'consumer', alg: null, carrier: 'gateway' });
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'authorization' || name === 'proxy-authorization') {
      const m = /^\s*(\S+)\s*(.*)$/.exec(value);
      const scheme = (m?.[1] ?? '').toLowerCase();
      const cred = (m?.[2] ?? '').trim();
      if (scheme === 'basic') out.push({ scheme: 'basic', alg: null, carrier: name });
      else if (scheme === 'bearer' || scheme === 'jwt' || scheme === 'token') {
        const alg = jwtAlg(cred);
        out.push({ scheme: alg ? 'jwt' : 'bearer', alg, carrier: name });
      } else if (JWT.test(value.trim())) out.push({ scheme: 'jwt', alg: jwtAlg(value.trim()), carrier: name });
      else out.push({ scheme: 'other', alg: scheme.slice(0, 30) || null, carrier: name });
    } else if (KEY_HEADERS.has(name)) {
      const alg = jwtAlg(value.trim());
      out.push({ scheme: alg ? 'jwt' : 'api-key', alg, carrier: name });
    } else if (name === 'cookie') {
      for (const pair of value.split(/;\s*/)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        const cname = pair.slice(0, eq).trim();
        const cval = pair.slice(eq + 1).trim();
        const alg = jwtAlg(cval);
        if (alg) out.push({ scheme: 'jwt', alg, carrier: `cookie:${cname}` });
        else if (SESSION.has(cname.toLowerCase()) && cval) out.push({ scheme: 'cookie', alg: null, carrier: `cookie:${cname}` });
      }
    }
  }
  if (query.length > 1) {
    for (const [k, v] of new URLSearchParams(query)) {
      if (KEY_PARAMS.has(k.toLowerCase()) && v.length >= 8) {
        const alg = jwtAlg(v);
        out.push({ scheme: alg ? 'jwt' : 'api-key', alg, carrier: `query:${k}` });
      }
    }
  }
  return out.length > 0 ? out : [{ scheme: 'none', alg: null, carrier: null }];
}

/** The scheme a stored principal kind implies (cheap: no header parsing), for every exchange. */
export function schemeOfPrincipalKind(kind: PrincipalKind | null): AuthScheme {
  switch (kind) {
    case null: return 'none';
    case 'jwt': return 'jwt';
    case 'basic': return 'basic';
    case 'api-key': return 'api-key';
    case 'bearer': return 'bearer';
    case 'session': return 'cookie';
    case 'consumer': return 'consumer';
    default: return 'other';
  }
}
