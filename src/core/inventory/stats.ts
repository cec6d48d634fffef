/**
 * Per-endpoint accumulators. Cheap facts (hits, statuses, time span, latency histogram, principals,
 * IPs, auth by principal kind, query parameters) are folded from every exchange; costly ones
 * (headers, JSON schemas, sensitive data, JWT algs) from the first `maxBodies` exchanges of each
 * endpoint, so a million-exchange build stays within seconds. The state is plain JSON: the
 * incremental build persists it and folds later imports into it.
 */
import { createHash } from 'node:crypto';
import { authOf, schemeOfPrincipalKind } from './auth.ts';
import { classify, type Classifier } from './classifiers.ts';
import { addSample, newSketch, toSchema, walkLeaves, type Sketch } from './schema.ts';
import { decodeSegment, paramTypeOf, segmentKind, splitPath } from './segments.ts';
import type { Header, PrincipalKind } from '../model/exchange.ts';
import type { AuthScheme, AuthSeen, Endpoint, EndpointFlag, Parameter, ParamType, SegmentKind, SensitiveHit } from './types.ts';

/** What the build reads of every exchange (no headers or bodies). */
export interface LightRow {
  id: number;
  time: number;
  method: string;
  host: string;
  path: string;
  query: string;
  status: number | null;
  duration: number | null;
  ip: string | null;
  principal: string | null;
  principalKind: PrincipalKind | null;
}

/** What the build reads of sampled exchanges besides. */
export interface DetailRow {
  requestHeaders: Header[];
  responseHeaders: Header[];
  requestBody: Uint8Array | null;
  responseBody: Uint8Array | null;
  consumer: string | null;
}

const SET_CAP = 50_000;
const PATHS_CAP = 500;
const LAT_BASE = Math.log(1.03);
const STANDARD_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control', 'connection', 'content-length', 'content-type',
  'cookie', 'host', 'origin', 'pragma', 'referer', 'user-agent', 'te', 'upgrade-insecure-requests', 'if-none-match', 'if-modified-since',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'dnt', 'priority', 'proxy-authorization', 'x-requested-with',
]);

type ValueKind = SegmentKind | 'boolean' | 'number';

export interface StatsState {
  host: string;
  method: string;
  template: string;
  count: number;
  statuses: Record<string, number>;
  first: number;
  last: number;
  lat: Record<string, number>;
  principals: string[];
  ips: string[];
  auth: Partial<Record<AuthScheme, number>>;
  authDetail: Record<string, number>;
  query: Record<string, { n: number; k: Partial<Record<ValueKind, number>> }>;
  headers: Record<string, number>;
  cookies: Record<string, number>;
  detailed: number;
  req: Sketch;
  res: Record<string, Sketch>;
  ctReq: Record<string, number>;
  ctRes: Record<string, number>;
  sensitive: Record<string, number>;
  paths: Record<string, number>;
  pathsOver: number;
  samples: number[];
  latest: number[];
}

function bump<K extends string>(m: Partial<Record<K, number>>, k: K, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}

function valueKind(v: string): ValueKind {
  if (v === 'true' || v === 'false') return 'boolean';
  if (/^-?\d+\.\d+$/.test(v)) return 'number';
  return segmentKind(v);
}

function typeOfKinds(kinds: Partial<Record<ValueKind, number>>): { type: ParamType; format?: string } {
  const ks = Object.keys(kinds) as ValueKind[];
  if (ks.length > 0 && ks.every((k) => k === 'boolean')) return { type: 'boolean' };
  if (ks.length > 0 && ks.every((k) => k === 'int' || k === 'number')) return { type: ks.includes('number') ? 'number' : 'integer' };
  return paramTypeOf(ks.filter((k): k is SegmentKind => k !== 'boolean' && k !== 'number'));
}

export function endpointId(host: string, method: string, template: string): string {
  return createHash('sha1').update(`${host}\n${method}\n${template}`).digest('hex').slice(0, 16);
}

function mediaType(headers: readonly Header[]): string | null {
  for (const [n, v] of headers) if (n.toLowerCase() === 'content-type') return v.split(';')[0].trim().toLowerCase().slice(0, 100) || null;
  return null;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** JSON body (by media type, or by its first byte when untyped), or form fields; null otherwise. */
function parseBody(body: Uint8Array | null, media: string | null, maxBytes: number): unknown {
  if (!body || body.length === 0 || body.length > maxBytes) return undefined;
  const first = body[0];
  const looksJson = media ? /json/.test(media) : first === 0x7b || first === 0x5b;
  if (looksJson) {
    try {
      return JSON.parse(decoder.decode(body)) as unknown;
    } catch {
      return undefined;
    }
  }
  if (media === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(decoder.decode(body)));
  return undefined;
}

export class EndpointStats {
  readonly s: StatsState;
  private principals: Set<string>;
  private ips: Set<string>;
  /** Sizes of s.paths and s.sensitive, kept so caps cost nothing per exchange. */
  private pathKeys: number;
  private sensitiveKeys: number;

  constructor(state: StatsState) {
    this.s = state;
    this.principals = new Set(state.principals);
    this.ips = new Set(state.ips);
    this.pathKeys = Object.keys(state.paths).length;
    this.sensitiveKeys = Object.keys(state.sensitive).length;
  }

  static empty(host: string, method: string, template: string): EndpointStats {
    return new EndpointStats({
      host, method, template, count: 0, statuses: {}, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY, lat: {}, principals: [], ips: [],
      auth: {}, authDetail: {}, query: {}, headers: {}, cookies: {}, detailed: 0, req: newSketch(), res: {}, ctReq: {}, ctRes: {}, sensitive: {},
      paths: {}, pathsOver: 0, samples: [], latest: [],
    });
  }

  get id(): string {
    return endpointId(this.s.host, this.s.method, this.s.template);
  }

  get detailed(): number {
    return this.s.detailed;
  }

  /** Folds the cheap facts of one exchange. */
  add(r: LightRow): void {
    const s = this.s;
    s.count++;
    bump(s.statuses, r.status === null ? 'none' : String(r.status));
    if (r.time < s.first) s.first = r.time;
    if (r.time > s.last) s.last = r.time;
    if (r.duration !== null && r.duration >= 0 && Number.isFinite(r.duration)) bump(s.lat, String(Math.round(Math.log1p(r.duration) / LAT_BASE)));
    if (r.principal !== null && this.principals.size < SET_CAP) this.principals.add(r.principal);
    if (r.ip !== null && this.ips.size < SET_CAP) this.ips.add(r.ip);
    bump(s.auth, schemeOfPrincipalKind(r.principalKind));
    if (Object.hasOwn(s.paths, r.path)) s.paths[r.path]++;
    else if (this.pathKeys < PATHS_CAP) {
      s.paths[r.path] = 1;
      this.pathKeys++;
    } else s.pathsOver++;
    if (s.samples.length < 3) s.samples.push(r.id);
    else {
      s.latest.push(r.id);
      if (s.latest.length > 3) s.latest.shift();
    }
    if (r.query.length > 1 && r.query.length < 8192) {
      const seen = new Set<string>();
      for (const [k, v] of new URLSearchParams(r.query)) {
        if (seen.has(k) || seen.size >= 100) continue;
        seen.add(k);
        let p = Object.hasOwn(s.query, k) ? s.query[k] : undefined;
        if (!p) {
          if (Object.keys(s.query).length >= 200) continue;
          p = s.query[k] = { n: 0, k: {} };
        }
        p.n++;
        bump(p.k, valueKind(v));
      }
    }
  }

  /** Folds the costly facts of a sampled exchange: headers, auth detail, schemas, sensitive data. */
  addDetail(r: LightRow, d: DetailRow, catalogue: readonly Classifier[], maxBodyBytes: number): void {
    const s = this.s;
    s.detailed++;
    for (const a of authOf(d.requestHeaders, r.query, d.consumer)) bump(s.authDetail, `${a.scheme}\t${a.alg ?? ''}\t${a.carrier ?? ''}`);
    const seenHeaders = new Set<string>();
    for (const [n, v] of d.requestHeaders) {
      const name = n.toLowerCase();
      if (name.startsWith(':') || STANDARD_HEADERS.has(name) || seenHeaders.has(name) || seenHeaders.size > 50) continue;
      seenHeaders.add(name);
      bump(s.headers, name);
      if (!/^(x-api-key|api-key|apikey|x-apikey|x-auth-token|x-access-token)$/.test(name)) this.scan(catalogue, v, name, 'request', 'header', name);
    }
    for (const [n, v] of d.requestHeaders) {
      if (n.toLowerCase() !== 'cookie') continue;
      for (const pair of v.split(/;\s*/)) {
        const eq = pair.indexOf('=');
        if (eq > 0 && Object.keys(s.cookies).length < 100) bump(s.cookies, pair.slice(0, eq).trim());
      }
    }
    if (r.query.length > 1 && r.query.length < 8192) for (const [k, v] of new URLSearchParams(r.query)) this.scan(catalogue, v, k, 'request', 'query', k);
    const segs = splitPath(r.path);
    for (let i = 0; i < segs.length && i < 48; i++) {
      const seg = decodeSegment(segs[i]);
      if (seg.length >= 6) this.scan(catalogue, seg, i > 0 ? decodeSegment(segs[i - 1]) : null, 'request', 'path', null);
    }
    const reqMedia = mediaType(d.requestHeaders);
    const resMedia = mediaType(d.responseHeaders);
    if (reqMedia && d.requestBody && d.requestBody.length > 0) bump(s.ctReq, reqMedia);
    if (resMedia && r.status !== null) bump(s.ctRes, resMedia);
    const reqJson = parseBody(d.requestBody, reqMedia, maxBodyBytes);
    if (reqJson !== undefined) {
      addSample(s.req, reqJson);
      walkLeaves(reqJson, (v, k, p) => this.scan(catalogue, v, k, 'request', 'body', p));
    }
    const resJson = parseBody(d.responseBody, resMedia, maxBodyBytes);
    if (resJson !== undefined && r.status !== null) {
      const key = String(r.status);
      if (!Object.hasOwn(s.res, key) && Object.keys(s.res).length < 30) s.res[key] = newSketch();
      if (Object.hasOwn(s.res, key)) addSample(s.res[key], resJson);
      walkLeaves(resJson, (v, k, p) => this.scan(catalogue, v, k, 'response', 'body', p));
    }
  }

  private scan(catalogue: readonly Classifier[], value: string, key: string | null, direction: 'request' | 'response', location: SensitiveHit['location'], field: string | null): void {
    if (value.length === 0 || value.length > 4096) return;
    for (const cls of classify(catalogue, value, key, direction)) {
      const k = `${cls}\t${direction}\t${location}\t${field ?? ''}`;
      if (Object.hasOwn(this.s.sensitive, k)) this.s.sensitive[k]++;
      else if (this.sensitiveKeys < 300) {
        this.s.sensitive[k] = 1;
        this.sensitiveKeys++;
      }
    }
  }

  /** Adds another accumulator of the same endpoint (templates merged by a new build or a decision). */
  absorb(o: EndpointStats): void {
    const s = this.s;
    const t = o.s;
    s.count += t.count;
    for (const [k, v] of Object.entries(t.statuses)) bump(s.statuses, k, v);
    s.first = Math.min(s.first, t.first);
    s.last = Math.max(s.last, t.last);
    for (const [k, v] of Object.entries(t.lat)) bump(s.lat, k, v);
    for (const p of o.principals) if (this.principals.size < SET_CAP) this.principals.add(p);
    for (const p of o.ips) if (this.ips.size < SET_CAP) this.ips.add(p);
    for (const [k, v] of Object.entries(t.auth) as [AuthScheme, number][]) bump(s.auth, k, v);
    for (const [k, v] of Object.entries(t.authDetail)) bump(s.authDetail, k, v);
    for (const [k, v] of Object.entries(t.query)) {
      const p = Object.hasOwn(s.query, k) ? s.query[k] : (s.query[k] = { n: 0, k: {} });
      p.n += v.n;
      for (const [kk, n] of Object.entries(v.k) as [ValueKind, number][]) bump(p.k, kk, n);
    }
    for (const [k, v] of Object.entries(t.headers)) bump(s.headers, k, v);
    for (const [k, v] of Object.entries(t.cookies)) bump(s.cookies, k, v);
    s.detailed += t.detailed;
    mergeSketch(s.req, t.req);
    for (const [k, v] of Object.entries(t.res)) {
      if (Object.hasOwn(s.res, k)) mergeSketch(s.res[k], v);
      else s.res[k] = v;
    }
    for (const [k, v] of Object.entries(t.ctReq)) bump(s.ctReq, k, v);
    for (const [k, v] of Object.entries(t.ctRes)) bump(s.ctRes, k, v);
    for (const [k, v] of Object.entries(t.sensitive)) bump(s.sensitive, k, v);
    this.sensitiveKeys = Object.keys(s.sensitive).length;
    for (const [k, v] of Object.entries(t.paths)) {
      if (Object.hasOwn(s.paths, k)) s.paths[k] += v;
      else if (this.pathKeys < PATHS_CAP) {
        s.paths[k] = v;
        this.pathKeys++;
      } else s.pathsOver += v;
    }
    s.pathsOver += t.pathsOver;
    s.samples = [...new Set([...s.samples, ...t.samples])].sort((a, b) => a - b).slice(0, 3);
    s.latest = [...new Set([...s.latest, ...t.latest])].sort((a, b) => a - b).slice(-3);
  }

  toState(): StatsState {
    this.s.principals = [...this.principals];
    this.s.ips = [...this.ips];
    return this.s;
  }

  latency(): { p50: number; p95: number } | null {
    const buckets = Object.entries(this.s.lat).map(([b, n]) => [Number(b), n] as const).sort((a, b) => a[0] - b[0]);
    const total = buckets.reduce((a, [, n]) => a + n, 0);
    if (total === 0) return null;
    const at = (q: number): number => {
      let acc = 0;
      for (const [b, n] of buckets) {
        acc += n;
        if (acc >= q * total) return Math.round(Math.expm1(b * LAT_BASE) * 10) / 10;
      }
      return 0;
    };
    return { p50: at(0.5), p95: at(0.95) };
  }

  /** Path parameters typed from the kinds of the concrete values folded into each position. */
  pathParams(): { name: string; type: ParamType; format?: string }[] {
    const segs = splitPath(this.s.template);
    const out: { name: string; type: ParamType; format?: string }[] = [];
    for (let i = 0; i < segs.length; i++) {
      const m = /^\{(.+)\}$/.exec(segs[i]);
      if (!m) continue;
      const kinds = new Set<SegmentKind>();
      for (const path of Object.keys(this.s.paths)) {
        const v = splitPath(path)[i];
        if (v !== undefined) kinds.add(segmentKind(decodeSegment(v)));
      }
      out.push({ name: m[1], ...paramTypeOf(kinds) });
    }
    return out;
  }

  /** The public view, with the findings count and flags other stages keep. */
  toEndpoint(findings: number, flags: EndpointFlag[]): Endpoint {
    const s = this.s;
    const params: Parameter[] = this.pathParams().map((p) => ({ in: 'path', name: p.name, type: p.type, ...(p.format ? { format: p.format } : {}), required: true, count: s.count }));
    for (const [name, q] of Object.entries(s.query).sort((a, b) => b[1].n - a[1].n)) {
      params.push({ in: 'query', name, ...typeOfKinds(q.k), required: q.n === s.count, count: q.n });
    }
    for (const [name, n] of Object.entries(s.headers).sort((a, b) => b[1] - a[1])) params.push({ in: 'header', name, type: 'string', required: n === s.detailed, count: n });
    for (const [name, n] of Object.entries(s.cookies).sort((a, b) => b[1] - a[1])) params.push({ in: 'cookie', name, type: 'string', required: n === s.detailed, count: n });
    const authDetail: AuthSeen[] = Object.entries(s.authDetail)
      .map(([k, count]) => {
        const [scheme, alg, carrier] = k.split('\t');
        return { scheme: scheme as AuthScheme, alg: alg || null, carrier: carrier || null, count };
      })
      .sort((a, b) => b.count - a.count);
    const auth = (Object.entries(s.auth) as [AuthScheme, number][]).sort((a, b) => b[1] - a[1]).map(([k]) => k);
    // The header walk sees schemes principal extraction folds away (an API key beside a JWT).
    for (const a of authDetail) if (!auth.includes(a.scheme)) auth.push(a.scheme);
    const sensitiveDetail: SensitiveHit[] = Object.entries(s.sensitive)
      .map(([k, count]) => {
        const [cls, direction, location, field] = k.split('\t');
        return { class: cls, direction: direction as 'request' | 'response', location: location as SensitiveHit['location'], field: field || null, count };
      })
      .sort((a, b) => b.count - a.count || a.class.localeCompare(b.class));
    const responseSchemas: Record<string, ReturnType<typeof toSchema>> = {};
    for (const [status, sk] of Object.entries(s.res).sort()) responseSchemas[status] = toSchema(sk);
    return {
      id: this.id,
      host: s.host,
      method: s.method,
      path: s.template,
      count: s.count,
      statuses: Object.fromEntries(Object.entries(s.statuses).sort()),
      firstSeen: new Date(Number.isFinite(s.first) ? s.first : 0).toISOString(),
      lastSeen: new Date(Number.isFinite(s.last) ? s.last : 0).toISOString(),
      latency: this.latency(),
      principals: this.principals.size,
      ips: this.ips.size,
      auth,
      authDetail,
      params,
      requestSchema: s.req.n > 0 ? toSchema(s.req) : null,
      responseSchemas,
      contentTypes: { request: Object.keys(s.ctReq), response: Object.keys(s.ctRes) },
      sensitive: [...new Set(sensitiveDetail.map((h) => h.class))].sort(),
      sensitiveDetail,
      distinctPaths: Object.keys(s.paths).length + (s.pathsOver > 0 ? 1 : 0),
      samples: [...new Set([...s.samples, ...s.latest])],
      findings,
      flags,
    };
  }
}

function mergeSketch(a: Sketch, b: Sketch): void {
  a.n += b.n;
  for (const [k, v] of Object.entries(b.t) as [keyof Sketch['t'], number][]) a.t[k] = (a.t[k] ?? 0) + v;
  if (b.f !== undefined) a.f = a.f === undefined ? b.f : a.f === b.f ? a.f : null;
  if (b.o) a.o = (a.o ?? 0) + b.o;
  if (b.p) {
    a.p ??= {};
    for (const [k, v] of Object.entries(b.p)) {
      if (Object.hasOwn(a.p, k)) mergeSketch(a.p[k], v);
      else a.p[k] = v;
    }
  }
  if (b.i) {
    if (a.i) mergeSketch(a.i, b.i);
    else a.i = b.i;
  }
  if (b.x) a.x = true;
}
