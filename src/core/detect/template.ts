/**
 * The default, lightweight endpoint resolver: segments that are plainly identifiers (numbers,
 * UUIDs, long hex, long opaque tokens, e-mail addresses) become {id}. The inventory's richer
 * templater (learned from the whole workspace) is injected through EngineOptions.templateOf.
 */
import type { StoredExchange } from '../model/exchange.ts';

const NUMERIC = /^-?\d+$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(?=[0-9a-f]*\d)[0-9a-f]{8,}$/i;
const TOKEN = /^(?=.*\d)(?=.*[a-zA-Z])[A-Za-z0-9_-]{20,}$/;
const EMAIL = /^[^@/\s]+@[^@/\s]+\.[a-z]{2,}$/i;
const ULID_OBJECTID = /^(?:[0-9a-f]{24}|[0-9A-HJKMNP-TV-Z]{26})$/;

/** Whether a segment is only digits (the commonest id; no regex needed). */
function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Verdicts for segments that are not plainly numeric (static segments repeat endlessly). */
const segmentCache = new Map<string, boolean>();

export function isIdSegment(segment: string): boolean {
  if (segment === '') return false;
  if (allDigits(segment)) return true;
  let id = segmentCache.get(segment);
  if (id === undefined) {
    id = classifySegment(segment);
    if (segmentCache.size >= 50_000) segmentCache.clear();
    segmentCache.set(segment, id);
  }
  return id;
}

function classifySegment(segment: string): boolean {
  return NUMERIC.test(segment) || UUID.test(segment) || HEX.test(segment) || ULID_OBJECTID.test(segment) || TOKEN.test(segment) || EMAIL.test(segment);
}

export function templatePath(path: string): string {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  const parts = p.split('/');
  let changed = false;
  for (let i = 1; i < parts.length; i++) {
    let seg = parts[i];
    if (seg.includes('%')) {
      try {
        seg = decodeURIComponent(seg);
      } catch {
        // keep as written
      }
    }
    if (isIdSegment(seg)) {
      parts[i] = '{id}';
      changed = true;
    }
  }
  return changed ? parts.join('/') : p;
}

const cache = new Map<string, string>();

export function defaultTemplateOf(e: StoredExchange): string {
  let t = cache.get(e.path);
  if (t === undefined) {
    t = templatePath(e.path);
    if (cache.size >= 50_000) cache.clear();
    cache.set(e.path, t);
  }
  return t;
}

/** Values of the path segments a template replaced with a {placeholder}, in order. */
export function pathParams(path: string, template: string): string[] {
  // Walks both strings segment by segment (no split: only the values are allocated).
  const out: string[] = [];
  let p = 0;
  let t = 0;
  for (;;) {
    const pSlash = path.indexOf('/', p);
    const tSlash = template.indexOf('/', t);
    // Different numbers of segments: the template is not of this path.
    if ((pSlash === -1) !== (tSlash === -1)) return [];
    const pEnd = pSlash === -1 ? path.length : pSlash;
    const tEnd = tSlash === -1 ? template.length : tSlash;
    if (tEnd > t && template.charCodeAt(t) === 123 && template.charCodeAt(tEnd - 1) === 125) out.push(path.slice(p, pEnd));
    if (pSlash === -1) return out;
    p = pSlash + 1;
    t = tSlash + 1;
  }
}
