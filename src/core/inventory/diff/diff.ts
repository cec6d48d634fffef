/**
 * The workspace's traffic judged against a published spec. Each exchange is matched to a
 * documented operation (detect's matcher: most literal template first, server base paths
 * included); unmatched served traffic groups into shadow endpoints by its inferred template.
 * Parameters, path values and JSON bodies of matched traffic are checked against the documented
 * schemas; bodies are checked for the first `maxBodiesPerOperation` exchanges of each operation so
 * time stays bounded on big workspaces.
 */
import { compileSpec, matchSpec } from '../../detect/spec.ts';
import type { TemplateOf } from '../../detect/types.ts';
import { headerValue, type StoredExchange } from '../../model/exchange.ts';
import type { Db } from '../../store/db.ts';
import { iterateExchanges, readExchange } from '../../store/exchanges.ts';
import { DIFF_CLASSES, type DiffClass, type DiffItem, type DiffLocation, type DiffResult } from '../../../shared/api-spec.ts';
import type { PublishedSpec, SpecOp } from '../openapi/load.ts';
import { allowedTypes, documentedProperties, itemsOf, MAX_DEPTH, textType, typeAllowed, valueType, type JsonSchema } from '../openapi/schema.ts';
import { endpointFilter, quote } from './filter.ts';
import { inventoryTemplateOf, setEndpointFlags } from '../build.ts';

export interface DiffOptions {
  /** Only traffic to this host is judged. */
  host?: string;
  /** Endpoint templating for undocumented traffic (default: the inventory's learned templates). */
  templateOf?: TemplateOf;
  maxBodiesPerOperation?: number;
  /** Body bytes beyond which a body is not parsed. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

const MAX_IDS = 20;
const MAX_ITEMS_PER_OPERATION = 200;
const STATIC_EXT = /\.(?:js|mjs|css|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|otf|eot|mp4|webm|mp3|wav)$/i;
const STATIC_MIME = /^(?:image|font|video|audio)\/|^text\/(?:css|html|javascript)|javascript/i;
const VERSION = /\/v(\d+)(?=\/|$)/i;
/** Unfilled placeholders of collection runners ({{id}}, ${id}): not values a client sent. */
const PLACEHOLDER = /^(?:\{\{.*\}\}|\$\{.*\}|<[^>]*>)$/;

interface Acc {
  item: DiffItem;
  statuses: Map<number, number>;
  /** Last exchange counted: a field repeated in an array counts its exchange once. */
  lastId?: number;
}

/** A response the server actually gave for this endpoint, rather than "no such thing". */
function served(status: number | null): boolean {
  return status !== null && (status < 400 || status === 401 || status === 403 || status === 429);
}

function isStatic(e: StoredExchange): boolean {
  if (STATIC_EXT.test(e.path)) return true;
  const mime = headerValue(e.responseHeaders, 'content-type');
  return mime !== undefined && STATIC_MIME.test(mime);
}

/** `/api/v1/users/{userId}` → `/api/v1/users/{}`: templates compared regardless of parameter names. */
function shape(template: string): string {
  return template.replace(/\{[^}]*\}/g, '{}').replace(/\/+$/, '').toLowerCase();
}

function jsonBody(bytes: Uint8Array | null, contentType: string | undefined, max: number): { ok: true; value: unknown } | { ok: false } {
  if (!bytes || bytes.length === 0 || bytes.length > max) return { ok: false };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (contentType && /x-www-form-urlencoded/i.test(contentType)) {
    return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  }
  if (contentType && !/json/i.test(contentType)) return { ok: false };
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

/** The documented schema for a response status: exact code, then its class (2XX), then default. */
function responseSchema(op: SpecOp, status: number): JsonSchema | null | undefined {
  const r = op.responses;
  return r[String(status)] ?? r[`${String(status)[0]}XX`] ?? r[`${String(status)[0]}xx`] ?? r.default;
}

function typesText(t: Set<string>): string {
  return [...t].sort().join('|');
}

export function diffTraffic(db: Db, spec: PublishedSpec, opts: DiffOptions = {}): DiffResult {
  const started = performance.now();
  const templateOf = opts.templateOf ?? inventoryTemplateOf(db, { host: opts.host });
  const maxBodies = opts.maxBodiesPerOperation ?? 200;
  const maxBodyBytes = opts.maxBodyBytes ?? 2 * 1024 * 1024;
  const host = opts.host?.toLowerCase();
  const compiled = compileSpec({ operations: spec.operations });

  const items = new Map<string, Acc>();
  const perOp = new Map<SpecOp, { count: number; bodies: number; items: number; hosts: Map<string, Acc> }>();
  const shadows = new Map<string, Acc & { template: string }>();
  let exchanges = 0;
  let matched = 0;
  let ignored = 0;

  const note = (key: string, base: Omit<DiffItem, 'count' | 'requestIds'>, e: StoredExchange): Acc => {
    let acc = items.get(key);
    if (!acc) items.set(key, (acc = { item: { ...base, count: 0, requestIds: [] }, statuses: new Map() }));
    if (acc.lastId === e.id) return acc;
    acc.lastId = e.id;
    acc.item.count++;
    if (acc.item.requestIds.length < MAX_IDS) acc.item.requestIds.push(e.id);
    if (e.status !== null) acc.statuses.set(e.status, (acc.statuses.get(e.status) ?? 0) + 1);
    return acc;
  };

  // Bodies are read only for the sampled exchanges: decompressing every body would dominate.
  for (const e of iterateExchanges(db)) {
    if (opts.signal?.aborted) throw new Error('diff cancelled');
    exchanges++;
    if (host !== undefined && e.host !== host) {
      ignored++;
      continue;
    }
    const op = matchSpec(compiled, e.method, e.path) as SpecOp | null;
    if (!op) {
      if (e.method === 'OPTIONS' || isStatic(e)) {
        ignored++;
        continue;
      }
      const template = templateOf(e);
      const key = `${e.host} ${e.method} ${template}`;
      let acc = shadows.get(key);
      if (!acc) {
        const base: DiffItem = { class: 'shadow', host: e.host, method: e.method, path: template, specPath: null, location: null, name: null, expected: null, observed: null, reason: '', count: 0, requestIds: [], filter: endpointFilter(e.host, e.method, template) };
        shadows.set(key, (acc = { item: base, statuses: new Map(), template }));
      }
      acc.item.count++;
      if (acc.item.requestIds.length < MAX_IDS) acc.item.requestIds.push(e.id);
      if (e.status !== null) acc.statuses.set(e.status, (acc.statuses.get(e.status) ?? 0) + 1);
      continue;
    }
    matched++;
    let stats = perOp.get(op);
    if (!stats) perOp.set(op, (stats = { count: 0, bodies: 0, items: 0, hosts: new Map() }));
    stats.count++;
    const opFilter = endpointFilter(e.host, op.method, op.pathTemplate);
    let hostAcc = stats.hosts.get(e.host);
    if (!hostAcc) {
      const base: DiffItem = { class: 'zombie', host: e.host, method: op.method, path: op.pathTemplate, specPath: op.specPath, location: null, name: null, expected: null, observed: null, reason: '', count: 0, requestIds: [], filter: opFilter };
      stats.hosts.set(e.host, (hostAcc = { item: base, statuses: new Map() }));
    }
    hostAcc.item.count++;
    if (hostAcc.item.requestIds.length < MAX_IDS) hostAcc.item.requestIds.push(e.id);
    if (e.status !== null) hostAcc.statuses.set(e.status, (hostAcc.statuses.get(e.status) ?? 0) + 1);

    const problem = (cls: DiffClass, location: DiffLocation, name: string, reason: string, filterExtra: string, expected: string | null = null, observed: string | null = null): void => {
      const key = `${cls}\u0000${op.pointer}\u0000${e.host}\u0000${location}\u0000${name}\u0000${observed ?? ''}`;
      if (!items.has(key)) {
        if (stats.items >= MAX_ITEMS_PER_OPERATION) return;
        stats.items++;
      }
      note(key, { class: cls, host: e.host, method: op.method, path: op.pathTemplate, specPath: op.specPath, location, name, expected, observed, reason, filter: `${opFilter}${filterExtra}` }, e);
    };

    // Path parameters: the values sit where the template has {name}.
    const tSegs = op.pathTemplate.replace(/\/+$/, '').split('/');
    const pSegs = e.path.replace(/\/+$/, '').split('/');
    if (tSegs.length === pSegs.length) {
      for (let i = 0; i < tSegs.length; i++) {
        const m = /^\{([^}]+)\}$/.exec(tSegs[i]);
        if (!m) continue;
        const param = op.parameters.find((p) => p.in === 'path' && p.name === m[1]);
        const allowed = allowedTypes(param?.schema);
        let value = pSegs[i];
        try {
          value = decodeURIComponent(value);
        } catch {
          // keep as sent
        }
        const t = textType(value);
        if (allowed && !allowed.has('string') && !typeAllowed(allowed, t) && !PLACEHOLDER.test(value)) {
          problem('type-mismatch', 'path', m[1], `path parameter ${m[1]} is documented as ${typesText(allowed)} but was sent as ${t}`, '', typesText(allowed), t);
        }
      }
    }

    // Query parameters.
    if (e.query.length > 1) {
      const seen = new Set<string>();
      for (const [name, value] of new URLSearchParams(e.query.slice(1))) {
        const bare = name.replace(/\[\]$/, '');
        const param = op.parameters.find((p) => p.in === 'query' && (p.name === name || p.name === bare));
        const extra = ` and query contains ${quote(`${name}=`)}`;
        if (!param) {
          if (spec.credentialQueryParams.includes(name)) continue;
          if (!seen.has(name)) problem('undocumented-param', 'query', name, `query parameter ${name} is not documented for ${op.method} ${op.specPath}`, extra);
          seen.add(name);
          continue;
        }
        let allowed = allowedTypes(param.schema);
        if (allowed?.has('array')) allowed = allowedTypes(itemsOf(param.schema)) ?? allowed;
        const t = textType(value);
        if (allowed && !allowed.has('string') && !allowed.has('array') && !typeAllowed(allowed, t) && !PLACEHOLDER.test(value)) {
          problem('type-mismatch', 'query', name, `query parameter ${name} is documented as ${typesText(allowed)} but was sent as ${t}`, extra, typesText(allowed), t);
        }
      }
    }

    if (stats.bodies >= maxBodies) continue;
    stats.bodies++;
    const walk = (value: unknown, schema: JsonSchema | null | undefined, path: string, location: 'request-body' | 'response-body', depth: number): void => {
      if (depth > MAX_DEPTH || !schema) return;
      const t = valueType(value);
      const allowed = allowedTypes(schema);
      const where = location === 'request-body' ? 'request' : 'response';
      const field = path || '(body)';
      const filterField = path ? ` and ${location === 'request-body' ? 'req' : 'resp'}.body contains ${quote(`"${path.split(/[.[\]]+/).filter(Boolean).pop()}"`)}` : '';
      if (!typeAllowed(allowed, t)) {
        problem('type-mismatch', location, field, `${where} field ${field} is documented as ${typesText(allowed!)} but was ${t}`, filterField, typesText(allowed!), t);
        return;
      }
      if (t === 'object') {
        const { props, open } = documentedProperties(schema);
        let n = 0;
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (++n > 500) break;
          const child = path ? `${path}.${k}` : k;
          const s = props.get(k);
          if (s) walk(v, s, child, location, depth + 1);
          else if (!open) {
            const ff = ` and ${location === 'request-body' ? 'req' : 'resp'}.body contains ${quote(`"${k}"`)}`;
            problem('undocumented-field', location, child, `${where} field ${child} is not documented for ${op.method} ${op.specPath}`, ff);
          }
        }
      } else if (t === 'array') {
        const items = itemsOf(schema);
        if (!items) return;
        const arr = value as unknown[];
        for (let i = 0; i < arr.length && i < 20; i++) walk(arr[i], items, `${path}[]`, location, depth + 1);
      }
    };
    const bodies = readExchange(db, e.id);
    const reqType = headerValue(e.requestHeaders, 'content-type');
    const req = jsonBody(bodies.requestBody, reqType, maxBodyBytes);
    if (req.ok) {
      if (op.requestBody) walk(req.value, op.requestBody, '', 'request-body', 0);
      else if (!['GET', 'HEAD', 'DELETE'].includes(op.method) || (typeof req.value === 'object' && req.value !== null && Object.keys(req.value).length > 0)) {
        problem('undocumented-field', 'request-body', '(body)', `a ${valueType(req.value)} request body was sent but ${op.method} ${op.specPath} documents none`, ' and req.size > 0');
      }
    }
    if (e.status !== null) {
      const schema = responseSchema(op, e.status);
      if (schema) {
        const resp = jsonBody(bodies.responseBody, headerValue(e.responseHeaders, 'content-type'), maxBodyBytes);
        if (resp.ok) walk(resp.value, schema, '', 'response-body', 0);
      }
    }
  }

  const out: DiffItem[] = [];
  let notServed = 0;
  const servedCount = (statuses: Map<number, number>): number => [...statuses].reduce((n, [s, c]) => n + (served(s) ? c : 0), 0);
  const statusText = (statuses: Map<number, number>): string =>
    [...statuses].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([s, c]) => `${c}× ${s}`).join(', ');

  // Versions in use: documented operations and served traffic, by shape with the version number taken out.
  const versions = new Map<string, { version: number; path: string; documented: boolean }[]>();
  const addVersion = (method: string, template: string, documented: boolean): void => {
    const m = VERSION.exec(template);
    if (!m) return;
    const key = `${method} ${shape(template.replace(VERSION, '/v#'))}`;
    const list = versions.get(key) ?? [];
    list.push({ version: Number(m[1]), path: template, documented });
    versions.set(key, list);
  };
  for (const op of spec.operations) addVersion(op.method, op.pathTemplate, true);
  for (const s of shadows.values()) if (servedCount(s.statuses) > 0) addVersion(s.item.method, s.template, false);
  const newerThan = (method: string, template: string): { version: number; path: string; documented: boolean } | null => {
    const m = VERSION.exec(template);
    if (!m) return null;
    const list = versions.get(`${method} ${shape(template.replace(VERSION, '/v#'))}`) ?? [];
    let best: { version: number; path: string; documented: boolean } | null = null;
    for (const v of list) if (v.version > Number(m[1]) && (!best || v.version > best.version || (v.version === best.version && v.documented))) best = v;
    return best;
  };

  for (const s of shadows.values()) {
    const n = servedCount(s.statuses);
    if (n === 0) {
      notServed += s.item.count;
      continue;
    }
    const newer = newerThan(s.item.method, s.template);
    if (newer) {
      s.item.class = 'zombie';
      s.item.reason = `undocumented older version still served (${statusText(s.statuses)}); superseded by ${s.item.method} ${newer.path}${newer.documented ? ' (documented)' : ''}`;
    } else s.item.reason = `served ${n} time${n === 1 ? '' : 's'} (${statusText(s.statuses)}) but not in the spec`;
    out.push(s.item);
  }

  const hitPointers = new Set<string>();
  for (const [op, stats] of perOp) {
    hitPointers.add(op.pointer);
    const newer = op.deprecated ? null : newerThan(op.method, op.pathTemplate);
    if (!op.deprecated && !newer) continue;
    for (const acc of stats.hosts.values()) {
      if (servedCount(acc.statuses) === 0) continue;
      acc.item.reason = op.deprecated
        ? `documented as deprecated, still served (${statusText(acc.statuses)})`
        : `superseded by ${op.method} ${newer!.path}${newer!.documented ? '' : ' (seen in traffic)'}, still served (${statusText(acc.statuses)})`;
      out.push(acc.item);
    }
  }

  const orphanSeen = new Set<string>();
  for (const op of spec.operations) {
    if (hitPointers.has(op.pointer) || orphanSeen.has(op.pointer)) continue;
    orphanSeen.add(op.pointer);
    out.push({
      class: 'orphan', host: null, method: op.method, path: op.pathTemplate, specPath: op.specPath, location: null, name: null, expected: null, observed: null,
      reason: `documented${op.deprecated ? ' (deprecated)' : ''} but never seen in the traffic`, count: 0, requestIds: [], filter: null,
    });
  }

  for (const acc of items.values()) out.push(acc.item);

  const order = new Map(DIFF_CLASSES.map((c, i) => [c, i]));
  out.sort((a, b) => order.get(a.class)! - order.get(b.class)! || b.count - a.count || a.path.localeCompare(b.path) || a.method.localeCompare(b.method) || (a.name ?? '').localeCompare(b.name ?? ''));
  const counts = Object.fromEntries(DIFF_CLASSES.map((c) => [c, 0])) as Record<DiffClass, number>;
  for (const i of out) counts[i.class]++;
  // The inventory shows shadow and zombie badges on its endpoints (replacing the last diff's).
  setEndpointFlags(db, 'spec-diff', out.flatMap((i) => (i.host !== null && (i.class === 'shadow' || i.class === 'zombie') ? [{ host: i.host, method: i.method, path: i.path, flag: i.class }] : [])));
  const operations = new Set(spec.operations.map((o) => o.pointer)).size;
  return {
    spec: { source: spec.source, title: spec.title, version: spec.version, openapi: spec.openapi, operations },
    exchanges, matched, ignored, notServed, counts, items: out, warnings: spec.warnings,
    seconds: (performance.now() - started) / 1000,
  };
}
