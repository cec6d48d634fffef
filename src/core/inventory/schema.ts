/**
 * JSON Schema merged across samples: each sketch counts the types seen at a position and how
 * often each object property appeared, so properties present in every sample become `required`
 * and the rest optional. Walks are bounded in depth and width (hostile bodies stay cheap), and
 * sketches serialise to plain JSON so the incremental inventory can persist and extend them.
 */
import type { Schema, SchemaType } from './types.ts';

export const MAX_DEPTH = 10;
export const MAX_PROPERTIES = 200;
const FORMATS: [string, RegExp][] = [
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['date-time', /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['email', /^[^@\s/]+@[^@\s/]+\.[a-z]{2,}$/i],
  ['uri', /^https?:\/\/\S+$/i],
  ['ipv4', /^(?:\d{1,3}\.){3}\d{1,3}$/],
];

/** Persistable sketch: t = type counts, f = string format (null once formats disagree), p = properties, i = items. */
export interface Sketch {
  n: number;
  t: Partial<Record<SchemaType, number>>;
  f?: string | null;
  /** Objects seen (for `required`). */
  o?: number;
  p?: Record<string, Sketch>;
  i?: Sketch;
  x?: boolean;
}

export function newSketch(): Sketch {
  return { n: 0, t: {} };
}

export function typeOf(v: unknown): SchemaType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'number': return Number.isInteger(v) ? 'integer' : 'number';
    case 'string': return 'string';
    default: return 'object';
  }
}

function formatOf(s: string): string | null {
  for (const [name, re] of FORMATS) if (re.test(s)) return name;
  return null;
}

export function addSample(s: Sketch, v: unknown, depth = 0): void {
  const t = typeOf(v);
  s.n++;
  s.t[t] = (s.t[t] ?? 0) + 1;
  if (depth >= MAX_DEPTH && (t === 'object' || t === 'array')) {
    s.x = true;
    return;
  }
  if (t === 'string') {
    const f = formatOf(v as string);
    if (s.f === undefined) s.f = f;
    else if (s.f !== f) s.f = null;
  } else if (t === 'array') {
    s.i ??= newSketch();
    const arr = v as unknown[];
    // The first items show the element shape; thousands more only cost time.
    for (let k = 0; k < arr.length && k < 20; k++) addSample(s.i, arr[k], depth + 1);
  } else if (t === 'object') {
    s.o = (s.o ?? 0) + 1;
    s.p ??= {};
    let width = 0;
    for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
      if (width++ >= MAX_PROPERTIES) {
        s.x = true;
        break;
      }
      let child = Object.hasOwn(s.p, key) ? s.p[key] : undefined;
      if (!child) {
        if (Object.keys(s.p).length >= MAX_PROPERTIES) {
          s.x = true;
          continue;
        }
        child = s.p[key] = newSketch();
      }
      addSample(child, value, depth + 1);
    }
  }
}

export function toSchema(s: Sketch): Schema {
  const types = (Object.keys(s.t) as SchemaType[]).filter((t) => (s.t[t] ?? 0) > 0);
  // integer and number together are just number.
  const merged = types.includes('number') ? types.filter((t) => t !== 'integer') : types;
  const out: Schema = {};
  if (merged.length === 1) out.type = merged[0];
  else if (merged.length > 1) out.type = merged.sort();
  if (s.f && merged.length === 1 && merged[0] === 'string') out.format = s.f;
  if (s.p) {
    out.properties = {};
    const required: string[] = [];
    for (const [k, c] of Object.entries(s.p)) {
      out.properties[k] = toSchema(c);
      if (c.n === s.o) required.push(k);
    }
    if (required.length > 0) out.required = required;
  }
  if (s.i) out.items = toSchema(s.i);
  if (s.x) out['x-truncated'] = true;
  return out;
}

/**
 * Visits every scalar leaf of a JSON value with its JSON path and nearest property name,
 * bounded like the sketch walk.
 */
export function walkLeaves(v: unknown, visit: (value: string, key: string | null, path: string) => void, path = '$', key: string | null = null, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  if (typeof v === 'string') visit(v, key, path);
  else if (typeof v === 'number') visit(String(v), key, path);
  else if (Array.isArray(v)) {
    for (let i = 0; i < v.length && i < 50; i++) walkLeaves(v[i], visit, `${path}[*]`, key, depth + 1);
  } else if (v && typeof v === 'object') {
    let width = 0;
    for (const [k, c] of Object.entries(v as Record<string, unknown>)) {
      if (width++ >= MAX_PROPERTIES) break;
      walkLeaves(c, visit, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, k, depth + 1);
    }
  }
}
