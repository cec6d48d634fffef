/**
 * What changed between an original response and its replay: status, headers and a JSON-aware
 * body diff that ignores volatile values (timestamps, request ids, nonces), plus a similarity
 * score that the identity-swap verdict weighs.
 */
import diff from 'microdiff';
import type { Header } from '../model/exchange.ts';

export interface BodyChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

export interface ResponseDiff {
  status: boolean;
  /** Lower-cased names of headers added, removed or changed (volatile ones left out). */
  headers: string[];
  body: BodyChange[];
  /** 0..1: how alike the two bodies are (1 = identical after ignoring volatile values). */
  similarity: number;
}

const VOLATILE_HEADERS = new Set(['date', 'age', 'expires', 'last-modified', 'etag', 'x-request-id', 'x-correlation-id', 'x-amzn-requestid', 'x-amz-cf-id', 'x-amzn-trace-id', 'cf-ray', 'x-runtime', 'x-response-time', 'server-timing', 'set-cookie', 'content-length', 'report-to', 'nel', 'traceparent']);
const VOLATILE_KEY = /(^|_|-)(timestamp|time|date|now|nonce|request_?id|requestid|trace_?id|traceid|correlation_?id|csrf.*|expires?_?(at|in)?|created_?at|updated_?at|generated_?at|issued_?at|iat|exp|jti)$/i;
const VOLATILE_VALUE = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?|[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

function isVolatile(key: string | number, value: unknown): boolean {
  if (typeof key === 'string' && VOLATILE_KEY.test(key)) return true;
  return typeof value === 'string' && VOLATILE_VALUE.test(value);
}

/** JSON with volatile leaves replaced by a marker, so they compare equal. */
function stable(value: unknown, key: string | number = ''): unknown {
  if (isVolatile(key, value)) return '<volatile>';
  if (Array.isArray(value)) return value.map((v, i) => stable(v, i));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stable(v, k)]));
  return value;
}

function jsonPath(path: (string | number)[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('')}`;
}

function parseJson(bytes: Uint8Array | null): { ok: true; value: unknown } | { ok: false } {
  if (!bytes || bytes.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

function countLeaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countLeaves(x), 0) || 1;
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + countLeaves(x), 0) || 1;
  return 1;
}

/** Dice coefficient over word shingles: cheap, order-aware enough for HTML/text bodies. */
function textSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const grams = (s: string): Map<string, number> => {
    const words = s.split(/\s+|(?=[<>{}[\],:;"'=])/).filter(Boolean);
    const m = new Map<string, number>();
    for (let i = 0; i + 1 < words.length || i === 0; i++) {
      const g = `${words[i] ?? ''} ${words[i + 1] ?? ''}`;
      m.set(g, (m.get(g) ?? 0) + 1);
      if (words.length < 2) break;
    }
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let shared = 0;
  let total = 0;
  for (const [g, n] of ga) {
    shared += Math.min(n, gb.get(g) ?? 0);
    total += n;
  }
  for (const n of gb.values()) total += n;
  return total === 0 ? 1 : (2 * shared) / total;
}

export function diffHeaders(a: readonly Header[], b: readonly Header[]): string[] {
  const index = (hs: readonly Header[]): Map<string, string> => {
    const m = new Map<string, string>();
    for (const [n, v] of hs) {
      const k = n.toLowerCase();
      if (!k.startsWith(':')) m.set(k, m.has(k) ? `${m.get(k)}, ${v}` : v);
    }
    return m;
  };
  const ma = index(a);
  const mb = index(b);
  const names = new Set([...ma.keys(), ...mb.keys()]);
  return [...names].filter((n) => !VOLATILE_HEADERS.has(n) && ma.get(n) !== mb.get(n)).sort();
}

export function diffBodies(a: Uint8Array | null, b: Uint8Array | null, maxChanges = 200): { body: BodyChange[]; similarity: number } {
  const ja = parseJson(a);
  const jb = parseJson(b);
  if (ja.ok && jb.ok) {
    const sa = stable(ja.value);
    const sb = stable(jb.value);
    const changes = diff(sa as Record<string, unknown>, sb as Record<string, unknown>);
    const body = changes.slice(0, maxChanges).map((c) => {
      const out: BodyChange = { path: jsonPath(c.path) };
      if (c.type !== 'CREATE') out.from = c.oldValue;
      if (c.type !== 'REMOVE') out.to = c.value;
      return out;
    });
    const leaves = Math.max(countLeaves(sa), countLeaves(sb));
    const simple = typeof sa !== 'object' || sa === null;
    const similarity = simple ? (JSON.stringify(sa) === JSON.stringify(sb) ? 1 : 0) : Math.max(0, 1 - changes.length / leaves);
    return { body, similarity };
  }
  const ta = a ? new TextDecoder().decode(a) : '';
  const tb = b ? new TextDecoder().decode(b) : '';
  const similarity = textSimilarity(ta, tb);
  return { body: similarity === 1 ? [] : [{ path: '$', from: `${ta.length} bytes`, to: `${tb.length} bytes` }], similarity };
}

export function diffResponses(
  original: { status: number | null; headers: readonly Header[]; body: Uint8Array | null },
  replay: { status: number; headers: readonly Header[]; body: Uint8Array | null },
): ResponseDiff {
  const { body, similarity } = diffBodies(original.body, replay.body);
  return { status: original.status !== replay.status, headers: diffHeaders(original.headers, replay.headers), body, similarity };
}
