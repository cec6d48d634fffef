/**
 * Drafting a policy from a workspace's evidence, in one pass over its traffic (time order):
 *  - rate limits learned from legitimate actors (those behind no finding): the p99 of their
 *    per-window request counts, times a headroom, per actor overall and per endpoint where
 *    findings show floods, stuffing, brute force or scraping;
 *  - deny entries for actors behind high-severity findings of attack categories, and scanner
 *    user agents seen from flagged actors;
 *  - blocked shadow and zombie endpoints;
 *  - a positive security model: the inventory's operations legitimate actors used successfully,
 *    with their parameter types;
 *  - signature blocks with the signature libraries of the detection rules that fired.
 * Each rule's `source` names the findings and the numbers it rests on.
 */
import ipaddr from 'ipaddr.js';
import { headerValue, type StoredExchange } from '../model/exchange.ts';
import { builtinPack } from '../detect/pack.ts';
import { SIGNATURES } from '../detect/signatures.ts';
import { defaultTemplateOf } from '../detect/template.ts';
import { severityRank, type PredicateSpec, type RulePack, type Severity, type TemplateOf } from '../detect/types.ts';
import { actorOf, ipOf } from './evaluate.ts';
import { compileEndpoint, type LineTest } from './match.ts';
import { indexFindings, type FindingLike } from './simulate.ts';
import {
  DEFAULT_SIGNATURE_TARGETS, type AccessListRule, type EndpointRef, type JsonSchema, type Operation, type OperationParameter,
  type Policy, type PolicyRule, type RateLimitRule, type RuleSource, type SignatureRule, type SignatureTarget,
} from './types.ts';

/** An inventory endpoint (cli-contract.md `inventory --json`), plus an optional body schema. */
export interface EndpointLike {
  host: string;
  method: string;
  path: string;
  count?: number;
  params?: { in: string; name: string; type?: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { contentTypes?: string[]; schema?: JsonSchema; required?: boolean };
}

export interface DraftOptions {
  /** Rate-limit window (default 60 s). */
  windowMs?: number;
  /** Percentile of legitimate per-window counts a limit is based on (default 0.99). */
  percentile?: number;
  /** Multiplier over that percentile (default 2). */
  headroom?: number;
  /** Lowest limit ever drafted (default 10 per window). */
  minLimit?: number;
  /** Findings at or above this severity put their actor on the deny list (default high). */
  denySeverity?: Severity;
  /** Most operations in the positive model (most-used first; default 2,000). */
  maxOperations?: number;
  /**
   * A shadow or zombie endpoint used successfully by at least this many legitimate actors is
   * drafted log-only, not blocked: blocking it would break those clients (default 2).
   */
  inUseActors?: number;
}

export interface DraftInputs {
  findings: readonly FindingLike[];
  /** The inventory; without it, operations are reconstructed from the traffic itself. */
  endpoints?: readonly EndpointLike[];
  exchanges: Iterable<StoredExchange>;
  templateOf?: TemplateOf;
  /** Detection pack the findings came from (signature libraries are read from its rules). */
  pack?: RulePack;
  name?: string;
  workspace?: string;
  options?: DraftOptions;
}

/** Categories whose actors are attackers (not merely callers of a misconfigured endpoint). */
const ATTACK_CATEGORIES = new Set(['credential-stuffing', 'brute-force', 'bola', 'bfla', 'scraping', 'injection', 'ssrf', 'mass-assignment', 'resource-consumption', 'scanner']);
/** Categories whose endpoints deserve their own rate limit. */
const RATE_CATEGORIES = new Set(['credential-stuffing', 'brute-force', 'scraping', 'resource-consumption']);
const SIGNATURE_CATEGORIES = ['injection', 'ssrf', 'scanner'];
const MAX_SOURCE_FINDINGS = 50;
/** Distinct legitimate actors counted per shadow/zombie endpoint (enough to judge it in use). */
const ACTOR_CAP = 1000;

// ---------- per-window counting ----------

/** Completed per-key window counts as a histogram (count → how many key-windows). */
class WindowCounter {
  private readonly open = new Map<string, { w: number; c: number }>();
  readonly histogram = new Map<number, number>();
  private readonly windowMs: number;
  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  add(key: string, time: number): void {
    const w = Math.floor(time / this.windowMs);
    const s = this.open.get(key);
    if (!s) this.open.set(key, { w, c: 1 });
    else if (s.w === w) s.c++;
    else {
      this.record(s.c);
      s.w = w;
      s.c = 1;
    }
  }

  private record(c: number): void {
    this.histogram.set(c, (this.histogram.get(c) ?? 0) + 1);
  }

  finish(): { windows: number; percentile: (p: number) => number } {
    for (const s of this.open.values()) this.record(s.c);
    this.open.clear();
    const entries = [...this.histogram].sort((a, b) => a[0] - b[0]);
    const windows = entries.reduce((n, [, k]) => n + k, 0);
    return {
      windows,
      percentile: (p) => {
        const rank = Math.ceil(p * windows);
        let seen = 0;
        for (const [c, k] of entries) if ((seen += k) >= rank) return c;
        return entries.length ? entries[entries.length - 1][0] : 0;
      },
    };
  }
}

function slug(s: string): string {
  return s.toLowerCase().replace(/\{[^}]*\}/g, 'id').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'root';
}

function sourceOf(findings: readonly FindingLike[], evidence: string): RuleSource {
  const ids = findings.map((f) => f.id);
  return {
    origin: 'draft',
    ...(ids.length ? { findings: ids.slice(0, MAX_SOURCE_FINDINGS), findingCount: ids.length } : {}),
    ...(findings.length ? { detectionRules: [...new Set(findings.map((f) => f.rule))].sort(), categories: [...new Set(findings.map((f) => f.category))].sort() } : {}),
    evidence,
  };
}

function windowWords(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** Signature libraries and targets a detection rule's predicate uses. */
function signaturesOf(p: PredicateSpec | null | undefined, out: { libs: Set<string>; targets: Set<string> }): void {
  if (!p) return;
  p.all?.forEach((x) => signaturesOf(x, out));
  p.any?.forEach((x) => signaturesOf(x, out));
  if (p.signature) {
    for (const s of p.signature.split(/\s*,\s*/)) out.libs.add(s);
    for (const t of p.targets ?? DEFAULT_SIGNATURE_TARGETS) out.targets.add(t);
  }
}

type ParamStats = Map<string, { integer: number; number: number; boolean: number; other: number }>;

interface EndpointUse {
  ref: EndpointLike;
  test: LineTest | null;
  requests: number;
  legitOk: number;
  query: ParamStats;
  contentTypes: Set<string>;
}

function paramType(s: { integer: number; number: number; boolean: number; other: number }): string {
  if (s.other) return 'string';
  if (s.boolean && !s.integer && !s.number) return 'boolean';
  if (s.number) return 'number';
  return s.integer ? 'integer' : 'string';
}

function schemaOfType(type: string | undefined): JsonSchema | undefined {
  return type && ['integer', 'number', 'boolean', 'string', 'array', 'object'].includes(type) ? { type } : undefined;
}

function isUnblockableIp(ip: string): boolean {
  try {
    const range = ipaddr.process(ip).range();
    return range === 'loopback' || range === 'unspecified';
  } catch {
    return true;
  }
}

export function draftPolicy(inputs: DraftInputs): Policy {
  const o = inputs.options ?? {};
  const windowMs = o.windowMs ?? 60_000;
  const pct = o.percentile ?? 0.99;
  const headroom = o.headroom ?? 2;
  const minLimit = o.minLimit ?? 10;
  const denyRank = severityRank(o.denySeverity ?? 'high');
  const templateOf = inputs.templateOf ?? defaultTemplateOf;
  const findings = inputs.findings.filter((f) => f.status !== 'false-positive' && f.status !== 'suppressed');
  const index = indexFindings(findings);
  const byCategory = (cats: ReadonlySet<string> | readonly string[]) => findings.filter((f) => (cats instanceof Set ? cats.has(f.category) : (cats as readonly string[]).includes(f.category)));

  // Endpoints with findings of flood-like categories get their own limit.
  const rateTargets = new Map<string, { ep: EndpointRef; test: LineTest; findings: FindingLike[]; counter: WindowCounter; key: 'ip' | 'principal' }>();
  for (const f of byCategory(RATE_CATEGORIES)) {
    if (f.endpoint.path === '*' || !f.endpoint.path.startsWith('/')) continue;
    const k = `${f.endpoint.host} ${f.endpoint.method} ${f.endpoint.path}`;
    let t = rateTargets.get(k);
    if (!t) {
      const ep: EndpointRef = { host: f.endpoint.host, method: f.endpoint.method === '*' ? '*' : f.endpoint.method, path: f.endpoint.path };
      t = { ep, test: compileEndpoint(ep), findings: [], counter: new WindowCounter(windowMs), key: 'ip' };
      rateTargets.set(k, t);
    }
    t.findings.push(f);
  }
  // Key by principal where the abuse came from authenticated principals, else by IP.
  for (const t of rateTargets.values()) t.key = t.findings.filter((f) => f.actor.principal).length > t.findings.length / 2 ? 'principal' : 'ip';

  // Shadow and zombie endpoints, with who legitimately uses them (counted in the pass).
  const inUseActors = o.inUseActors ?? 2;
  const lifecycleTargets: { ep: EndpointRef; test: LineTest; findings: FindingLike[]; legitRequests: number; legitActors: Set<string> }[] = [];
  const lifecycleByKey = new Map<string, (typeof lifecycleTargets)[number]>();
  for (const f of byCategory(['shadow-api', 'zombie-api'])) {
    if (!f.endpoint.path.startsWith('/')) continue;
    const k = `${f.endpoint.host} ${f.endpoint.method} ${f.endpoint.path}`;
    let t = lifecycleByKey.get(k);
    if (!t) {
      const ep: EndpointRef = { host: f.endpoint.host, method: f.endpoint.method, path: f.endpoint.path, reason: f.category === 'shadow-api' ? 'shadow: not in the published spec' : 'zombie: deprecated or superseded' };
      t = { ep, test: compileEndpoint(ep), findings: [], legitRequests: 0, legitActors: new Set() };
      lifecycleByKey.set(k, t);
      lifecycleTargets.push(t);
    }
    t.findings.push(f);
  }

  const scannerFindings = byCategory(['scanner']);
  const scannerUa = SIGNATURES.get('scanner-ua');
  const uaTokens = new Map<string, number>();
  const uaSeen = new Map<string, string | null>();

  // Endpoint uses: the inventory's endpoints, or reconstructed from the traffic.
  const given = inputs.endpoints;
  const uses: EndpointUse[] = (given ?? []).map((ref) => ({ ref, test: compileEndpoint(ref), requests: 0, legitOk: 0, query: new Map(), contentTypes: new Set() }));
  const useByKey = new Map<string, EndpointUse | null>();
  const MAX_ENDPOINTS = 20_000;

  const ipCounter = new WindowCounter(windowMs);
  const principalCounter = new WindowCounter(windowMs);
  let exchanges = 0;
  let withPrincipal = 0;

  for (const e of inputs.exchanges) {
    exchanges++;
    const ip = ipOf(e);
    const flagged = (e.principal !== null && index.principals.has(e.principal)) || (ip !== null && index.ips.has(ip));
    if (e.principal !== null) withPrincipal++;
    if (!flagged) {
      if (ip !== null) ipCounter.add(ip, e.time);
      if (e.principal !== null) principalCounter.add(e.principal, e.time);
      for (const t of rateTargets.values()) {
        if (!t.test(e)) continue;
        const key = t.key === 'ip' ? ip : e.principal;
        if (key !== null) t.counter.add(key, e.time);
      }
    } else if (scannerFindings.length && scannerUa) {
      const ua = headerValue(e.requestHeaders, 'user-agent');
      if (ua) {
        let token = uaSeen.get(ua);
        if (token === undefined) {
          token = scannerUa.test(ua, 'user-agent');
          if (uaSeen.size < 10_000) uaSeen.set(ua, token);
        }
        if (token) uaTokens.set(token.toLowerCase(), (uaTokens.get(token.toLowerCase()) ?? 0) + 1);
      }
    }

    // Which endpoint the exchange belongs to.
    const lookupKey = `${e.host} ${e.method} ${e.path}`;
    let use = useByKey.get(lookupKey);
    if (use === undefined) {
      if (given) use = uses.find((u) => u.test!(e)) ?? null;
      else {
        const template = templateOf(e);
        const k = `${e.host} ${e.method} ${template}`;
        use = useByKey.get(k) ?? null;
        if (use === null && uses.length < MAX_ENDPOINTS) {
          use = { ref: { host: e.host, method: e.method, path: template }, test: null, requests: 0, legitOk: 0, query: new Map(), contentTypes: new Set() };
          uses.push(use);
          useByKey.set(k, use);
        }
      }
      if (useByKey.size < 200_000) useByKey.set(lookupKey, use);
    }
    const legitOk = !flagged && e.status !== null && e.status >= 200 && e.status < 400;
    if (legitOk) {
      for (const t of lifecycleTargets) {
        if (!t.test(e)) continue;
        t.legitRequests++;
        if (t.legitActors.size < ACTOR_CAP) t.legitActors.add(actorOf(e));
      }
    }
    if (use) {
      use.requests++;
      if (legitOk) {
        use.legitOk++;
        if (!given && e.query.length > 1) {
          for (const part of e.query.slice(1).split('&')) {
            if (!part) continue;
            const eq = part.indexOf('=');
            const name = decodeURIComponentSafe(eq === -1 ? part : part.slice(0, eq));
            const value = eq === -1 ? '' : decodeURIComponentSafe(part.slice(eq + 1));
            let s = use.query.get(name);
            if (!s) {
              if (use.query.size >= 100) continue;
              use.query.set(name, (s = { integer: 0, number: 0, boolean: 0, other: 0 }));
            }
            if (/^-?\d+$/.test(value)) s.integer++;
            else if (/^-?\d*\.\d+$/.test(value)) s.number++;
            else if (value === 'true' || value === 'false') s.boolean++;
            else s.other++;
          }
        }
        const ct = headerValue(e.requestHeaders, 'content-type');
        if (ct && use.contentTypes.size < 8) use.contentTypes.add(ct.split(';')[0].trim().toLowerCase());
      }
    }
  }

  const rules: PolicyRule[] = [];
  const limitFrom = (counter: WindowCounter): { limit: number; p: number; windows: number } => {
    const { windows, percentile } = counter.finish();
    const p = percentile(pct);
    return { limit: Math.max(minLimit, Math.ceil(p * headroom)), p, windows };
  };
  const pctWords = `p${Math.round(pct * 1000) / 10}`;

  // ---------- rate limits ----------
  const rateFindings = byCategory(RATE_CATEGORIES);
  for (const [key, counter] of [['ip', ipCounter], ['principal', principalCounter]] as const) {
    if (key === 'principal' && withPrincipal === 0) continue;
    const { limit, p, windows } = limitFrom(counter);
    if (windows === 0) continue;
    const r: RateLimitRule = {
      id: `rate.${key}`,
      type: 'rate-limit',
      description: `Per-${key} request rate across the API.`,
      action: 'throttle',
      enabled: true,
      source: sourceOf(rateFindings.filter((f) => f.endpoint.path === '*'), `${pctWords} of ${windows} legitimate ${key}-windows of ${windowWords(windowMs)} is ${p} request(s); limit ${limit} with ${headroom}x headroom.`),
      key,
      limit,
      windowMs,
      burst: limit,
    };
    rules.push(r);
  }
  for (const t of rateTargets.values()) {
    const { limit, p, windows } = limitFrom(t.counter);
    const how = windows
      ? `${pctWords} of ${windows} legitimate ${t.key}-windows of ${windowWords(windowMs)} on this endpoint is ${p} request(s); limit ${limit} with ${headroom}x headroom.`
      : `no legitimate traffic on this endpoint; the floor limit of ${limit} per ${windowWords(windowMs)} applies.`;
    rules.push({
      id: `rate.endpoint.${slug(`${t.ep.method} ${t.ep.path}`)}`,
      type: 'rate-limit',
      description: `Per-${t.key} rate on ${t.ep.method} ${t.ep.path}, where findings show ${[...new Set(t.findings.map((f) => f.category))].join(', ')}.`,
      action: 'throttle',
      enabled: true,
      source: sourceOf(t.findings, how),
      scope: { hosts: [t.ep.host!], ...(t.ep.method !== '*' ? { methods: [t.ep.method] } : {}), paths: [t.ep.path] },
      key: t.key,
      limit,
      windowMs,
      burst: limit,
    });
  }

  // ---------- deny lists ----------
  const denyFindings = findings.filter((f) => ATTACK_CATEGORIES.has(f.category) && severityRank(f.severity as Severity) >= denyRank);
  const ips = new Set<string>();
  const principals = new Set<string>();
  for (const f of denyFindings) {
    if (f.actor.principal) principals.add(f.actor.principal);
    else if (f.actor.ip && !isUnblockableIp(f.actor.ip)) ips.add(f.actor.ip);
  }
  if (ips.size || principals.size) {
    const deny: AccessListRule = {
      id: 'deny.actors',
      type: 'access-list',
      description: `Actors behind ${o.denySeverity ?? 'high'}-or-worse findings of attack categories.`,
      action: 'block',
      enabled: true,
      source: sourceOf(denyFindings, `${principals.size} principal(s) and ${ips.size} IP(s) behind ${denyFindings.length} finding(s) at ${o.denySeverity ?? 'high'} severity or above.`),
      mode: 'deny',
      ...(ips.size ? { ips: [...ips].sort() } : {}),
      ...(principals.size ? { principals: [...principals].sort() } : {}),
    };
    rules.push(deny);
  }
  if (uaTokens.size) {
    rules.push({
      id: 'deny.scanner-user-agents',
      type: 'access-list',
      description: 'User agents of scanners and attack tools seen from flagged actors.',
      action: 'block',
      enabled: true,
      source: sourceOf(scannerFindings, `${uaTokens.size} tool name(s) in the user agents of flagged actors: ${[...uaTokens].map(([t, n]) => `${t} (${n})`).join(', ')}.`),
      mode: 'deny',
      userAgents: [...uaTokens.keys()].sort().map((contains) => ({ contains })),
    });
  }

  // ---------- shadow and zombie endpoints ----------
  const inUse = lifecycleTargets.filter((t) => t.legitActors.size >= inUseActors);
  const unused = lifecycleTargets.filter((t) => t.legitActors.size < inUseActors);
  const usage = (ts: typeof lifecycleTargets) => ts.map((t) => `${t.ep.method} ${t.ep.path}: ${t.legitRequests} request(s) from ${t.legitActors.size}${t.legitActors.size >= ACTOR_CAP ? '+' : ''} actor(s)`).join('; ');
  if (unused.length) {
    rules.push({
      id: 'block.shadow-zombie',
      type: 'block-endpoints',
      description: 'Endpoints serving traffic that the published spec does not document, or documents as deprecated.',
      action: 'block',
      enabled: true,
      source: sourceOf(unused.flatMap((t) => t.findings), `${unused.length} endpoint(s) from shadow-api/zombie-api findings, used successfully by fewer than ${inUseActors} actors behind no finding${unused.some((t) => t.legitRequests) ? ` (${usage(unused.filter((t) => t.legitRequests))})` : ''}.`),
      endpoints: unused.map((t) => t.ep),
      methods: [],
    });
  }
  if (inUse.length) {
    rules.push({
      id: 'watch.shadow-zombie',
      type: 'block-endpoints',
      description: 'Shadow or zombie endpoints legitimate clients still use: logged, to be blocked once those clients have moved off them.',
      action: 'log',
      enabled: true,
      source: sourceOf(inUse.flatMap((t) => t.findings), `${inUse.length} endpoint(s) from shadow-api/zombie-api findings still used by legitimate actors (${usage(inUse)}); blocking them would break those clients.`),
      endpoints: inUse.map((t) => t.ep),
      methods: [],
    });
  }

  // ---------- positive security model ----------
  const isBlocked = lifecycleTargets.filter((x) => x.legitActors.size < inUseActors).map((x) => x.test);
  const allowed = uses
    .filter((u) => u.legitOk > 0 && !isBlocked.some((t) => t({ host: u.ref.host, method: u.ref.method, path: u.ref.path })))
    .sort((a, b) => b.legitOk - a.legitOk || (a.ref.path < b.ref.path ? -1 : 1))
    .slice(0, o.maxOperations ?? 2000);
  if (allowed.length) {
    const operations = allowed
      .map((u): Operation => {
        const parameters: OperationParameter[] = [];
        if (given) {
          for (const p of u.ref.params ?? []) {
            if (p.in !== 'query' && p.in !== 'path' && p.in !== 'header') continue;
            const schema = p.schema ?? schemaOfType(p.type);
            parameters.push({ in: p.in, name: p.name, ...(p.in === 'path' || p.required ? { required: true } : {}), ...(schema ? { schema } : {}) });
          }
        } else {
          for (const [name, s] of [...u.query].sort((a, b) => (a[0] < b[0] ? -1 : 1))) parameters.push({ in: 'query', name, schema: { type: paramType(s) } });
        }
        const contentTypes = u.ref.requestBody?.contentTypes ?? [...u.contentTypes].sort();
        const op: Operation = { host: u.ref.host, method: u.ref.method, path: u.ref.path };
        if (parameters.length) op.parameters = parameters;
        if (['POST', 'PUT', 'PATCH'].includes(u.ref.method) && (contentTypes.length || u.ref.requestBody?.schema)) {
          op.requestBody = { ...(contentTypes.length ? { contentTypes } : {}), ...(u.ref.requestBody?.schema ? { schema: u.ref.requestBody.schema } : {}) };
        }
        return op;
      })
      .sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
    rules.push({
      id: 'allow.operations',
      type: 'positive-model',
      description: 'Only operations legitimate actors used successfully; anything else is rejected.',
      action: 'block',
      enabled: true,
      source: {
        origin: 'draft',
        evidence: `${operations.length} operation(s) ${given ? 'from the inventory' : 'reconstructed from the traffic'} with successful requests from actors behind no finding (of ${uses.length} seen in ${exchanges} exchanges).`,
      },
      operations,
      unknownParameters: 'reject',
    });
  }

  // ---------- signature blocks ----------
  const pack = inputs.pack ?? builtinPack();
  const packRules = new Map(pack.rules.map((r) => [r.id, r]));
  for (const category of SIGNATURE_CATEGORIES) {
    const fs = byCategory([category]);
    const found = { libs: new Set<string>(), targets: new Set<string>() };
    for (const f of fs) {
      const r = packRules.get(f.rule);
      if (r && r.kind === 'match') signaturesOf(r.match, found);
      else if (r) signaturesOf(r.filter, found);
    }
    const libs = [...found.libs].filter((l) => SIGNATURES.has(l)).sort();
    if (!libs.length) continue;
    const allowedTargets: readonly SignatureTarget[] = ['path', 'query', 'url', 'headers', 'cookies', 'user-agent', 'body'];
    const targets = allowedTargets.filter((t) => found.targets.has(t));
    const r: SignatureRule = {
      id: `signatures.${category}`,
      type: 'signature',
      description: `Requests carrying ${category} payloads (${libs.join(', ')}).`,
      action: 'block',
      enabled: true,
      source: sourceOf(fs, `${fs.length} ${category} finding(s) from ${[...new Set(fs.map((f) => f.rule))].length} detection rule(s) using these signature libraries.`),
      signatures: libs,
      targets: targets.length ? targets : [...DEFAULT_SIGNATURE_TARGETS],
    };
    rules.push(r);
  }

  return {
    name: inputs.name ?? 'drafted-policy',
    description: `Drafted from ${findings.length} finding(s) and ${exchanges} exchange(s).`,
    ...(inputs.workspace ? { workspace: inputs.workspace } : {}),
    rules,
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
