/**
 * An OpenAPI 3.1 document rebuilt from the workspace's traffic: one path per inferred endpoint
 * template, parameters typed from the values seen, request and response schemas inferred from
 * JSON bodies, the security schemes credentials were sent with, and redacted examples.
 * Bodies are read for the first `maxBodiesPerOperation` exchanges of each operation: the shape
 * of an API shows in its first hundreds of calls, and time stays bounded on big workspaces.
 */
import { pathParams } from '../../detect/template.ts';
import type { TemplateOf } from '../../detect/types.ts';
import { headerValue, headerValues, type StoredExchange } from '../../model/exchange.ts';
import type { Db } from '../../store/db.ts';
import { iterateExchanges, readExchange } from '../../store/exchanges.ts';
import { isSecretName, redactString, redactValue } from './redact.ts';
import { stringFormat, textType, type JsonSchema } from './schema.ts';
import { addSample, newSketch, toSchema, type Sketch } from '../schema.ts';
import { inventoryTemplateOf } from '../build.ts';

export interface BuildOptions {
  /** Only this host's traffic. */
  host?: string;
  /** Endpoint templating; default: the inventory's learned templates (refreshed first). */
  templateOf?: TemplateOf;
  maxBodiesPerOperation?: number;
  maxBodyBytes?: number;
  /** Clock for the description line (tests). */
  now?: number;
}

export type OpenApiDocument = Record<string, unknown> & { openapi: '3.1.0'; paths: Record<string, Record<string, unknown>> };

export interface BuiltSpec {
  document: OpenApiDocument;
  hosts: string[];
  paths: number;
  operations: number;
  exchanges: number;
}

const OPENAPI_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
const STATIC_EXT = /\.(?:js|mjs|css|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|otf|eot|mp4|webm|mp3|wav)$/i;
const STATIC_MIME = /^(?:image|font|video|audio)\/|^text\/(?:css|html|javascript)|javascript/i;
const API_KEY_HEADER = /^(?:x-)?api[-_]?key$|^x-(?:auth|access)[-_]token$|^x-token$/i;
const API_KEY_QUERY = /^(?:api[-_]?key|apikey|access[-_]token|auth[-_]token|token|key)$/i;
const SESSION_COOKIE = /sess|sid$|^auth|token|jwt/i;
const JWT = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

interface ValueSketch {
  count: number;
  types: Set<string>;
  formats: Set<string | null>;
  example: string | null;
}

interface MediaSketch {
  schema: Sketch;
  example: unknown;
  hasExample: boolean;
}

interface OpSketch {
  method: string;
  template: string;
  count: number;
  bodies: number;
  pathValues: ValueSketch[];
  query: Map<string, ValueSketch>;
  requestBodies: Map<string, MediaSketch>;
  responses: Map<string, { description: string; content: Map<string, MediaSketch> }>;
  /** Security requirement sets seen, keyed by the sorted scheme names ('' = anonymous). */
  security: Set<string>;
}

function newValue(): ValueSketch {
  return { count: 0, types: new Set(), formats: new Set(), example: null };
}

/** Values typed per parameter: the first thousand show its type; typing millions only costs time. */
const TYPED_VALUES = 1000;

function addValue(v: ValueSketch, raw: string, secret: boolean): void {
  v.count++;
  if (v.count > TYPED_VALUES) return;
  v.types.add(textType(raw));
  v.formats.add(stringFormat(raw));
  if (v.example === null) v.example = secret ? '<redacted>' : redactString(raw);
}

function valueSchema(v: ValueSketch): JsonSchema {
  const types = [...v.types];
  const type = types.length === 1 ? types[0] : types.every((t) => t === 'integer' || t === 'number') ? 'number' : 'string';
  const schema: JsonSchema = { type };
  const formats = [...v.formats];
  if (type === 'string' && formats.length === 1 && formats[0]) schema.format = formats[0];
  return schema;
}

function exampleOf(v: ValueSketch, schema: JsonSchema): unknown {
  if (v.example === null) return undefined;
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(v.example);
    return Number.isFinite(n) ? n : undefined;
  }
  if (schema.type === 'boolean') return v.example === 'true';
  return v.example;
}

function mediaType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const m = contentType.split(';')[0].trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(m) ? m : null;
}

function bodyValue(bytes: Uint8Array, media: string, max: number): { ok: true; value: unknown } | { ok: false } {
  if (bytes.length > max) return { ok: false };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (media === 'application/x-www-form-urlencoded') return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  if (!/[/+]json$/.test(media)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function addMedia(map: Map<string, MediaSketch>, bytes: Uint8Array | null, contentType: string | undefined, max: number): void {
  if (!bytes || bytes.length === 0) return;
  const media = mediaType(contentType) ?? 'application/octet-stream';
  let m = map.get(media);
  if (!m) {
    if (map.size >= 5) return;
    map.set(media, (m = { schema: newSketch(), example: undefined, hasExample: false }));
  }
  const parsed = bodyValue(bytes, media, max);
  if (parsed.ok) {
    addSample(m.schema, parsed.value);
    if (!m.hasExample) {
      m.example = redactValue(parsed.value);
      m.hasExample = true;
    }
  }
}

/** Security schemes a request's credentials match; registers new schemes in `schemes`. */
function securityOf(e: StoredExchange, schemes: Map<string, Record<string, unknown>>, apiKeyParams: Set<string>): string[] {
  const names: string[] = [];
  const use = (name: string, scheme: Record<string, unknown>): void => {
    if (!schemes.has(name)) schemes.set(name, scheme);
    if (!names.includes(name)) names.push(name);
  };
  const auth = headerValue(e.requestHeaders, 'authorization');
  if (auth) {
    const [kind, cred = ''] = auth.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(kind)) use('bearerAuth', { type: 'http', scheme: 'bearer', ...(JWT.test(cred) ? { bearerFormat: 'JWT' } : {}) });
    else if (/^basic$/i.test(kind)) use('basicAuth', { type: 'http', scheme: 'basic' });
    else use('authorizationHeader', { type: 'apiKey', in: 'header', name: 'Authorization' });
  }
  for (const [name] of e.requestHeaders) {
    if (API_KEY_HEADER.test(name)) use(`apiKey_${name.toLowerCase().replace(/[^a-z0-9._-]/g, '_')}`, { type: 'apiKey', in: 'header', name });
  }
  if (e.query.length > 1) {
    for (const name of new URLSearchParams(e.query.slice(1)).keys()) {
      if (API_KEY_QUERY.test(name)) {
        apiKeyParams.add(name);
        use(`apiKey_query_${name.replace(/[^A-Za-z0-9._-]/g, '_')}`, { type: 'apiKey', in: 'query', name });
      }
    }
  }
  for (const cookie of headerValues(e.requestHeaders, 'cookie')) {
    for (const part of cookie.split(';')) {
      const name = part.split('=', 1)[0].trim();
      if (name && SESSION_COOKIE.test(name)) use(`cookie_${name.replace(/[^A-Za-z0-9._-]/g, '_')}`, { type: 'apiKey', in: 'cookie', name });
    }
  }
  return names.sort();
}

/** `{id}` placeholders become unique, readable names: /users/{id}/orders/{id} → {userId}, {orderId}. */
export function nameParameters(template: string): { path: string; names: string[] } {
  const segs = template.split('/');
  const names: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const m = /^\{(.*)\}$/.exec(segs[i]);
    if (!m) {
      // A literal brace would read as a template expression.
      segs[i] = segs[i].replace(/\{/g, '%7B').replace(/\}/g, '%7D');
      continue;
    }
    let name = m[1] && m[1] !== 'id' ? m[1] : '';
    if (!name) {
      const before = segs[i - 1] ?? '';
      const prev = (before.startsWith('{') ? '' : before).replace(/[^A-Za-z0-9]+(.)?/g, (_x, c: string | undefined) => (c ? c.toUpperCase() : ''));
      const singular = prev.replace(/ies$/, 'y').replace(/(?<!s)s$/, '');
      name = singular && !singular.startsWith('{') ? `${singular[0].toLowerCase()}${singular.slice(1)}Id` : 'id';
    }
    let unique = name;
    for (let n = 2; names.includes(unique); n++) unique = `${name}${n}`;
    names.push(unique);
    segs[i] = `{${unique}}`;
  }
  return { path: segs.join('/') || '/', names };
}

function operationId(method: string, path: string, taken: Set<string>): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => `${w[0].toUpperCase()}${w.slice(1)}`);
  const base = `${method.toLowerCase()}${words.join('') || 'Root'}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  taken.add(id);
  return id;
}

const REASONS: Record<string, string> = {
  '200': 'OK', '201': 'Created', '202': 'Accepted', '204': 'No Content', '301': 'Moved Permanently', '302': 'Found', '304': 'Not Modified',
  '400': 'Bad Request', '401': 'Unauthorized', '403': 'Forbidden', '404': 'Not Found', '405': 'Method Not Allowed', '409': 'Conflict',
  '422': 'Unprocessable Content', '429': 'Too Many Requests', '500': 'Internal Server Error', '502': 'Bad Gateway', '503': 'Service Unavailable',
};

function contentOf(map: Map<string, MediaSketch>): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [media, m] of map) {
    const parsed = m.schema.n > 0;
    content[media] = {
      schema: parsed ? (toSchema(m.schema) as JsonSchema) : media.startsWith('text/') ? { type: 'string' } : { type: 'string', contentMediaType: media },
      ...(m.hasExample ? { example: m.example } : {}),
    };
  }
  return content;
}

export function buildOpenApi(db: Db, opts: BuildOptions = {}): BuiltSpec {
  const templateOf = opts.templateOf ?? inventoryTemplateOf(db, { host: opts.host });
  const maxBodies = opts.maxBodiesPerOperation ?? 200;
  const maxBodyBytes = opts.maxBodyBytes ?? 2 * 1024 * 1024;
  const host = opts.host?.toLowerCase();
  const ops = new Map<string, OpSketch>();
  const servers = new Map<string, number>();
  const schemes = new Map<string, Record<string, unknown>>();
  const apiKeyParams = new Set<string>();
  let exchanges = 0;
  let first = Infinity;
  let last = -Infinity;

  // Bodies are read only for the sampled exchanges: decompressing every body would dominate.
  for (const e of iterateExchanges(db)) {
    if (host !== undefined && e.host !== host) continue;
    if (!OPENAPI_METHODS.has(e.method) || e.status === null || e.status === 404) continue;
    if (STATIC_EXT.test(e.path) || STATIC_MIME.test(headerValue(e.responseHeaders, 'content-type') ?? '')) continue;
    exchanges++;
    first = Math.min(first, e.time);
    last = Math.max(last, e.time);
    const origin = `${e.scheme === 'wss' ? 'https' : e.scheme === 'ws' ? 'http' : e.scheme}://${e.host.includes(':') ? `[${e.host}]` : e.host}${e.port === null ? '' : `:${e.port}`}`;
    servers.set(origin, (servers.get(origin) ?? 0) + 1);
    const template = templateOf(e);
    const key = `${e.method} ${template}`;
    let op = ops.get(key);
    if (!op) ops.set(key, (op = { method: e.method, template, count: 0, bodies: 0, pathValues: [], query: new Map(), requestBodies: new Map(), responses: new Map(), security: new Set() }));
    op.count++;
    pathParams(e.path, template).forEach((v, i) => {
      op.pathValues[i] ??= newValue();
      let value = v;
      try {
        value = decodeURIComponent(v);
      } catch {
        // keep as sent
      }
      addValue(op.pathValues[i], value, false);
    });
    if (e.query.length > 1) {
      for (const [name, value] of new URLSearchParams(e.query.slice(1))) {
        let q = op.query.get(name);
        if (!q) {
          if (op.query.size >= 100) continue;
          op.query.set(name, (q = newValue()));
        }
        addValue(q, value, isSecretName(name));
      }
    }
    op.security.add(securityOf(e, schemes, apiKeyParams).join(' '));
    const status = String(e.status);
    let resp = op.responses.get(status);
    if (!resp) op.responses.set(status, (resp = { description: e.statusText || REASONS[status] || `HTTP ${status}`, content: new Map() }));
    if (op.bodies < maxBodies) {
      op.bodies++;
      const bodies = readExchange(db, e.id);
      addMedia(op.requestBodies, bodies.requestBody, headerValue(e.requestHeaders, 'content-type'), maxBodyBytes);
      addMedia(resp.content, bodies.responseBody, headerValue(e.responseHeaders, 'content-type'), maxBodyBytes);
    }
  }

  const paths: Record<string, Record<string, unknown>> = {};
  const taken = new Set<string>();
  const sorted = [...ops.values()].sort((a, b) => a.template.localeCompare(b.template) || a.method.localeCompare(b.method));
  for (const op of sorted) {
    const { path, names } = nameParameters(op.template);
    const parameters: Record<string, unknown>[] = names.map((name, i) => {
      const v = op.pathValues[i] ?? newValue();
      const schema = valueSchema(v);
      const example = exampleOf(v, schema);
      return { name, in: 'path', required: true, schema, ...(example === undefined ? {} : { example }) };
    });
    for (const [name, v] of [...op.query].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (apiKeyParams.has(name)) continue;
      const schema = valueSchema(v);
      const example = exampleOf(v, schema);
      parameters.push({ name, in: 'query', required: v.count === op.count, schema, ...(example === undefined ? {} : { example }) });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of [...op.responses].sort((a, b) => a[0].localeCompare(b[0]))) {
      responses[status] = { description: r.description, ...(r.content.size > 0 ? { content: contentOf(r.content) } : {}) };
    }
    const security = [...op.security].sort().map((s) => Object.fromEntries(s === '' ? [] : s.split(' ').map((n) => [n, []])));
    const operation: Record<string, unknown> = {
      operationId: operationId(op.method, path, taken),
      summary: `${op.method} ${path} (seen ${op.count} time${op.count === 1 ? '' : 's'})`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.requestBodies.size > 0 ? { requestBody: { content: contentOf(op.requestBodies) } } : {}),
      responses,
      ...(security.length > 0 && !(security.length === 1 && Object.keys(security[0]).length === 0) ? { security } : {}),
    };
    (paths[path] ??= {})[op.method.toLowerCase()] = operation;
  }

  const hosts = [...new Set([...servers.keys()].map((s) => new URL(s).hostname))].sort();
  const title = host ?? (hosts.length === 1 ? hosts[0] : 'Observed API');
  const span = exchanges > 0 ? ` between ${new Date(first).toISOString()} and ${new Date(last).toISOString()}` : '';
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: `${title} (reconstructed from traffic)`,
      version: new Date(opts.now ?? Date.now()).toISOString().slice(0, 10),
      description: `Rebuilt by Cartograph from ${exchanges} observed exchange${exchanges === 1 ? '' : 's'}${span}. Examples are redacted.`,
    },
    ...(servers.size > 0 ? { servers: [...servers].sort((a, b) => b[1] - a[1]).map(([url]) => ({ url })) } : {}),
    paths,
    ...(schemes.size > 0 ? { components: { securitySchemes: Object.fromEntries([...schemes].sort((a, b) => a[0].localeCompare(b[0]))) } } : {}),
  };
  return { document, hosts, paths: Object.keys(paths).length, operations: sorted.length, exchanges };
}
