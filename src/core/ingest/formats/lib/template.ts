import { splitUrl } from '../../../model/exchange.ts';
import type { Exchange, Header, Scheme } from '../../../model/exchange.ts';

/**
 * Request templates from API clients (Postman, Insomnia): `{{name}}` variables are resolved from
 * what the export itself defines; the ones it does not define stay visible as written, so the
 * analyst sees `{{token}}` rather than a silently empty value.
 */

const VARIABLE = /\{\{\s*(?:_\.)?([^{}]+?)\s*\}\}/g;
const MAX_PASSES = 5;

export type Lookup = (name: string) => string | undefined;

export function lookupFrom(...scopes: ReadonlyMap<string, string>[]): Lookup {
  return (name) => {
    for (const s of scopes) {
      const v = s.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** Resolves variables (values may name further variables, up to a few levels deep). */
export function resolveTemplate(text: string, lookup: Lookup): string {
  let out = text;
  for (let pass = 0; pass < MAX_PASSES && out.includes('{{'); pass++) {
    const next = out.replace(VARIABLE, (whole, name: string) => lookup(name) ?? whole);
    if (next === out) break;
    out = next;
  }
  return out;
}

export function unresolvedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1]);
}

/**
 * URL fields from a templated URL that may still hold variables ("{{url}}/api/users",
 * "http://{{host}}/x") or lack a scheme ("localhost:5000/x"). A URL that parses is split
 * normally; otherwise the authority is kept literally as the host.
 */
export function looseUrl(raw: string, defaultScheme: Scheme = 'http'): Pick<Exchange, 'scheme' | 'host' | 'port' | 'path' | 'query'> {
  const trimmed = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `${defaultScheme}://${trimmed}`;
  try {
    if (!withScheme.includes('{{')) return splitUrl(withScheme);
  } catch {
    // fall through to the literal split below
  }
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?/i.exec(withScheme);
  const protocol = (m?.[1] ?? defaultScheme).toLowerCase();
  const scheme: Scheme = protocol === 'https' || protocol === 'ws' || protocol === 'wss' ? protocol : 'http';
  const authority = m?.[2] ?? '';
  const portMatch = /^(.*?):(\d{1,5})$/.exec(authority);
  const host = portMatch ? portMatch[1] : authority;
  const port = portMatch ? Number(portMatch[2]) : null;
  const defaultPort = scheme === 'https' || scheme === 'wss' ? 443 : 80;
  const path = m?.[3] || '/';
  const query = m?.[4] ?? '';
  return {
    scheme,
    host: host.includes('{{') ? host : host.toLowerCase(),
    port: port !== null && port !== defaultPort ? port : null,
    path: path.startsWith('/') ? path : `/${path}`,
    query: query === '?' ? '' : query,
  };
}

/** Adds a header unless one of that name is already there (clients add Content-Type themselves). */
export function addDefaultHeader(headers: Header[], name: string, value: string): void {
  const lower = name.toLowerCase();
  if (!headers.some(([n]) => n.toLowerCase() === lower)) headers.push([name, value]);
}

const MULTIPART_BOUNDARY = '----CartographFormBoundary7MA4YWxkTrZu0gW';

/** A multipart/form-data body from text fields (file fields carry their file name only). */
export function multipartBody(fields: { name: string; value: string; fileName?: string }[]): { body: Buffer; contentType: string } {
  const parts = fields.map((f) => {
    const disposition = `form-data; name="${f.name.replace(/"/g, '%22')}"${f.fileName !== undefined ? `; filename="${f.fileName.replace(/"/g, '%22')}"` : ''}`;
    return `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n${f.value}\r\n`;
  });
  return { body: Buffer.from(`${parts.join('')}--${MULTIPART_BOUNDARY}--\r\n`, 'utf8'), contentType: `multipart/form-data; boundary=${MULTIPART_BOUNDARY}` };
}

export function contentTypeForLanguage(language: string): string | null {
  switch (language.toLowerCase()) {
    case 'json':
      return 'application/json';
    case 'xml':
      return 'application/xml';
    case 'html':
      return 'text/html';
    case 'javascript':
      return 'application/javascript';
    case 'text':
      return 'text/plain';
    default:
      return null;
  }
}
