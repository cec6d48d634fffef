/**
 * Regular expressions for `~`: JavaScript syntax, case-sensitive unless the pattern starts with
 * `(?i)`. SQLite calls `regexp(pattern, value)` once per row, so compiled patterns are cached.
 */
import type { Db } from '../store/db.ts';

const CACHE_MAX = 256;
const cache = new Map<string, RegExp>();

export function toRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const insensitive = pattern.startsWith('(?i)');
  re = new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? 'i' : '');
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

const registered = new WeakSet<Db>();

/** Registers the SQL functions compiled filters call (`regexp`). Safe to call more than once. */
export function registerQueryFunctions(db: Db): void {
  if (registered.has(db)) return;
  db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
    if (value === null || value === undefined || typeof pattern !== 'string') return null;
    return toRegExp(pattern).test(typeof value === 'string' ? value : String(value)) ? 1 : 0;
  });
  registered.add(db);
}
