/**
 * Reading a published JSON Schema (diff): which types it allows and which properties it
 * documents, through allOf/anyOf/oneOf and OpenAPI 3.0's `nullable`; and typing values that
 * arrived as text. (Inferring schemas from traffic is the inventory's: ../schema.ts.) Walks are
 * bounded in depth so a hostile or enormous schema cannot run away.
 */
import { typeOf } from '../schema.ts';

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  nullable?: boolean;
  examples?: unknown[];
  $ref?: string;
  [key: string]: unknown;
}

export type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

export const MAX_DEPTH = 8;

/** The JSON Schema type of a value, as the inventory's schema sketches type it. */
export const valueType: (v: unknown) => JsonType = typeOf;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^@\s/]+@[^@\s/]+\.[a-z]{2,}$/i;

/** Type of a value that arrived as text (path segment, query parameter, form field). */
export function textType(s: string): 'integer' | 'number' | 'boolean' | 'string' {
  if (/^-?\d{1,15}$/.test(s)) return 'integer';
  if (/^-?\d+\.\d+(e[+-]?\d+)?$/i.test(s)) return 'number';
  if (s === 'true' || s === 'false') return 'boolean';
  return 'string';
}

export function stringFormat(s: string): string | null {
  if (UUID.test(s)) return 'uuid';
  if (DATE.test(s)) return 'date';
  if (DATE_TIME.test(s)) return 'date-time';
  if (EMAIL.test(s)) return 'email';
  return null;
}

// ---------- reading a published schema ----------

function branches(s: JsonSchema): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) for (const b of list) if (b && typeof b === 'object') out.push(b);
  }
  return out;
}

/**
 * Types a schema allows, or null when it does not constrain them (no `type` anywhere, an
 * unresolved $ref). Combinators are read loosely: any branch's type is accepted.
 */
export function allowedTypes(s: JsonSchema | null | undefined, depth = 0): Set<string> | null {
  if (!s || typeof s !== 'object' || depth > MAX_DEPTH || s.$ref !== undefined) return null;
  let out: Set<string> | null = null;
  const add = (t: string): void => {
    out ??= new Set();
    out.add(t);
  };
  if (typeof s.type === 'string') add(s.type);
  else if (Array.isArray(s.type)) for (const t of s.type) if (typeof t === 'string') add(t);
  for (const b of branches(s)) {
    const inner = allowedTypes(b, depth + 1);
    if (inner === null) {
      if (!s.allOf?.includes(b)) return null;
      continue;
    }
    for (const t of inner) add(t);
  }
  if (out && s.nullable === true) add('null');
  return out;
}

/** Whether a value of type `t` satisfies a set of allowed types (integers are numbers). */
export function typeAllowed(allowed: Set<string> | null, t: JsonType): boolean {
  if (allowed === null) return true;
  return allowed.has(t) || (t === 'integer' && allowed.has('number'));
}

export interface DocumentedProperties {
  props: Map<string, JsonSchema>;
  /** True when the schema does not enumerate its fields (free-form map, unresolved ref). */
  open: boolean;
}

/** Properties a schema documents, merged through allOf/anyOf/oneOf. */
export function documentedProperties(s: JsonSchema | null | undefined): DocumentedProperties {
  const props = new Map<string, JsonSchema>();
  let declared = false;
  let open = false;
  const visit = (x: JsonSchema, depth: number): void => {
    if (depth > MAX_DEPTH || !x || typeof x !== 'object') return;
    if (x.$ref !== undefined) {
      open = true;
      return;
    }
    if (x.properties && typeof x.properties === 'object') {
      declared = true;
      for (const [k, v] of Object.entries(x.properties)) if (!props.has(k)) props.set(k, v);
    }
    if (x.additionalProperties === true || (x.additionalProperties && typeof x.additionalProperties === 'object')) open = true;
    if (x.patternProperties) open = true;
    for (const b of branches(x)) visit(b, depth + 1);
  };
  if (s) visit(s, 0);
  return { props, open: open || !declared };
}

/** The item schema of an array schema (through combinators), or null. */
export function itemsOf(s: JsonSchema | null | undefined, depth = 0): JsonSchema | null {
  if (!s || typeof s !== 'object' || depth > MAX_DEPTH) return null;
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) return s.items;
  for (const b of branches(s)) {
    const i = itemsOf(b, depth + 1);
    if (i) return i;
  }
  return null;
}
