/**
 * Reading and writing policy documents. A document is validated by
 * resources/schemas/policy.schema.json, then checked for what a schema cannot say (addresses and
 * CIDRs that parse, regexes and JSON Schemas that compile, known signature libraries, unique ids).
 * Every error names the source, the rule and the field.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import ipaddr from 'ipaddr.js';
import { isNode, isScalar, LineCounter, parse as parseYaml, parseDocument, stringify as stringifyYaml } from 'yaml';
import schema from '../../../resources/schemas/policy.schema.json' with { type: 'json' };
import { parseDuration } from '../detect/pack.ts';
import { SIGNATURES } from '../detect/signatures.ts';
import { compileTemplate } from './match.ts';
import { DEFAULT_SIGNATURE_TARGETS, type Policy, type PolicyRule, type SignatureTarget } from './types.ts';

export class PolicyError extends Error {
  override name = 'PolicyError';
  /** JSON pointer into the document (e.g. /rules/2/limit) when the error is about one place. */
  pointer?: string;
  constructor(message: string, pointer?: string) {
    super(message);
    if (pointer !== undefined) this.pointer = pointer;
  }
}

/** Largest policy text read (a drafted policy for a big API is a few hundred KB). */
export const MAX_POLICY_BYTES = 16 * 1024 * 1024;

const ajv = new Ajv({ allErrors: false, strict: false });
const validateDocument = ajv.compile(schema);
/** Compiles the positive model's parameter/body schemas (checked here, used by simulate). */
export const schemaAjv = new Ajv({ allErrors: false, strict: false, validateSchema: true, coerceTypes: false });

function ajvMessage(e: ErrorObject): string {
  const field = e.instancePath || '/';
  if (e.keyword === 'propertyNames' || e.propertyName !== undefined) {
    return `${field}: property ${JSON.stringify(e.propertyName ?? (e.params as { propertyName?: string }).propertyName)} is not allowed for this type of rule`;
  }
  if (e.keyword === 'additionalProperties') return `${field}: unknown property ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'enum') return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'const') return `${field}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  return `${field}: ${e.message ?? 'invalid'}`;
}

type Raw = Record<string, unknown>;

/** Validates a parsed document (YAML or JSON) and returns the normalised policy. */
export function policyFromDocument(doc: unknown, source = 'policy'): Policy {
  if (!validateDocument(doc)) {
    const errors = validateDocument.errors ?? [];
    const deepest = errors.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a), errors[0]);
    // An unwanted property is the place to point at, not the object holding it.
    const params = (deepest?.params ?? {}) as { propertyName?: string; additionalProperty?: string };
    const extra = deepest?.propertyName ?? params.propertyName ?? params.additionalProperty;
    const pointer = `${deepest?.instancePath ?? ''}${extra !== undefined ? `/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}` : ''}`;
    const m = /^\/rules\/(\d+)(\/.*)?$/.exec(deepest?.instancePath ?? '');
    if (m && deepest) {
      const rule = ((doc as { rules: unknown[] }).rules[Number(m[1])] ?? {}) as { id?: unknown };
      const id = typeof rule.id === 'string' ? rule.id : `#${Number(m[1]) + 1} (no id)`;
      throw new PolicyError(`${source}: rule ${id}: ${ajvMessage({ ...deepest, instancePath: m[2] ?? '' })}`, pointer);
    }
    throw new PolicyError(`${source}: ${deepest ? ajvMessage(deepest) : 'invalid policy'}`, pointer);
  }
  const d = doc as Raw;
  const seen = new Set<string>();
  const rules = (d.rules as Raw[]).map((r, i) => {
    const id = r.id as string;
    if (seen.has(id)) throw new PolicyError(`${source}: rule ${id}: /id: duplicate rule id`, `/rules/${i}/id`);
    seen.add(id);
    const at = `${source}: rule ${id}`;
    try {
      return normaliseRule(r, at);
    } catch (err) {
      // Rule checks name the field right after the rule ("<at>: /cidrs/0: …"): make it a pointer.
      if (err instanceof PolicyError && err.pointer === undefined) {
        const field = err.message.startsWith(`${at}: /`) ? /^\/[^:\s]*/.exec(err.message.slice(at.length + 2))?.[0] ?? '' : '';
        err.pointer = `/rules/${i}${field}`;
      }
      throw err;
    }
  });
  const policy: Policy = { name: d.name as string, rules };
  if (d.description !== undefined) policy.description = d.description as string;
  if (d.workspace !== undefined) policy.workspace = d.workspace as string;
  return policy;
}

function checkTemplate(path: string, where: string): void {
  try {
    compileTemplate(path);
  } catch (err) {
    throw new PolicyError(`${where}: ${(err as Error).message}`);
  }
}

function checkScope(scope: Raw | undefined, at: string): void {
  (scope?.paths as string[] | undefined)?.forEach((p, i) => checkTemplate(p, `${at}: /scope/paths/${i}`));
}

function normaliseRule(r: Raw, at: string): PolicyRule {
  const base = {
    id: r.id as string,
    ...(r.description !== undefined ? { description: r.description as string } : {}),
    action: r.action as PolicyRule['action'],
    enabled: r.enabled !== false,
    source: r.source as PolicyRule['source'],
  };
  const scope = r.scope as Raw | undefined;
  checkScope(scope, at);
  const withScope = scope ? { scope: scope as NonNullable<Extract<PolicyRule, { scope?: unknown }>['scope']> } : {};
  switch (r.type) {
    case 'rate-limit': {
      let windowMs: number;
      try {
        windowMs = parseDuration(r.window as number | string, `${at}: /window`);
      } catch (err) {
        throw new PolicyError((err as Error).message);
      }
      if (windowMs < 1000) throw new PolicyError(`${at}: /window: must be at least 1s, got ${JSON.stringify(r.window)}`);
      if (windowMs > 86_400_000) throw new PolicyError(`${at}: /window: must be at most 1d, got ${JSON.stringify(r.window)}`);
      return { ...base, type: 'rate-limit', ...withScope, key: r.key as 'ip' | 'principal', limit: r.limit as number, windowMs, burst: (r.burst as number | undefined) ?? 0 };
    }
    case 'access-list': {
      (r.ips as string[] | undefined)?.forEach((ip, i) => {
        if (!ipaddr.isValid(ip)) throw new PolicyError(`${at}: /ips/${i}: ${JSON.stringify(ip)} is not an IP address`);
      });
      (r.cidrs as string[] | undefined)?.forEach((c, i) => {
        try {
          ipaddr.parseCIDR(c);
        } catch {
          throw new PolicyError(`${at}: /cidrs/${i}: ${JSON.stringify(c)} is not a CIDR block (e.g. 203.0.113.0/24)`);
        }
      });
      (r.userAgents as { regex?: string }[] | undefined)?.forEach((u, i) => {
        if (u.regex === undefined) return;
        try {
          new RegExp(u.regex);
        } catch (err) {
          throw new PolicyError(`${at}: /userAgents/${i}/regex: ${(err as Error).message}`);
        }
      });
      const out: PolicyRule = { ...base, type: 'access-list', ...withScope, mode: r.mode as 'deny' | 'allow' };
      for (const k of ['ips', 'cidrs', 'principals', 'userAgents', 'countries'] as const) if (r[k] !== undefined) (out as unknown as Raw)[k] = r[k];
      return out;
    }
    case 'block-endpoints': {
      const endpoints = ((r.endpoints as Raw[] | undefined) ?? []).map((e, i) => {
        checkTemplate(e.path as string, `${at}: /endpoints/${i}/path`);
        return { ...e, method: (e.method as string | undefined) ?? '*' } as { method: string; path: string };
      });
      return { ...base, type: 'block-endpoints', endpoints, methods: (r.methods as string[] | undefined) ?? [] };
    }
    case 'positive-model': {
      const operations = r.operations as Raw[];
      operations.forEach((op, i) => {
        checkTemplate(op.path as string, `${at}: /operations/${i}/path`);
        ((op.parameters as Raw[] | undefined) ?? []).forEach((p, j) => checkSchema(p.schema, `${at}: /operations/${i}/parameters/${j}/schema`));
        checkSchema((op.requestBody as Raw | undefined)?.schema, `${at}: /operations/${i}/requestBody/schema`);
      });
      return { ...base, type: 'positive-model', operations: operations as never, unknownParameters: (r.unknownParameters as 'reject' | 'allow' | undefined) ?? 'reject' };
    }
    case 'signature': {
      const signatures = r.signatures as string[];
      signatures.forEach((s, i) => {
        if (!SIGNATURES.has(s)) throw new PolicyError(`${at}: /signatures/${i}: unknown signature library ${JSON.stringify(s)} (known: ${[...SIGNATURES.keys()].join(', ')})`);
      });
      return { ...base, type: 'signature', ...withScope, signatures, targets: (r.targets as SignatureTarget[] | undefined) ?? [...DEFAULT_SIGNATURE_TARGETS] };
    }
  }
  throw new PolicyError(`${at}: /type: unknown rule type ${JSON.stringify(r.type)}`);
}

function checkSchema(s: unknown, where: string): void {
  if (s === undefined) return;
  try {
    schemaAjv.compile(s as object);
  } catch (err) {
    throw new PolicyError(`${where}: not a usable JSON Schema: ${(err as Error).message}`);
  }
}

export interface PolicyProblem {
  message: string;
  /** JSON pointer of the place, when known. */
  pointer: string | null;
  /** 1-based range in the text. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/**
 * Parses and checks a policy text for an editor: the policy, or the first problem with where it
 * is in the text (YAML syntax errors at their position; schema and rule errors at the node the
 * pointer names, or its nearest ancestor present in the text).
 */
export function checkPolicyText(text: string, source = 'policy'): { policy: Policy | null; problems: PolicyProblem[] } {
  const lines = new LineCounter();
  const at = (offset: number, end: number) => {
    const a = lines.linePos(Math.min(offset, text.length));
    const b = lines.linePos(Math.min(Math.max(end, offset), text.length));
    return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };
  if (text.length > MAX_POLICY_BYTES) return { policy: null, problems: [{ message: `${source}: policy is ${text.length} bytes, more than the ${MAX_POLICY_BYTES} allowed`, pointer: null, line: 1, column: 1, endLine: 1, endColumn: 1 }] };
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return { policy: null, problems: [{ message: `${source}: not valid YAML: ${e.message.split('\n')[0]}`, pointer: null, ...at(e.pos[0], e.pos[1]) }] };
  }
  try {
    return { policy: parsePolicy(text, source), problems: [] };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    const segments = (err.pointer ?? '').split('/').slice(1).map((x) => (/^\d+$/.test(x) ? Number(x) : x.replace(/~1/g, '/').replace(/~0/g, '~')));
    let range: [number, number] = [0, 0];
    for (let n = segments.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) {
        // A mapping or list spans many lines: mark its first line only.
        const [start, valueEnd] = node.range;
        const eol = text.indexOf('\n', start);
        range = [start, isScalar(node) ? valueEnd : eol === -1 ? valueEnd : Math.min(valueEnd, eol)];
        break;
      }
    }
    return { policy: null, problems: [{ message: err.message, pointer: err.pointer ?? null, ...at(range[0], range[1]) }] };
  }
}

/** The JSON Schema policy documents follow (for editors). */
export const POLICY_SCHEMA: Readonly<Record<string, unknown>> = schema;

/** Parses a policy file's text (YAML or JSON). */
export function parsePolicy(text: string, source = 'policy'): Policy {
  if (text.length > MAX_POLICY_BYTES) throw new PolicyError(`${source}: policy is ${text.length} bytes, more than the ${MAX_POLICY_BYTES} allowed`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100, prettyErrors: true });
  } catch (err) {
    throw new PolicyError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new PolicyError(`${source}: a policy is a mapping with cartograph-policy, name and rules`);
  return policyFromDocument(doc, source);
}

function formatDuration(ms: number): string | number {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return ms;
}

/** The document form (what the YAML holds): the inverse of policyFromDocument. */
export function policyToDocument(policy: Policy): Raw {
  const rules = policy.rules.map((r) => {
    const out: Raw = {};
    for (const [k, v] of Object.entries(r)) {
      if (v === undefined) continue;
      if (k === 'enabled' && v === true) continue;
      if (k === 'windowMs') out.window = formatDuration(v as number);
      else if (k === 'methods' && r.type === 'block-endpoints' && (v as string[]).length === 0) continue;
      else out[k] = v;
    }
    // Keep the keys a reader looks for first at the top.
    const { id, type, action, description, ...rest } = out;
    return { id, type, action, ...(description !== undefined ? { description } : {}), ...rest };
  });
  return {
    'cartograph-policy': 1,
    name: policy.name,
    ...(policy.description !== undefined ? { description: policy.description } : {}),
    ...(policy.workspace !== undefined ? { workspace: policy.workspace } : {}),
    rules,
  };
}

export function policyToYaml(policy: Policy): string {
  return stringifyYaml(policyToDocument(policy), { lineWidth: 0, aliasDuplicateObjects: false });
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Raw = {};
    for (const k of Object.keys(v).sort()) if ((v as Raw)[k] !== undefined) out[k] = canonical((v as Raw)[k]);
    return out;
  }
  return v;
}

/** The policy's revision: sha256 (first 16 hex digits) of its normalised form with sorted keys. */
export function policyRevision(policy: Policy): string {
  return createHash('sha256').update(JSON.stringify(canonical(policyToDocument(policy)))).digest('hex').slice(0, 16);
}
