/**
 * Rule packs are data: YAML files validated by resources/schemas/rule-pack.schema.json, then
 * checked for what a schema cannot say (known fields and signature libraries, regexes that
 * compile, unique ids). Every error names the file, the rule and the field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import schema from '../../../resources/schemas/rule-pack.schema.json' with { type: 'json' };
import { isKnownField, TARGET_KINDS } from './fields.ts';
import { SIGNATURES } from './signatures.ts';
import type { BehaviourRuleSpec, Category, GroupPart, MatchRuleSpec, PredicateSpec, RulePack, RuleSpec, Severity, WindowRuleSpec } from './types.ts';

export class RulePackError extends Error {
  override name = 'RulePackError';
  /** The rule the error sits in, when known. */
  readonly rule: string | null;
  /** JSON pointer of the offending field inside the rule (e.g. /match/all/0/regex), when known. */
  readonly field: string | null;
  constructor(message: string, where: { rule?: string | null; field?: string | null } = {}) {
    super(message);
    this.rule = where.rule ?? null;
    this.field = where.field ?? null;
  }
}

/** Where in a rule file an error is: `${source}: rule ${rule}: ${field}: …`. */
interface At {
  source: string;
  rule: string;
}
const fail = (at: At, field: string, message: string) => new RulePackError(`${at.source}: rule ${at.rule}: ${field}: ${message}`, { rule: at.rule, field });

/** The built-in pack shipped with the app (resources/rules), for unbundled runs (CLI, server, tests). */
export function builtinRulesDir(): string {
  return resolve(import.meta.dirname, '../../../resources/rules');
}

const MAX_RULE_FILE = 1024 * 1024;

const ajv = new Ajv({ allErrors: false, strict: false });
const validateFile = ajv.compile(schema);

export function parseDuration(v: number | string, where: string): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) throw new RulePackError(`${where}: bad duration ${JSON.stringify(v)} (use e.g. 30s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

function ajvMessage(e: ErrorObject): string {
  const field = e.instancePath || '/';
  if (e.propertyName !== undefined) return `${field}: property ${JSON.stringify(e.propertyName)} is not allowed for this kind of rule`;
  if (e.keyword === 'additionalProperties') return `${field}: unknown property ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'propertyNames') return `${field}: property ${JSON.stringify((e.params as { propertyName: string }).propertyName)} is not allowed for this kind of rule`;
  if (e.keyword === 'enum') return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${field}: ${e.message ?? 'invalid'}`;
}

/** Walks a predicate for what the schema cannot check. */
function checkPredicate(p: PredicateSpec, at: At, where: string): void {
  if (p.all) p.all.forEach((x, i) => checkPredicate(x, at, `${where}/all/${i}`));
  if (p.any) p.any.forEach((x, i) => checkPredicate(x, at, `${where}/any/${i}`));
  if (p.not) checkPredicate(p.not, at, `${where}/not`);
  if (p.field !== undefined && !isKnownField(p.field)) throw fail(at, `${where}/field`, `unknown field ${JSON.stringify(p.field)}`);
  if (p.regex !== undefined) {
    try {
      new RegExp(p.regex);
    } catch (err) {
      throw fail(at, `${where}/regex`, (err as Error).message);
    }
  }
  if (p.signature !== undefined) {
    for (const name of p.signature.split(/\s*,\s*/)) {
      if (!SIGNATURES.has(name)) throw fail(at, `${where}/signature`, `unknown signature library ${JSON.stringify(name)} (known: ${[...SIGNATURES.keys()].join(', ')})`);
    }
  }
  for (const t of p.targets ?? []) if (!(TARGET_KINDS as readonly string[]).includes(t)) throw fail(at, `${where}/targets`, `unknown target ${t}`);
}

type RawRule = Record<string, unknown> & { id: string; kind: RuleSpec['kind'] };

function compileRule(raw: RawRule, source: string): RuleSpec {
  const at: At = { source, rule: raw.id };
  const base = {
    id: raw.id,
    category: raw.category as Category,
    severity: raw.severity as Severity,
    severityIfFailed: raw.severityIfFailed as Severity | undefined,
    confidence: raw.confidence as number,
    title: raw.title as string,
    description: raw.description as string | undefined,
    evidence: raw.evidence as string,
    enabled: raw.enabled !== false,
    source,
  };
  for (const k of ['match', 'filter', 'ratio'] as const) if (raw[k]) checkPredicate(raw[k] as PredicateSpec, at, `/${k}`);
  for (const k of ['distinct', 'distinct2'] as const) {
    if (raw[k] !== undefined && !isKnownField(raw[k] as string)) throw fail(at, `/${k}`, `unknown field ${JSON.stringify(raw[k])}`);
  }
  const duration = (v: number | string, field: string) => {
    try {
      return parseDuration(v, `${source}: rule ${raw.id}: ${field}`);
    } catch (err) {
      throw new RulePackError((err as Error).message, { rule: raw.id, field });
    }
  };
  switch (raw.kind) {
    case 'match': {
      const r: MatchRuleSpec = {
        ...base,
        kind: 'match',
        match: raw.match as PredicateSpec,
        group: (raw.group as GroupPart[] | undefined) ?? ['actor', 'endpoint'],
        gapMs: duration((raw.gap as number | string | undefined) ?? '1h', '/gap'),
        minCount: (raw.minCount as number | undefined) ?? 1,
      };
      return r;
    }
    case 'window': {
      const threshold = raw.threshold as WindowRuleSpec['threshold'];
      if ((threshold.distinct !== undefined || threshold.maxDistinct !== undefined) && raw.distinct === undefined) throw fail(at, '/threshold/distinct', "needs a 'distinct' field to count");
      if (threshold.distinct2 !== undefined && raw.distinct2 === undefined) throw fail(at, '/threshold/distinct2', "needs a 'distinct2' field to count");
      if (threshold.ratio !== undefined && raw.ratio === undefined) throw fail(at, '/threshold/ratio', "needs a 'ratio' predicate");
      const bucket = (raw.bucket as WindowRuleSpec['bucket'] | undefined) ?? null;
      const r: WindowRuleSpec = {
        ...base,
        kind: 'window',
        filter: (raw.filter as PredicateSpec | undefined) ?? null,
        key: raw.key as GroupPart[],
        windowMs: raw.window !== undefined ? duration(raw.window as number | string, '/window') : Math.ceil((bucket!.capacity / bucket!.leakPerSecond) * 1000),
        bucket,
        distinctOf: (raw.distinct as string | undefined) ?? null,
        distinctOf2: (raw.distinct2 as string | undefined) ?? null,
        ratioOf: (raw.ratio as PredicateSpec | undefined) ?? null,
        threshold,
      };
      return r;
    }
    case 'behaviour': {
      const params = (raw.params as BehaviourRuleSpec['params'] | undefined) ?? {};
      for (const [k, v] of Object.entries(params)) {
        if (typeof v === 'string' && /(?:regex|path|properties|fields)$/i.test(k)) {
          try {
            new RegExp(v);
          } catch (err) {
            throw fail(at, `/params/${k}`, (err as Error).message);
          }
        }
      }
      const r: BehaviourRuleSpec = { ...base, kind: 'behaviour', model: raw.model as BehaviourRuleSpec['model'], filter: (raw.filter as PredicateSpec | undefined) ?? null, params };
      return r;
    }
  }
}

/** Parses and validates one rule file's text (YAML or JSON). */
export function parseRuleFile(text: string, source: string): RuleSpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100, prettyErrors: true });
  } catch (err) {
    throw new RulePackError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { field: null });
  }
  if (!validateFile(doc)) {
    // Report against the rule the error sits in, when we can tell which one.
    const errors = validateFile.errors ?? [];
    const deepest = errors.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a), errors[0]);
    const rules = doc && typeof doc === 'object' && Array.isArray((doc as { rules?: unknown }).rules) ? ((doc as { rules: unknown[] }).rules as { id?: unknown }[]) : [doc as { id?: unknown }];
    const m = /^\/rules\/(\d+)(\/.*)?$/.exec(deepest?.instancePath ?? '');
    const rule = m ? rules[Number(m[1])] : rules[0];
    const id = rule && typeof rule === 'object' && typeof rule.id === 'string' ? rule.id : '(no id)';
    const e = deepest ? { ...deepest, instancePath: m ? (m[2] ?? '') : deepest.instancePath } : undefined;
    throw new RulePackError(`${source}: rule ${id}: ${e ? ajvMessage(e) : 'invalid rule file'}`, { rule: id === '(no id)' ? null : id, field: e ? e.instancePath || '/' : null });
  }
  const list = Array.isArray((doc as { rules?: unknown }).rules) ? (doc as { rules: RawRule[] }).rules : [doc as RawRule];
  return list.map((r) => compileRule(r, source));
}

function ruleFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...ruleFiles(full));
    else if (/\.(?:ya?ml|json)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

/** Loads a rule file or a directory of them (recursively, in name order). */
export function loadRulePack(path: string, name = basename(path)): RulePack {
  let files: string[];
  try {
    files = ruleFiles(path);
  } catch (err) {
    throw new RulePackError(`cannot read rules at ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (files.length === 0) throw new RulePackError(`no rule files (.yaml, .yml, .json) in ${path}`);
  const rules: RuleSpec[] = [];
  for (const f of files) {
    const size = statSync(f).size;
    if (size > MAX_RULE_FILE) throw new RulePackError(`${f}: rule file is ${size} bytes, more than the ${MAX_RULE_FILE} allowed`);
    const parsed = parseRuleFile(readFileSync(f, 'utf8'), f);
    // A rule's plain-words explanation sits beside it (rule.yaml + rule.md).
    const doc = f.replace(/\.(?:ya?ml|json)$/i, '.md');
    if (parsed.length === 1 && existsSync(doc)) parsed[0].doc = readFileSync(doc, 'utf8');
    rules.push(...parsed);
  }
  return packOf(name, rules);
}

/** Assembles rules into a pack, refusing duplicate ids. */
export function packOf(name: string, rules: RuleSpec[]): RulePack {
  const seen = new Map<string, string>();
  for (const r of rules) {
    const prev = seen.get(r.id);
    if (prev !== undefined) throw new RulePackError(`${r.source}: rule ${r.id}: /id: duplicate of the rule in ${prev}`, { rule: r.id, field: '/id' });
    seen.set(r.id, r.source);
  }
  return { name, rules };
}

let builtin: RulePack | null = null;
/** The built-in pack, loaded once per process. */
export function builtinPack(): RulePack {
  return (builtin ??= loadRulePack(builtinRulesDir(), 'builtin'));
}
