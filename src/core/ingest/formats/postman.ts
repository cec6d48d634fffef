import { emptyExchange } from '../../model/exchange.ts';
import type { Exchange, Header } from '../../model/exchange.ts';
import { headText, ReadError } from '../reader.ts';
import type { ReadItem, Reader } from '../reader.ts';
import { DEFAULT_MAX_DOCUMENT_BYTES, isRecord, readWhole, sizeOption, str, stripBom } from './lib/bytes.ts';
import { addDefaultHeader, contentTypeForLanguage, lookupFrom, looseUrl, multipartBody, resolveTemplate } from './lib/template.ts';
import type { Lookup } from './lib/template.ts';

/**
 * Postman collections v2.0 / v2.1 (also wrapped as `{collection: …}` by the Postman API). Every
 * request item becomes an exchange per saved example response (`response[]`), or one exchange
 * with no response (status null) when it has none. `{{variables}}` resolve from the collection's
 * own `variable` list; others stay visible. Inherited auth (collection → folder → request) is
 * applied as the header or query parameter Postman would send. A collection is one JSON document,
 * read whole under a size cap.
 */

type Json = Record<string, unknown>;
const MAX_DEPTH = 64;

function obj(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function variables(v: unknown): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list(v)) {
    const key = str(e.key ?? e.id);
    // An empty value is "defined but blank" in Postman; keep it visible as the variable instead.
    if (key && e.disabled !== true && str(e.value) !== '') m.set(key, str(e.value));
  }
  return m;
}

function authParams(auth: Json, type: string): Map<string, string> {
  const m = new Map<string, string>();
  const p = auth[type];
  if (Array.isArray(p)) for (const e of list(p)) m.set(str(e.key), str(e.value));
  else if (isRecord(p)) for (const [k, v] of Object.entries(p)) m.set(k, str(v));
  return m;
}

/** Applies Postman auth (bearer, basic, apikey) as the request would carry it. */
function applyAuth(x: Exchange, auth: Json | null, resolve: (s: string) => string): void {
  if (!auth) return;
  const type = str(auth.type);
  const p = authParams(auth, type);
  if (type === 'bearer') addDefaultHeader(x.requestHeaders, 'Authorization', `Bearer ${resolve(p.get('token') ?? '')}`);
  else if (type === 'basic') {
    const user = resolve(p.get('username') ?? '');
    const pass = resolve(p.get('password') ?? '');
    addDefaultHeader(x.requestHeaders, 'Authorization', `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`);
  } else if (type === 'apikey') {
    const key = resolve(p.get('key') ?? 'X-API-Key');
    const value = resolve(p.get('value') ?? '');
    if (p.get('in') === 'query') x.query = `${x.query ? `${x.query}&` : '?'}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
    else addDefaultHeader(x.requestHeaders, key, value);
  }
}

function requestUrl(url: unknown, resolve: (s: string) => string): Pick<Exchange, 'scheme' | 'host' | 'port' | 'path' | 'query'> {
  if (typeof url === 'string') return looseUrl(resolve(url));
  const u = obj(url);
  let raw = str(u.raw);
  if (!raw) {
    const host = Array.isArray(u.host) ? u.host.map(str).join('.') : str(u.host);
    const path = Array.isArray(u.path) ? u.path.map(str).join('/') : str(u.path);
    const query = list(u.query)
      .filter((q) => q.disabled !== true)
      .map((q) => (q.value === null || q.value === undefined ? str(q.key) : `${str(q.key)}=${str(q.value)}`))
      .join('&');
    raw = `${str(u.protocol) ? `${str(u.protocol)}://` : ''}${host}${u.port ? `:${str(u.port)}` : ''}/${path.replace(/^\//, '')}${query ? `?${query}` : ''}`;
  }
  const fields = looseUrl(resolve(raw));
  // Path variables (`/users/:id`) take their values from url.variable.
  const pathVars = variables(u.variable);
  if (pathVars.size > 0) {
    fields.path = fields.path.replace(/\/:([A-Za-z0-9_.-]+)/g, (whole, name: string) => {
      const v = pathVars.get(name);
      return v === undefined ? whole : `/${encodeURIComponent(resolve(v))}`;
    });
  }
  return fields;
}

function requestBody(body: Json, x: Exchange, resolve: (s: string) => string): void {
  const mode = str(body.mode);
  if (body.disabled === true || !mode) return;
  if (mode === 'raw') {
    const text = resolve(str(body.raw));
    if (text === '') return;
    x.requestBody = Buffer.from(text, 'utf8');
    const language = str(obj(obj(body.options).raw).language);
    const type = contentTypeForLanguage(language || 'text');
    if (type) addDefaultHeader(x.requestHeaders, 'Content-Type', type);
  } else if (mode === 'urlencoded') {
    const params = new URLSearchParams(list(body.urlencoded).filter((p) => p.disabled !== true).map((p): [string, string] => [resolve(str(p.key)), resolve(str(p.value))]));
    x.requestBody = Buffer.from(params.toString(), 'utf8');
    addDefaultHeader(x.requestHeaders, 'Content-Type', 'application/x-www-form-urlencoded');
  } else if (mode === 'formdata') {
    const fields = list(body.formdata)
      .filter((p) => p.disabled !== true)
      .map((p) => (str(p.type) === 'file' ? { name: resolve(str(p.key)), value: '', fileName: str(p.src).split('/').pop() ?? '' } : { name: resolve(str(p.key)), value: resolve(str(p.value)) }));
    const m = multipartBody(fields);
    x.requestBody = m.body;
    addDefaultHeader(x.requestHeaders, 'Content-Type', m.contentType);
  } else if (mode === 'graphql') {
    const g = obj(body.graphql);
    let vars: unknown;
    try {
      vars = str(g.variables) ? JSON.parse(resolve(str(g.variables))) : {};
    } catch {
      vars = resolve(str(g.variables));
    }
    x.requestBody = Buffer.from(JSON.stringify({ query: resolve(str(g.query)), variables: vars }), 'utf8');
    addDefaultHeader(x.requestHeaders, 'Content-Type', 'application/json');
  }
  if (x.requestBody) x.requestSize = x.requestBody.length;
}

function headers(v: unknown, resolve: (s: string) => string): Header[] {
  if (typeof v === 'string') {
    // v2.0 allowed a raw header block.
    return v
      .split(/\r?\n/)
      .map((l) => l.split(/:(.*)/s))
      .filter((p) => p.length >= 2 && p[0].trim())
      .map(([n, val]) => [resolve(n.trim()), resolve(val.trim())] as const);
  }
  return list(v)
    .filter((h) => h.disabled !== true && str(h.key) !== '')
    .map((h) => [resolve(str(h.key)), resolve(str(h.value))] as const);
}

function buildRequest(request: unknown, lookup: Lookup, auth: Json | null): Exchange {
  const resolve = (s: string): string => resolveTemplate(s, lookup);
  const r = typeof request === 'string' ? { url: request } : obj(request);
  const x = emptyExchange();
  Object.assign(x, requestUrl(r.url, resolve));
  x.method = (str(r.method) || 'GET').toUpperCase();
  x.requestHeaders = headers(r.header, resolve);
  requestBody(obj(r.body), x, resolve);
  const own = isRecord(r.auth) ? r.auth : null;
  const effective = own ?? auth;
  if (effective && str(effective.type) !== 'noauth') applyAuth(x, effective, resolve);
  return x;
}

function responseInto(x: Exchange, res: Json): void {
  const code = Number(res.code);
  x.status = Number.isInteger(code) && code > 0 ? code : null;
  x.statusText = str(res.status);
  x.responseHeaders = headers(res.header, (s) => s);
  if (typeof res.body === 'string') {
    // Postman stores the decoded body text; the Content-Encoding header describes the wire.
    x.responseBody = Buffer.from(res.body, 'utf8');
    x.responseSize = x.responseBody.length;
  }
  const t = Number(res.responseTime);
  if (res.responseTime !== undefined && res.responseTime !== null && Number.isFinite(t) && t >= 0) x.durationMs = t;
}

interface Walk {
  index: number;
}

function* walkItems(items: unknown, path: string[], auth: Json | null, scopes: Map<string, string>[], w: Walk, depth: number): Generator<ReadItem> {
  for (const item of list(items)) {
    const name = str(item.name);
    const here = [...path, name || '(unnamed)'];
    const at = `item "${here.join(' / ')}"`;
    if (depth > MAX_DEPTH) {
      w.index++;
      yield { kind: 'skip', index: w.index, at, message: `folders nested deeper than ${MAX_DEPTH} levels; skipped` };
      continue;
    }
    const itemAuth = isRecord(item.auth) ? item.auth : auth;
    const itemScopes = isRecord(item) && Array.isArray(item.variable) ? [variables(item.variable), ...scopes] : scopes;
    const lookup = lookupFrom(...itemScopes);
    if (Array.isArray(item.item)) {
      yield* walkItems(item.item, here, itemAuth, itemScopes, w, depth + 1);
      continue;
    }
    if (item.request === undefined) continue;
    const responses = list(item.response);
    const extraBase = { postmanItem: here.join(' / ') };
    if (responses.length === 0) {
      w.index++;
      try {
        const x = buildRequest(item.request, lookup, itemAuth);
        x.extra = extraBase;
        yield { kind: 'exchange', index: w.index, exchange: x };
      } catch (err) {
        yield { kind: 'skip', index: w.index, at, message: (err as Error).message };
      }
      continue;
    }
    for (const res of responses) {
      w.index++;
      try {
        const x = buildRequest(res.originalRequest ?? item.request, lookup, itemAuth);
        responseInto(x, res);
        x.extra = { ...extraBase, postmanExample: str(res.name) };
        yield { kind: 'exchange', index: w.index, exchange: x };
      } catch (err) {
        yield { kind: 'skip', index: w.index, at: `${at}, example "${str(res.name)}"`, message: (err as Error).message };
      }
    }
  }
}

export function isPostmanCollection(doc: unknown): Json | null {
  if (!isRecord(doc)) return null;
  const c = isRecord(doc.collection) && isRecord(doc.collection.info) ? doc.collection : doc;
  const info = obj(c.info);
  return (str(info.schema).includes('getpostman.com') || '_postman_id' in info) && Array.isArray(c.item) ? c : null;
}

export const postmanReader: Reader = {
  id: 'postman',
  label: 'Postman collection v2.x',
  producers: ['Postman (collection v2.0 / v2.1 export, Postman API)'],
  extensions: ['.postman_collection.json', '.json'],
  sniff(head) {
    const t = headText(head).trimStart();
    if (!t.startsWith('{')) return 0;
    if (/schema\.getpostman\.com\/json\/collection\/v2/.test(t)) return 0.97;
    if (/"_postman_id"\s*:/.test(t) && /"item"\s*:/.test(t)) return 0.85;
    return 0;
  },
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const bytes = await readWhole(input, ctx, sizeOption(ctx, 'maxDocumentBytes', DEFAULT_MAX_DOCUMENT_BYTES), 'Postman collection');
    let doc: unknown;
    try {
      doc = JSON.parse(stripBom(bytes.toString('utf8')));
    } catch (err) {
      throw new ReadError(`not valid JSON: ${(err as Error).message}`, 'document');
    }
    if (isRecord(doc) && isRecord(doc.info) && Array.isArray((doc as Json).requests)) {
      throw new ReadError('Postman collection v1 is not supported: export it again as Collection v2.1', 'info.schema');
    }
    const c = isPostmanCollection(doc);
    if (!c) throw new ReadError('not a Postman collection (no info.schema / item list)', 'document');
    const scopes = [variables(c.variable)];
    const w: Walk = { index: 0 };
    yield* walkItems(c.item, [], isRecord(c.auth) ? c.auth : null, scopes, w, 0);
  },
};
