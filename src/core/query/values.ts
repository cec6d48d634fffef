/**
 * Reading numeric values: sizes with units, durations, status classes, dates. Every value reads
 * as an interval so that `time = 2024-01-01` means the whole day and `status = 4xx` the class;
 * comparisons then round the way Elasticsearch date math does: `<` and `>=` use the start,
 * `<=` and `>` the end.
 */
import type { Scalar } from './ast.ts';
import { FilterError } from './errors.ts';
import type { Unit } from './fields.ts';

/** [lo, hi] with lo inclusive; hi inclusive unless `hiExclusive`; null ends are open. */
export interface Interval {
  lo: number | null;
  hi: number | null;
  hiExclusive: boolean;
}

const point = (v: number): Interval => ({ lo: v, hi: v, hiExclusive: false });
const span = (lo: number, hiExclusive: number): Interval => ({ lo, hi: hiExclusive, hiExclusive: true });

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { '': 1, us: 0.001, µs: 0.001, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
const RELATIVE_UNITS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?|\.\d+)([a-zµ]*)$/i;

function fail(s: Scalar, what: string, hint?: string): never {
  throw new FilterError(`invalid ${what} '${s.text}'${hint ? ` (${hint})` : ''}`, s.column);
}

function withUnit(s: Scalar, units: Record<string, number>, what: string): number {
  const m = NUMBER_WITH_UNIT.exec(s.text.trim());
  const factor = m ? units[m[2].toLowerCase()] : undefined;
  if (!m || factor === undefined) fail(s, what, `expected a number with an optional unit: ${Object.keys(units).filter(Boolean).join(', ')}`);
  return Number(m[1]) * factor;
}

/** `now` is called only for relative times, so callers can tell whether a filter depends on the clock. */
export function readInterval(unit: Unit, s: Scalar, now: () => number): Interval {
  switch (unit) {
    case 'count':
    case 'port': {
      if (!/^\d{1,15}$/.test(s.text)) fail(s, unit === 'port' ? 'port' : 'number', 'expected a whole number');
      const n = Number(s.text);
      if (unit === 'port' && n > 65535) fail(s, 'port', 'at most 65535');
      return point(n);
    }
    case 'status': {
      const cls = /^([1-9])xx$/i.exec(s.text);
      if (cls) return { lo: Number(cls[1]) * 100, hi: Number(cls[1]) * 100 + 99, hiExclusive: false };
      if (!/^\d{3}$/.test(s.text)) fail(s, 'status', 'expected a code like 404 or a class like 4xx');
      return point(Number(s.text));
    }
    case 'bytes':
      return point(Math.round(withUnit(s, SIZE_UNITS, 'size')));
    case 'ms':
      return point(withUnit(s, DURATION_UNITS, 'duration'));
    case 'time':
      return readTime(s, now);
  }
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Dates are UTC; a date or month is the whole period; `-15m`, `now` are relative to `now`. */
function readTime(s: Scalar, now: () => number): Interval {
  const text = s.text.trim();
  if (text.toLowerCase() === 'now') return point(now());
  const rel = /^-(\d+(?:\.\d+)?)([a-z]+)$/i.exec(text);
  if (rel) {
    const unit = RELATIVE_UNITS[rel[2].toLowerCase()];
    if (unit === undefined) fail(s, 'relative time', 'expected units s, m, h, d or w, like -15m or -7d');
    return point(now() - Number(rel[1]) * unit);
  }
  if (/^\d{12,15}$/.test(text)) return point(Number(text));
  if (/^\d{9,11}$/.test(text)) return point(Number(text) * 1000);
  const d = DATE.exec(text);
  if (d) {
    const [y, m, day] = [Number(d[1]), d[2] ? Number(d[2]) : null, d[3] ? Number(d[3]) : null];
    if (m !== null && (m < 1 || m > 12)) fail(s, 'date', 'month must be 01-12');
    const start = Date.UTC(y, (m ?? 1) - 1, day ?? 1);
    if (day !== null && new Date(start).getUTCDate() !== day) fail(s, 'date', 'no such day');
    const end = day !== null ? Date.UTC(y, m! - 1, day + 1) : m !== null ? Date.UTC(y, m, 1) : Date.UTC(y + 1, 0, 1);
    return span(start, end);
  }
  const dt = DATETIME.exec(text);
  if (dt) {
    const zone = dt[8] ? dt[8].toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
    const iso = `${dt[1]}-${dt[2]}-${dt[3]}T${dt[4]}:${dt[5]}:${dt[6] ?? '00'}${(dt[7] ?? '').slice(0, 4)}${zone}`;
    const t = Date.parse(iso);
    if (Number.isNaN(t) || Number(dt[4]) > 23 || Number(dt[5]) > 59 || Number(dt[6] ?? 0) > 59) fail(s, 'time');
    if (new Date(Date.UTC(Number(dt[1]), Number(dt[2]) - 1, Number(dt[3]))).getUTCDate() !== Number(dt[3])) fail(s, 'date', 'no such day');
    return point(t);
  }
  fail(s, 'time', "expected an ISO date like 2024-01-31 or 2024-01-31T10:00:00Z, epoch milliseconds, 'now', or a relative time like -15m or -7d");
}
