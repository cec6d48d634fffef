/**
 * Typed recognisers for path segments: what a segment looks like decides whether it can be a
 * parameter value alone (ids, hashes, dates, emails, tokens) or only with sibling evidence
 * (slugs, words), and which format a path parameter gets.
 */
import type { ParamType, SegmentKind } from './types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_COMPACT = /^[0-9a-f]{32}$/i;
const OBJECTID = /^[0-9a-f]{24}$/i;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const HEX = /^[0-9a-f]{8,}$/i;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EMAIL = /^[^@/\s]+@[^@/\s]+\.[a-z]{2,}$/i;
const TOKEN = /^[A-Za-z0-9_\-+=.~]{16,}$/;
const VERSION = /^v\d+(\.\d+)*(beta\d*|alpha\d*)?$|^\d+\.\d+(\.\d+)?$/i;
const WORD = /^[a-z]+$/i;
const SLUG = /^[a-z0-9]+(?:[-_.][a-z0-9]+)+$/i;
const VOWELS = /[aeiouy]/i;

function allDigits(s: string): boolean {
  if (s.length === 0 || s.length > 19) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Shannon entropy in bits per character: random tokens score high, words and slugs low. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function classify(s: string): SegmentKind {
  if (allDigits(s)) return 'int';
  if (UUID.test(s)) return 'uuid';
  if (VERSION.test(s)) return 'version';
  if (DATE.test(s)) return 'date';
  if (DATETIME.test(s)) return 'datetime';
  if (EMAIL.test(s)) return 'email';
  const hasDigit = /\d/.test(s);
  if (hasDigit && HEX.test(s)) {
    if (s.length === 24 && OBJECTID.test(s)) return 'objectid';
    if (s.length === 32 && UUID_COMPACT.test(s)) return 'md5';
    if (s.length === 40) return 'sha1';
    if (s.length === 64) return 'sha256';
    return 'hex';
  }
  if (s.length === 26 && ULID.test(s)) return 'ulid';
  // Human slugs (red-shoes-42) are parts of plain letters or plain digits; tokens mix them.
  if (SLUG.test(s) && s.split(/[-_.]/).every((p) => /^[a-z]+$|^\d+$/.test(p))) return 'slug';
  if (TOKEN.test(s) && hasDigit && /[A-Za-z]/.test(s) && entropy(s) >= 3.5) return 'token';
  if (WORD.test(s) && VOWELS.test(s)) return 'word';
  if (SLUG.test(s)) return 'slug';
  if (/^-?\d+(\.\d+)?$/.test(s)) return 'int';
  return 'other';
}

const cache = new Map<string, SegmentKind>();

/** Kind of a (decoded) path segment; memoised because static segments repeat endlessly. */
export function segmentKind(segment: string): SegmentKind {
  if (allDigits(segment)) return 'int';
  let k = cache.get(segment);
  if (k === undefined) {
    k = classify(segment);
    if (cache.size >= 100_000) cache.clear();
    cache.set(segment, k);
  }
  return k;
}

/** Kinds that are identifiers on their own: one such segment among literals is already a parameter. */
export const ID_KINDS: ReadonlySet<SegmentKind> = new Set<SegmentKind>(['int', 'uuid', 'objectid', 'ulid', 'md5', 'sha1', 'sha256', 'hex', 'date', 'datetime', 'email', 'token']);

/** OpenAPI type and format of a parameter whose values were all of these kinds. */
export function paramTypeOf(kinds: Iterable<SegmentKind>): { type: ParamType; format?: string } {
  const set = new Set(kinds);
  if (set.size === 1) {
    const [k] = set;
    switch (k) {
      case 'int': return { type: 'integer' };
      case 'uuid': return { type: 'string', format: 'uuid' };
      case 'date': return { type: 'string', format: 'date' };
      case 'datetime': return { type: 'string', format: 'date-time' };
      case 'email': return { type: 'string', format: 'email' };
      case 'objectid': case 'ulid': case 'md5': case 'sha1': case 'sha256': case 'hex': case 'token': case 'slug':
        return { type: 'string', format: k };
      default: return { type: 'string' };
    }
  }
  if (set.size === 2 && set.has('md5') && set.has('hex')) return { type: 'string', format: 'hex' };
  return { type: 'string' };
}

/** Decodes percent-encoding where valid; hostile or broken encodings stay as written. */
export function decodeSegment(seg: string): string {
  if (!seg.includes('%')) return seg;
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

/** Path without query, split into segments (the leading '' dropped; a trailing '' kept). */
export function splitPath(path: string): string[] {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  const parts = p.split('/');
  parts.shift();
  return parts;
}
