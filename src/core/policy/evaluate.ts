/**
 * A policy compiled to per-rule closures over one exchange: what an enforcer loaded with the
 * exported bundle would do. Simulation drives it over captured traffic; rate limits keep per-key
 * state and run on the traffic's own clock, with NGINX's leaky-bucket arithmetic (limit_req).
 * Every per-value result that repeats across traffic (IP in CIDR, user agent, operation lookup,
 * header checks) is cached, per distinct value or per interned key, so cost per exchange stays flat.
 */
import ipaddr from 'ipaddr.js';
import type { ValidateFunction } from 'ajv';
import { headerValue, type Header } from '../model/exchange.ts';
import { urlDecode } from '../detect/decode.ts';
import { LineFacts, RequestContext, withRoom, type Request } from './context.ts';
import { SignatureScanner } from './signature-memo.ts';
import { schemaAjv } from './load.ts';
import { compileEndpoint, compileScope, compileTemplate, type LineTest, type RequestLine } from './match.ts';
import type { AccessListRule, BlockEndpointsRule, Operation, Policy, PolicyRule, PositiveModelRule, RateLimitRule, SignatureRule } from './types.ts';

/** What one rule makes of one exchange: out of scope, in scope but no action, or acting (with why). */
export type Verdict = null | false | string;

/**
 * What a rule can decide from the request line alone (host, method, path): computed once per
 * distinct line and cached, so scopes, blocked endpoints and operation lookups cost nothing per
 * exchange. `false` means out of scope; anything else is handed to `judge`.
 */
type LineFact = unknown;

export interface CompiledRule {
  rule: PolicyRule;
  line(r: RequestLine): LineFact;
  /** false: looked at, nothing to do; string: acts, and why (called only in scope). */
  judge(ctx: RequestContext, fact: LineFact): Verdict;
}

type Compiled = Omit<CompiledRule, 'rule'>;

/** A scope's line fact: in scope or not. */
const scopeFact = (test: LineTest | null) => (test ? (r: RequestLine) => test(r) : () => true);

const MAX_CACHE = 100_000;

/** Per interned key (context.ts ids): a value computed once, in a growable array. */
class PerId<V> {
  private values: (V | undefined)[] = [];
  get(id: number): V | undefined {
    return this.values[id];
  }
  set(id: number, v: V): void {
    while (id >= this.values.length) this.values.push(undefined);
    this.values[id] = v;
  }
}

export const ipOf = (e: Request): string | null => e.ip ?? e.clientIp;
export const actorOf = (e: Request): string => e.principal ?? e.ip ?? e.clientIp ?? 'unknown';

function normaliseIp(ip: string): string | null {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return null;
  }
}

function compileRateLimit(r: RateLimitRule): Compiled {
  const rate = r.limit / r.windowMs; // requests per ms
  // Per key (interned id): the bucket's excess and its last update; NaN = key not seen yet.
  let excess = new Float64Array(0);
  let last = new Float64Array(0);
  const judge = (ctx: RequestContext): Verdict => {
    const id = r.key === 'ip' ? ctx.ipId() : ctx.principalId();
    // Like NGINX, a request without a key value is not accounted.
    if (id < 0) return false;
    excess = withRoom(excess, id, NaN);
    last = withRoom(last, id);
    const time = ctx.e.time;
    const before = excess[id];
    if (Number.isNaN(before)) {
      excess[id] = 0;
      last[id] = time;
      return false;
    }
    const x = Math.max(before - rate * Math.max(0, time - last[id]), 0) + 1;
    if (x > r.burst) return `over ${r.limit}/${r.windowMs / 1000}s (burst ${r.burst}) for ${r.key} ${ctx.ids.strings[id]}`;
    excess[id] = x;
    last[id] = Math.max(last[id], time);
    return false;
  };
  return { line: scopeFact(compileScope(r.scope)), judge };
}

function compileAccessList(r: AccessListRule, slot: number): Compiled {
  const ips = new Set((r.ips ?? []).map((ip) => normaliseIp(ip)!));
  const cidrs = (r.cidrs ?? []).map((c) => ipaddr.parseCIDR(c));
  const principals = new Set(r.principals ?? []);
  const uaContains = (r.userAgents ?? []).flatMap((u) => ('contains' in u ? [u.contains.toLowerCase()] : []));
  const uaRegex = (r.userAgents ?? []).flatMap((u) => ('regex' in u ? [new RegExp(u.regex)] : []));
  const countries = new Set(r.countries ?? []);
  const ipHits = new PerId<string | null>();
  const principalHits = new PerId<string | null>();
  const ipHit = (raw: string): string | null => {
    const norm = normaliseIp(raw);
    if (norm === null) return null;
    if (ips.has(norm)) return `ip ${norm}`;
    if (cidrs.length) {
      const addr = ipaddr.process(norm);
      for (const [net, bits] of cidrs) if (addr.kind() === net.kind() && addr.match(net, bits)) return `ip ${norm} in ${net.toString()}/${bits}`;
    }
    return null;
  };
  const uaHit = (ua: string): string | null => {
    let hit: string | null = null;
    const lower = ua.toLowerCase();
    for (const c of uaContains) if (lower.includes(c)) hit = `user agent contains ${JSON.stringify(c)}`;
    if (hit === null) for (const re of uaRegex) if (re.test(ua)) hit = `user agent matches /${re.source}/`;
    return hit;
  };
  const checkIps = ips.size > 0 || cidrs.length > 0;
  const checkPrincipals = principals.size > 0;
  const checkUa = uaContains.length > 0 || uaRegex.length > 0;
  const onlyCountries = !checkIps && !checkUa && principals.size === 0;
  const judge = (ctx: RequestContext): Verdict => {
    const e = ctx.e;
    let hit: string | null = null;
    if (checkIps) {
      const id = ctx.ipId();
      if (id >= 0) {
        let v = ipHits.get(id);
        if (v === undefined) ipHits.set(id, (v = ipHit(ctx.ids.strings[id])));
        hit = v;
      }
    }
    if (hit === null && checkPrincipals) {
      const id = ctx.principalId();
      if (id >= 0) {
        let v = principalHits.get(id);
        if (v === undefined) principalHits.set(id, (v = principals.has(e.principal!) ? `principal ${e.principal}` : null));
        hit = v;
      }
    }
    if (hit === null && checkUa) {
      // The user agent's verdict is kept on the header list's facts.
      const h = ctx.headers();
      let ua = h.slots[slot] as string | null | undefined;
      if (ua === undefined) {
        const value = h.userAgent;
        h.slots[slot] = ua = value ? uaHit(value) : null;
      }
      hit = ua;
    }
    const country = e.extra?.country;
    const known = typeof country === 'string' && country !== '';
    if (hit === null && countries.size && known && countries.has(country.toUpperCase())) hit = `country ${country.toUpperCase()}`;
    if (r.mode === 'deny') return hit ?? false;
    if (hit !== null) return false;
    // An allow list of countries cannot judge requests whose log carries no country.
    if (onlyCountries && !known) return false;
    return 'not on the allow list';
  };
  return { line: scopeFact(compileScope(r.scope)), judge };
}

function compileBlockEndpoints(r: BlockEndpointsRule): Compiled {
  const tests = r.endpoints.map((ep) => ({ ep, test: compileEndpoint(ep) }));
  const methods = new Set(r.methods);
  // Every request is in scope: the line fact is the verdict itself (wrapped, as false means out of scope).
  const line = (l: RequestLine): { v: Verdict } => {
    if (methods.has(l.method)) return { v: `method ${l.method} is blocked` };
    for (const { ep, test } of tests) if (test(l)) return { v: `${ep.method} ${ep.path} is blocked${ep.reason ? ` (${ep.reason})` : ''}` };
    return { v: false };
  };
  return { line, judge: (_ctx, fact) => (fact as { v: Verdict }).v };
}

interface CompiledOperation {
  op: Operation;
  /** Position in the rule's operations (indexes per-header-list verdicts). */
  index: number;
  where: string;
  test: LineTest;
  /** Captures path placeholders in order, when any path parameter carries a schema. */
  pathCapture: RegExp | null;
  pathNames: string[];
  query: Map<string, { required: boolean; validate: ValidateFunction | null }>;
  headers: { name: string; required: boolean; validate: ValidateFunction | null }[];
  pathParams: Map<string, ValidateFunction>;
  body: { required: boolean; contentTypes: string[] | null; validate: ValidateFunction | null } | null;
}

/** Query/path/header values arrive as text: give numbers and booleans the type their schema wants. */
function coerce(v: string, schema: Record<string, unknown> | undefined): unknown {
  const t = schema?.type;
  const types = Array.isArray(t) ? t : [t];
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(v)) return Number(v);
  if (types.includes('boolean') && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

function validatorOf(schema: Record<string, unknown> | undefined): ValidateFunction | null {
  return schema ? schemaAjv.compile(schema) : null;
}

function compileOperation(op: Operation, index: number): CompiledOperation {
  const params = op.parameters ?? [];
  const pathNames = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const pathParams = new Map<string, ValidateFunction>();
  for (const p of params) if (p.in === 'path' && p.schema) pathParams.set(p.name, schemaAjv.compile(p.schema));
  const body = op.requestBody
    ? { required: op.requestBody.required === true, contentTypes: op.requestBody.contentTypes?.map((c) => c.toLowerCase()) ?? null, validate: validatorOf(op.requestBody.schema) }
    : null;
  return {
    op,
    index,
    where: `${op.method} ${op.path}`,
    test: compileEndpoint({ host: op.host, method: op.method, path: op.path }),
    pathCapture: pathParams.size ? new RegExp(`^${compileTemplate(op.path).body.replaceAll('[^/]+', '([^/]+)')}$`) : null,
    pathNames,
    query: new Map(params.filter((p) => p.in === 'query').map((p) => [p.name, { required: p.required === true, validate: validatorOf(p.schema) }])),
    headers: params.filter((p) => p.in === 'header').map((p) => ({ name: p.name, required: p.required === true, validate: validatorOf(p.schema) })),
    pathParams,
    body,
  };
}

function parseQuery(q: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of q.slice(1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    out.push([urlDecode(eq === -1 ? part : part.slice(0, eq)), eq === -1 ? '' : urlDecode(part.slice(eq + 1))]);
  }
  return out;
}

function checkPath(c: CompiledOperation, path: string): string | false {
  if (!c.pathCapture) return false;
  const m = c.pathCapture.exec(path);
  if (!m) return false;
  for (let i = 0; i < c.pathNames.length; i++) {
    const v = c.pathParams.get(c.pathNames[i]);
    if (v && !v(coerce(urlDecode(m[i + 1]), v.schema as Record<string, unknown>))) return `${c.where}: path parameter ${c.pathNames[i]} ${v.errors?.[0]?.message ?? 'is invalid'}`;
  }
  return false;
}

/** The query's verdict for an operation: a function of the query string (cached on its facts). */
function checkQuery(c: CompiledOperation, query: string, rejectUnknown: boolean): string | false {
  const where = c.where;
  const seen = new Set<string>();
  if (query.length > 1) {
    for (const [name, value] of parseQuery(query)) {
      const p = c.query.get(name);
      if (!p) {
        if (rejectUnknown) return `${where}: undeclared query parameter ${JSON.stringify(name)}`;
        continue;
      }
      seen.add(name);
      if (p.validate && !p.validate(coerce(value, p.validate.schema as Record<string, unknown>))) return `${where}: query parameter ${name} ${p.validate.errors?.[0]?.message ?? 'is invalid'}`;
    }
  }
  for (const [name, p] of c.query) if (p.required && !seen.has(name)) return `${where}: required query parameter ${name} is missing`;
  return false;
}

/** The declared headers' verdict: a function of the header list, so cached on its facts. */
function checkHeaders(c: CompiledOperation, headers: readonly Header[]): string | false {
  for (const h of c.headers) {
    const v = headerValue(headers, h.name);
    if (v === undefined) {
      if (h.required) return `${c.where}: required header ${h.name} is missing`;
      continue;
    }
    if (h.validate && !h.validate(coerce(v, h.validate.schema as Record<string, unknown>))) return `${c.where}: header ${h.name} ${h.validate.errors?.[0]?.message ?? 'is invalid'}`;
  }
  return false;
}

function checkOperation(c: CompiledOperation, ctx: RequestContext, rejectUnknown: boolean, slot: number, operations: number): string | false {
  const where = c.where;
  const e = ctx.e;
  // Per query string and per header list: each operation's verdict, by its index.
  const qf = ctx.query();
  const queryVerdicts = (qf.slots[slot] ??= new Array<string | false | undefined>(operations).fill(undefined)) as (string | false | undefined)[];
  let q = queryVerdicts[c.index];
  if (q === undefined) queryVerdicts[c.index] = q = checkQuery(c, e.query, rejectUnknown);
  if (q !== false) return q;
  if (c.headers.length || c.body) {
    const facts = ctx.headers();
    if (c.headers.length) {
      const verdicts = (facts.slots[slot] ??= new Array<string | false | undefined>(operations).fill(undefined)) as (string | false | undefined)[];
      let h = verdicts[c.index];
      if (h === undefined) verdicts[c.index] = h = checkHeaders(c, facts.list);
      if (h !== false) return h;
    }
    if (c.body) {
      const size = ctx.bodyLength() ?? e.requestSize ?? 0;
      if (size === 0) return c.body.required ? `${where}: request body is required` : false;
      const ct = facts.mediaType;
      if (c.body.contentTypes && ct && !c.body.contentTypes.includes(ct)) return `${where}: content type ${ct} is not accepted`;
      // Logs carry no bodies: a body schema can only be judged where the capture kept the body.
      const body = c.body.validate ? ctx.body() : null;
      if (c.body.validate && body && body.length && (ct === '' || ct.includes('json'))) {
        let doc: unknown;
        try {
          doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
        } catch {
          return `${where}: request body is not valid JSON`;
        }
        if (!c.body.validate(doc)) {
          const err = c.body.validate.errors?.[0];
          return `${where}: request body${err?.instancePath ? ` ${err.instancePath}` : ''} ${err?.message ?? 'is invalid'}`;
        }
      }
    }
  }
  return false;
}

function compilePositiveModel(r: PositiveModelRule, slot: number): Compiled {
  const ops = r.operations.map((op, i) => compileOperation(op, i));
  const byMethod = new Map<string, CompiledOperation[]>();
  for (const c of ops) {
    const list = byMethod.get(c.op.method) ?? [];
    list.push(c);
    byMethod.set(c.op.method, list);
  }
  // Literal paths before templated ones, so /users/me wins over /users/{id}.
  for (const list of byMethod.values()) list.sort((a, b) => Number(compileTemplate(a.op.path).literal) - Number(compileTemplate(b.op.path).literal)).reverse();
  const reject = r.unknownParameters === 'reject';
  // The line fact: the operation and what its path parameters say, or the rejection.
  const line = (l: RequestLine): { op: CompiledOperation | null; path: string | false } => {
    const op = byMethod.get(l.method)?.find((c) => c.test(l)) ?? null;
    return op ? { op, path: checkPath(op, l.path) } : { op: null, path: `${l.method} ${l.path} is not an allowed operation` };
  };
  return {
    line,
    judge: (ctx, fact) => {
      const f = fact as ReturnType<typeof line>;
      return f.op === null || f.path !== false ? f.path : checkOperation(f.op, ctx, reject, slot, ops.length);
    },
  };
}

function compileSignature(r: SignatureRule, scanner: SignatureScanner): Compiled {
  const rule = scanner.add(r);
  const judge = (ctx: RequestContext): Verdict => {
    const h = scanner.test(rule, ctx);
    return h === null ? false : `${h.library} signature in ${h.where}: ${h.snippet.slice(0, 60)}`;
  };
  return { line: scopeFact(compileScope(r.scope)), judge };
}

/** `slot`: the rule's position in the compiled policy (indexes its per-header-list facts). */
export function compileRule(rule: PolicyRule, scanner: SignatureScanner, slot: number): CompiledRule {
  switch (rule.type) {
    case 'rate-limit': return { rule, ...compileRateLimit(rule) };
    case 'access-list': return { rule, ...compileAccessList(rule, slot) };
    case 'block-endpoints': return { rule, ...compileBlockEndpoints(rule) };
    case 'positive-model': return { rule, ...compilePositiveModel(rule, slot) };
    case 'signature': return { rule, ...compileSignature(rule, scanner) };
  }
}

export interface CompiledPolicy {
  rules: CompiledRule[];
  /** Whether judging needs request bodies (signature rules on bodies, body schemas). */
  needsBodies: boolean;
  /** Whether judging reads exchanges' extra fields (country lists). */
  needsExtra: boolean;
  /** Each enabled rule's verdict on one exchange, in rule order (the array is reused per call). */
  judge(e: Request): Verdict[];
  /** The last judged exchange's context: its interned IP and principal (ctx.ids numbers them). */
  readonly context: RequestContext;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  // The signature rules share one scanner: each target kind is scanned once per exchange with
  // every library any rule wants there, and memoised across exchanges (signature-memo.ts).
  const scanner = new SignatureScanner();
  const enabled = policy.rules.filter((r) => r.enabled);
  const rules = enabled.map((r, i) => compileRule(r, scanner, i));
  const needsBodies = rules.some(({ rule: r }) => (r.type === 'signature' && r.targets.includes('body')) || (r.type === 'positive-model' && r.operations.some((o) => o.requestBody?.schema)));
  const needsExtra = rules.some(({ rule: r }) => r.type === 'access-list' && (r.countries?.length ?? 0) > 0);
  const ctx = new RequestContext(scanner.plan, rules.length);
  const verdicts: Verdict[] = new Array<Verdict>(rules.length).fill(null);
  // path → the lines with that path (host, method): one string hashed per exchange, host and
  // method compared.
  const lines = new Map<string, LineFacts>();
  let cachedLines = 0;
  const lineOf = (e: Request): LineFacts => {
    const first = lines.get(e.path);
    for (let l = first; l !== undefined; l = l.next) if (l.method === e.method && l.host === e.host) return l;
    const line = new LineFacts(e.host, e.method, rules.map((c) => c.line(e)), first);
    if (++cachedLines > MAX_CACHE) {
      lines.clear();
      cachedLines = 0;
    } else lines.set(e.path, line);
    return line;
  };
  return {
    rules,
    needsBodies,
    needsExtra,
    context: ctx,
    judge(e) {
      const line = lineOf(e);
      ctx.begin(e, line);
      scanner.begin();
      const facts = line.facts;
      for (let i = 0; i < rules.length; i++) {
        const f = facts[i];
        verdicts[i] = f === false ? null : rules[i].judge(ctx, f);
      }
      return verdicts;
    },
  };
}
