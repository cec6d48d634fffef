/**
 * Identity swap: strip the credentials a request carries and put another principal's in their
 * place (or none, for the anonymous check). Credentials are whatever identifies the caller:
 * Authorization, cookies, API-key headers and API-key query parameters.
 */
import type { Exchange, Header } from '../model/exchange.ts';
import type { ReplayRequest } from './http-text.ts';

export const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'apikey', 'x-apikey', 'x-auth-token', 'x-access-token', 'x-csrf-token', 'x-xsrf-token', 'x-session-token', 'x-amz-security-token', 'ocp-apim-subscription-key']);
export const CREDENTIAL_QUERY = new Set(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'auth', 'auth_token', 'session', 'sessionid', 'sig', 'signature']);

export interface Credentials {
  headers: Header[];
  query: [string, string][];
}

export function credentialsOf(e: Pick<Exchange, 'requestHeaders' | 'query'>): Credentials {
  const headers = e.requestHeaders.filter(([n]) => CREDENTIAL_HEADERS.has(n.toLowerCase()));
  const query = [...new URLSearchParams(e.query)].filter(([k]) => CREDENTIAL_QUERY.has(k.toLowerCase()));
  return { headers, query };
}

export function hasCredentials(c: Credentials): boolean {
  return c.headers.length > 0 || c.query.length > 0;
}

/** Pasted credentials: "Authorization: Bearer …" / "Cookie: …" lines, or a bare token (Bearer). */
export function parsePastedCredentials(text: string): Credentials {
  const headers: Header[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(':');
    if (colon > 0 && /^[A-Za-z0-9-]+$/.test(line.slice(0, colon))) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    else headers.push(['Authorization', /^(bearer|basic)\s/i.test(line) ? line : `Bearer ${line}`]);
  }
  return { headers, query: [] };
}

/** The request with its credentials replaced by `creds` (null = sent with none at all). */
export function withCredentials(req: ReplayRequest, creds: Credentials | null): ReplayRequest {
  const url = new URL(req.url);
  for (const k of [...url.searchParams.keys()]) if (CREDENTIAL_QUERY.has(k.toLowerCase())) url.searchParams.delete(k);
  for (const [k, v] of creds?.query ?? []) url.searchParams.append(k, v);
  const headers = req.headers.filter(([n]) => !CREDENTIAL_HEADERS.has(n.toLowerCase()));
  headers.push(...(creds?.headers ?? []));
  return { ...req, url: url.href, headers };
}
