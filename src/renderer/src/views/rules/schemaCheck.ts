/**
 * A small JSON Schema (draft-07) checker for the rule editor. Ajv compiles schemas to code with
 * `new Function`, which the renderer's CSP forbids, so the editor interprets the published
 * rule-pack schema itself: the keywords that schema uses, with messages written for a person
 * typing YAML (where the error is, what is allowed there). The engine's own check on "Run" stays
 * the authority; this one gives feedback while typing.
 */

export type JsonSchema = { [key: string]: unknown };
export type Path = (string | number)[];
export interface SchemaIssue {
  path: Path;
  message: string;
  /** The issue is about a property name (point at the key, not the value). */
  atKey?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'null': return v === null;
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    default: return true;
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));
const list = (xs: readonly unknown[]): string => xs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');

/** `{required:[a]}` schemas only: the property names they ask for; else null. */
function requiredOnly(schemas: unknown): string[] | null {
  if (!Array.isArray(schemas)) return null;
  const names: string[] = [];
  for (const s of schemas) {
    if (!isObject(s) || Object.keys(s).length !== 1 || !Array.isArray(s.required)) return null;
    names.push(...(s.required as string[]));
  }
  return names;
}

export class SchemaChecker {
  private readonly root: JsonSchema;
  constructor(root: JsonSchema) {
    this.root = root;
  }

  check(value: unknown): SchemaIssue[] {
    const seen = new Set<string>();
    return this.walk(this.root, value, []).filter((i) => {
      const k = `${i.path.join('/')}|${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  resolve(s: JsonSchema): JsonSchema {
    let cur = s;
    for (let hops = 0; typeof cur.$ref === 'string' && hops < 32; hops++) {
      const ref = cur.$ref as string;
      if (!ref.startsWith('#/')) return {};
      let target: unknown = this.root;
      for (const part of ref.slice(2).split('/')) target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      cur = isObject(target) ? target : {};
    }
    return cur;
  }

  private walk(schemaIn: JsonSchema, v: unknown, path: Path): SchemaIssue[] {
    const s = this.resolve(schemaIn);
    const out: SchemaIssue[] = [];
    const here = (message: string, atKey = false): void => void out.push({ path, message, ...(atKey ? { atKey } : {}) });

    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeOk(t, v))) {
        here(`expected ${types.join(' or ')}, found ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : show(v)}`);
        return out;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => e === v)) here(`${show(v)} is not one of: ${list(s.enum)}`);
    if (s.const !== undefined && s.const !== v) here(`must be ${show(s.const)}`);

    if (typeof v === 'string') {
      if (typeof s.minLength === 'number' && v.length < s.minLength) here(s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`);
      if (typeof s.maxLength === 'number' && v.length > s.maxLength) here(`must be at most ${s.maxLength} characters`);
      if (typeof s.pattern === 'string') {
        let re: RegExp | null = null;
        try {
          re = new RegExp(s.pattern, 'u');
        } catch {
          // a pattern this engine cannot read is not the author's mistake
        }
        if (re && !re.test(v)) here(`${show(v)} does not match the pattern ${s.pattern}`);
      }
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) here(`must be at least ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) here(`must be at most ${s.maximum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) here(`must be greater than ${s.exclusiveMinimum}`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) here(`needs at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
      if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) here('items must be unique');
      if (isObject(s.items)) v.forEach((item, i) => out.push(...this.walk(s.items as JsonSchema, item, [...path, i])));
    }
    if (isObject(v)) {
      const keys = Object.keys(v);
      if (typeof s.minProperties === 'number' && keys.length < s.minProperties) here('must not be empty');
      if (Array.isArray(s.required)) for (const r of s.required as string[]) if (!(r in v)) here(`missing required property "${r}"`);
      const props = isObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : {};
      for (const k of keys) {
        if (k in props) out.push(...this.walk(props[k], v[k], [...path, k]));
        else if (s.additionalProperties === false) out.push({ path: [...path, k], message: `unknown property "${k}" (allowed: ${Object.keys(props).join(', ')})`, atKey: true });
        else if (isObject(s.additionalProperties)) out.push(...this.walk(s.additionalProperties, v[k], [...path, k]));
      }
      if (isObject(s.propertyNames)) {
        const names = this.resolve(s.propertyNames);
        for (const k of keys) {
          if (this.walk(names, k, []).length === 0) continue;
          const allowed = Array.isArray(names.enum) ? ` here (allowed: ${list(names.enum)})` : '';
          out.push({ path: [...path, k], message: `property "${k}" is not allowed${allowed}`, atKey: true });
        }
      }
    }

    if (Array.isArray(s.allOf)) for (const sub of s.allOf as JsonSchema[]) out.push(...this.walk(sub, v, path));
    if (isObject(s.if)) {
      const branch = this.walk(s.if, v, path).length === 0 ? s.then : s.else;
      if (isObject(branch)) out.push(...this.walk(branch, v, path));
    }
    if (isObject(s.not) && this.walk(s.not, v, path).length === 0) {
      const names = isObject(s.not) ? requiredOnly((s.not as JsonSchema).anyOf) : null;
      const present = names && isObject(v) ? names.filter((n) => n in v) : [];
      const own = Array.isArray(s.required) ? `"${(s.required as string[]).join('", "')}" ` : '';
      here(present.length ? `${own}cannot be combined with ${present.map((p) => `"${p}"`).join(', ')}` : 'has a shape that is not allowed here');
    }
    if (Array.isArray(s.anyOf)) {
      const branches = (s.anyOf as JsonSchema[]).map((b) => this.walk(b, v, path));
      if (!branches.some((b) => b.length === 0)) {
        const names = requiredOnly(s.anyOf);
        if (names) here(`needs one of: ${names.join(', ')}`);
        else out.push(...this.best(s.anyOf as JsonSchema[], branches, v));
      }
    }
    if (Array.isArray(s.oneOf)) {
      const subs = s.oneOf as JsonSchema[];
      const branches = subs.map((b) => this.walk(b, v, path));
      const passing = branches.filter((b) => b.length === 0).length;
      if (passing > 1) here('matches more than one allowed shape: make it unambiguous');
      else if (passing === 0) out.push(...this.best(subs, branches, v));
    }
    return out;
  }

  /**
   * The failing branch the author most likely meant: the one whose required properties are all
   * present (a discriminating key such as `rules` or `field`), else the one with fewest issues.
   */
  private best(subs: JsonSchema[], branches: SchemaIssue[][], v: unknown): SchemaIssue[] {
    const score = (i: number): number => {
      const s = this.resolve(subs[i]);
      const req = Array.isArray(s.required) ? (s.required as string[]) : [];
      const hit = isObject(v) && req.length > 0 && req.every((r) => r in v) ? 0 : 1;
      return hit * 1000 + branches[i].length;
    };
    let pick = 0;
    for (let i = 1; i < branches.length; i++) if (score(i) < score(pick)) pick = i;
    return branches[pick];
  }
}

/** What the editor can suggest, read from the schema rather than written twice. */
export interface SchemaHints {
  /** Property names of a rule, of a predicate, of the named nested objects (bucket, threshold…). */
  props: Record<'rule' | 'predicate' | 'pack' | string, string[]>;
  /** Allowed values by property name (kind, category, severity, model, targets, key, group…). */
  values: Record<string, string[]>;
  /** Properties whose value is a predicate (match, filter, not, ratio) or a list of them (all, any). */
  predicateKeys: string[];
}

export function schemaHints(root: JsonSchema): SchemaHints {
  const c = new SchemaChecker(root);
  const defs = (isObject(root.definitions) ? root.definitions : {}) as Record<string, JsonSchema>;
  const propsOf = (s: JsonSchema | undefined): Record<string, JsonSchema> => (s && isObject(c.resolve(s).properties) ? (c.resolve(s).properties as Record<string, JsonSchema>) : {});
  const enumOf = (s: JsonSchema): string[] | null => {
    let r = c.resolve(s);
    if (r.type === 'array' && isObject(r.items)) r = c.resolve(r.items);
    return Array.isArray(r.enum) ? (r.enum as unknown[]).map(String) : null;
  };
  const ruleProps = propsOf(defs.rule);
  const predProps = propsOf(defs.predicate);
  const packSchema = Array.isArray(root.oneOf) ? (root.oneOf as JsonSchema[]).find((s) => isObject(c.resolve(s).properties) && 'rules' in (c.resolve(s).properties as object)) : undefined;
  const hints: SchemaHints = { props: { rule: Object.keys(ruleProps), predicate: Object.keys(predProps), pack: Object.keys(propsOf(packSchema)) }, values: {}, predicateKeys: [] };
  for (const [name, s] of [...Object.entries(ruleProps), ...Object.entries(predProps)]) {
    const e = enumOf(s);
    if (e) hints.values[name] = e;
    const r = c.resolve(s);
    if (r === c.resolve(defs.predicate ?? {}) || (r.type === 'array' && isObject(r.items) && c.resolve(r.items) === c.resolve(defs.predicate ?? {}))) hints.predicateKeys.push(name);
    const nested = propsOf(s);
    if (Object.keys(nested).length && !hints.predicateKeys.includes(name)) hints.props[name] = Object.keys(nested);
    if (r.type === 'boolean') hints.values[name] = ['true', 'false'];
  }
  return hints;
}
