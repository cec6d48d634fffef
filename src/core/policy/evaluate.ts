/**
 * A policy compiled to per-rule closures over one exchange: what an enforcer loaded with the
 * exported bundle would do. Simulation drives it over captured traffic; rate limits keep per-key
 * state and run on the traffic's own clock, with NGINX's leaky-bucket arithmetic (limit_req).
 * Every per-value result that repeats across traffic (IP in CIDR, user agent, operation lookup) is
 * cached with a bound, so cost per exchange stays flat.
 */
import ipaddr from 'ipaddr.js';
import type { ValidateFunction } from 'ajv';
import { headerValue, type StoredExchange } from '../model/exchange.ts';
import { urlDecode } from '../detect/decode.ts';
import { ExchangeView } from '../detect/fields.ts';
import { SIGNATURES } from '../detect/signatures.ts';
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
  /** null: not in the rule's scope; false: looked at, nothing to do; string: acts, and why. */
  judge(e: StoredExchange, fact: LineFact, view: () => ExchangeView): Verdict;
}

type Compiled = Omit<CompiledRule, 'rule'>;

/** A scope's line fact: in scope or not. */
const scopeFact = (test: LineTest | null) => (test ? (r: RequestLine) => test(r) : () => true);

const MAX_CACHE = 100_000;

function bounded<K, V>(): { get(k: K): V | undefined; set(k: K, v: V): void } {
  const m = new Map<K, V>();
  return {
    get: (k) => m.get(k),
    set: (k, v) => {
      if (m.size >= MAX_CACHE) m.clear();
      m.set(k, v);
    },
  };
}

export const ipOf = (e: StoredExchange): string | null => e.ip ?? e.clientIp;
export const actorOf = (e: StoredExchange): string => e.principal ?? e.ip ?? e.clientIp ?? 'unknown';

function normaliseIp(ip: string): string | null {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return null;
  }
}

function compileRateLimit(r: RateLimitRule): Compiled {
  const rate = r.limit / r.windowMs; // requests per ms
  const state = new Map<string, { excess: number; last: number }>();
  const judge = (e: StoredExchange): Verdict => {
    const key = r.key === 'ip' ? ipOf(e) : e.principal;
    // Like NGINX, a request without a key value is not accounted.
    if (key === null) return false;
    const s = state.get(key);
    if (!s) {
      state.set(key, { excess: 0, last: e.time });
      return false;
    }
    const excess = Math.max(s.excess - rate * Math.max(0, e.time - s.last), 0) + 1;
    if (excess > r.burst) return `over ${r.limit}/${r.windowMs / 1000}s (burst ${r.burst}) for ${r.key} ${key}`;
    s.excess = excess;
    s.last = Math.max(s.last, e.time);
    return false;
  };
  return { line: scopeFact(compileScope(r.scope)), judge };
}

function compileAccessList(r: AccessListRule): Compiled {
  const ips = new Set((r.ips ?? []).map((ip) => normaliseIp(ip)!));
  const cidrs = (r.cidrs ?? []).map((c) => ipaddr.parseCIDR(c));
  const principals = new Set(r.principals ?? []);
  const uaContains = (r.userAgents ?? []).flatMap((u) => ('contains' in u ? [u.contains.toLowerCase()] : []));
  const uaRegex = (r.userAgents ?? []).flatMap((u) => ('regex' in u ? [new RegExp(u.regex)] : []));
  const countries = new Set(r.countries ?? []);
  const ipCache = bounded<string, string | null>();
  const uaCache = bounded<string, string | null>();
  const ipHit = (raw: string): string | null => {
    let hit = ipCache.get(raw);
    if (hit !== undefined) return hit;
    hit = null;
    const norm = normaliseIp(raw);
    if (norm !== null) {
      if (ips.has(norm)) hit = `ip ${norm}`;
      else if (cidrs.length) {
        const addr = ipaddr.process(norm);
        for (const [net, bits] of cidrs) {
          if (addr.kind() === net.kind() && addr.match(net, bits)) {
            hit = `ip ${norm} in ${net.toString()}/${bits}`;
            break;
          }
        }
      }
    }
    ipCache.set(raw, hit);
    return hit;
  };
  const uaHit = (ua: string): string | null => {
    let hit = uaCache.get(ua);
    if (hit !== undefined) return hit;
    hit = null;
    const lower = ua.toLowerCase();
    for (const c of uaContains) if (lower.includes(c)) hit = `user agent contains ${JSON.stringify(c)}`;
    if (hit === null) for (const re of uaRegex) if (re.test(ua)) hit = `user agent matches /${re.source}/`;
    uaCache.set(ua, hit);
    return hit;
  };
  const checkIps = ips.size > 0 || cidrs.length > 0;
  const checkUa = uaContains.length > 0 || uaRegex.length > 0;
  const onlyCountries = !checkIps && !checkUa && principals.size === 0;
  const judge = (e: StoredExchange): Verdict => {
    let hit: string | null = null;
    const ip = ipOf(e);
    if (checkIps && ip !== null) hit = ipHit(ip);
    if (hit === null && e.principal !== null && principals.has(e.principal)) hit = `principal ${e.principal}`;
    if (hit === null && checkUa) {
      const ua = headerValue(e.requestHeaders, 'user-agent');
      if (ua) hit = uaHit(ua);
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
  return { line, judge: (_e, fact) => (fact as { v: Verdict }).v };
}

interface CompiledOperation {
  op: Operation;
  where: string;
  queryRejecting: Map<string, string | false>;
  queryAllowing: Map<string, string | false>;
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

function compileOperation(op: Operation): CompiledOperation {
  const params = op.parameters ?? [];
  const pathNames = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const pathParams = new Map<string, ValidateFunction>();
  for (const p of params) if (p.in === 'path' && p.schema) pathParams.set(p.name, schemaAjv.compile(p.schema));
  const body = op.requestBody
    ? { required: op.requestBody.required === true, contentTypes: op.requestBody.contentTypes?.map((c) => c.toLowerCase()) ?? null, validate: validatorOf(op.requestBody.schema) }
    : null;
  return {
    op,
    where: `${op.method} ${op.path}`,
    queryRejecting: new Map(),
    queryAllowing: new Map(),
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

/** The query's verdict for an operation: a function of the query string, so cached per string. */
function checkQuery(c: CompiledOperation, query: string, rejectUnknown: boolean): string | false {
  const memo = rejectUnknown ? c.queryRejecting : c.queryAllowing;
  const known = memo.get(query);
  if (known !== undefined) return known;
  const v = checkQueryUncached(c, query, rejectUnknown);
  if (query.length <= 2048) {
    if (memo.size >= MAX_CACHE) memo.clear();
    memo.set(query, v);
  }
  return v;
}

function checkQueryUncached(c: CompiledOperation, query: string, rejectUnknown: boolean): string | false {
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

function checkOperation(c: CompiledOperation, e: StoredExchange, rejectUnknown: boolean): string | false {
  const where = c.where;
  const q = checkQuery(c, e.query, rejectUnknown);
  if (q !== false) return q;
  for (const h of c.headers) {
    const v = headerValue(e.requestHeaders, h.name);
    if (v === undefined) {
      if (h.required) return `${where}: required header ${h.name} is missing`;
      continue;
    }
    if (h.validate && !h.validate(coerce(v, h.validate.schema as Record<string, unknown>))) return `${where}: header ${h.name} ${h.validate.errors?.[0]?.message ?? 'is invalid'}`;
  }
  if (c.body) {
    const body = e.requestBody;
    const size = body?.length ?? e.requestSize ?? 0;
    if (size === 0) return c.body.required ? `${where}: request body is required` : false;
    const ct = (headerValue(e.requestHeaders, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (c.body.contentTypes && ct && !c.body.contentTypes.includes(ct)) return `${where}: content type ${ct} is not accepted`;
    // Logs carry no bodies: a body schema can only be judged where the capture kept the body.
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
  return false;
}

function compilePositiveModel(r: PositiveModelRule): Compiled {
  const ops = r.operations.map(compileOperation);
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
    judge: (e, fact) => {
      const f = fact as ReturnType<typeof line>;
      return f.op === null || f.path !== false ? f.path : checkOperation(f.op, e, reject);
    },
  };
}

function compileSignature(r: SignatureRule, scanner: SignatureScanner): Compiled {
  scanner.add(r);
  const rule = { targets: r.targets, libraries: r.signatures.map((n) => SIGNATURES.get(n)!) };
  const judge = (e: StoredExchange, _fact: LineFact, view: () => ExchangeView): Verdict => {
    const h = scanner.test(rule, e, view);
    return h === null ? false : `${h.library} signature in ${h.where}: ${h.snippet.slice(0, 60)}`;
  };
  return { line: scopeFact(compileScope(r.scope)), judge };
}

export function compileRule(rule: PolicyRule, scanner: SignatureScanner): CompiledRule {
  switch (rule.type) {
    case 'rate-limit': return { rule, ...compileRateLimit(rule) };
    case 'access-list': return { rule, ...compileAccessList(rule) };
    case 'block-endpoints': return { rule, ...compileBlockEndpoints(rule) };
    case 'positive-model': return { rule, ...compilePositiveModel(rule) };
    case 'signature': return { rule, ...compileSignature(rule, scanner) };
  }
}

export interface CompiledPolicy {
  rules: CompiledRule[];
  /** Whether judging needs request bodies (signature rules on bodies, body schemas). */
  needsBodies: boolean;
  /** Each enabled rule's verdict on one exchange, in rule order. */
  judge(e: StoredExchange): Verdict[];
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  // The signature rules share one scanner: each target kind is scanned once per exchange with
  // every library any rule wants there, and memoised across exchanges (signature-memo.ts).
  const scanner = new SignatureScanner();
  const rules = policy.rules.filter((r) => r.enabled).map((r) => compileRule(r, scanner));
  const needsBodies = rules.some(({ rule: r }) => (r.type === 'signature' && r.targets.includes('body')) || (r.type === 'positive-model' && r.operations.some((o) => o.requestBody?.schema)));
  const verdicts: Verdict[] = new Array(rules.length);
  // host → method → path → each rule's line fact.
  const lines = new Map<string, Map<string, Map<string, LineFact[]>>>();
  let cachedLines = 0;
  const factsOf = (e: StoredExchange): LineFact[] => {
    let byMethod = lines.get(e.host);
    if (!byMethod) lines.set(e.host, (byMethod = new Map()));
    let byPath = byMethod.get(e.method);
    if (!byPath) byMethod.set(e.method, (byPath = new Map()));
    let facts = byPath.get(e.path);
    if (!facts) {
      facts = rules.map((c) => c.line(e));
      if (++cachedLines > MAX_CACHE) {
        lines.clear();
        cachedLines = 0;
      } else byPath.set(e.path, facts);
    }
    return facts;
  };
  return {
    rules,
    needsBodies,
    judge(e) {
      let v: ExchangeView | null = null;
      // Signature targets never read the endpoint template: no templating per exchange.
      const view = () => (v ??= new ExchangeView(e, '', scanner.plan));
      scanner.begin();
      const facts = factsOf(e);
      for (let i = 0; i < rules.length; i++) {
        const f = facts[i];
        verdicts[i] = f === false ? null : rules[i].judge(e, f, view);
      }
      return verdicts;
    },
  };
}
