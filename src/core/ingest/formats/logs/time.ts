/**
 * Timestamp parsers for log formats. Each returns epoch milliseconds, or NaN when the text is not
 * a time it understands. They honour the zone the log wrote; a time written without one is UTC
 * (W3C/IIS, ALB and CloudFront define their times as UTC). Hand-written on char codes because
 * they run once per line on the hot path and Date.parse is both slower and zone-ambiguous.
 */

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** Fraction digits starting at `at` (after the dot) as milliseconds; returns [ms, end]. */
function fraction(s: string, at: number): [number, number] {
  let end = at;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end++;
  }
  if (end === at) return [NaN, end];
  // The first three digits, zero-padded (`.5` is 500 ms, nanoseconds are cut), without slicing.
  const n = end - at;
  const ms = (s.charCodeAt(at) - 48) * 100 + (n > 1 ? (s.charCodeAt(at + 1) - 48) * 10 : 0) + (n > 2 ? s.charCodeAt(at + 2) - 48 : 0);
  return [ms, end];
}

/** Zone offset in minutes at `at`: Z, ±hh, ±hhmm, ±hh:mm; [0, at] when nothing is there. */
function zone(s: string, at: number): [number, number] {
  let i = at;
  while (s.charCodeAt(i) === 32) i++;
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */ || c === 122) return [0, i + 1];
  if (c !== 43 && c !== 45) return [0, at];
  const sign = c === 45 ? -1 : 1;
  const h = digits(s, i + 1, 2);
  let m = 0;
  let end = i + 3;
  if (s.charCodeAt(end) === 58) {
    m = digits(s, end + 1, 2);
    end += 3;
  } else if (end + 2 <= s.length && !Number.isNaN(digits(s, end, 2))) {
    m = digits(s, end, 2);
    end += 2;
  }
  if (Number.isNaN(h) || Number.isNaN(m) || h > 23 || m > 59) return [NaN, end];
  return [sign * (h * 60 + m), end];
}

/** The month of the last `build` (`y * 12 + mo`) and Date.UTC of its first day. */
let monthKey = NaN;
let monthStart = NaN;

function build(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number, offMin: number): number {
  if (Number.isNaN(y + mo + d + h + mi + sec + ms + offMin)) return NaN;
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60) return NaN;
  // Date.UTC(y, mo, d, h, mi, sec, ms) is by definition the month's first day plus whole days and
  // milliseconds (exact integers), so only a new month costs a Date.UTC call (which also maps years 0-99).
  const key = y * 12 + mo;
  if (key !== monthKey) {
    monthStart = Date.UTC(y, mo, 1);
    monthKey = key;
  }
  return monthStart + (d - 1) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offMin * 60_000;
}

let lastClf = '';
let lastClfValue = NaN;

/** `10/Feb/2012:16:42:07 -0500`, also with `.123` fractions or without a zone (HAProxy). */
export function parseClfTime(s: string): number {
  // Busy logs repeat the same second on many consecutive lines.
  if (s === lastClf) return lastClfValue;
  const v = clfTime(s);
  lastClf = s;
  lastClfValue = v;
  return v;
}

function clfTime(s: string): number {
  if (s.length < 20 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58) return NaN;
  const mo = MONTHS[s.slice(3, 6)];
  if (mo === undefined) return NaN;
  let ms = 0;
  let end = 20;
  if (s.charCodeAt(20) === 46) [ms, end] = fraction(s, 21);
  const [off, zEnd] = zone(s, end);
  if (zEnd !== s.length && s.slice(zEnd).trim() !== '') return NaN;
  return build(digits(s, 7, 4), mo, digits(s, 0, 2), digits(s, 12, 2), digits(s, 15, 2), digits(s, 18, 2), ms, off);
}

/** ISO 8601 / RFC 3339 (`T` or space), any fraction length (nanoseconds are truncated). */
export function parseIsoTime(s: string): number {
  if (s.length < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 32 && t !== 116) return NaN;
  let ms = 0;
  let end = 19;
  if (s.charCodeAt(19) === 46 || s.charCodeAt(19) === 44) [ms, end] = fraction(s, 20);
  const [off, zEnd] = zone(s, end);
  if (zEnd !== s.length) return NaN;
  return build(digits(s, 0, 4), digits(s, 5, 2) - 1, digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2), ms, off);
}

/** Epoch in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. */
export function epochToMs(n: number): number {
  if (!Number.isFinite(n) || n < 0) return NaN;
  if (n < 1e11) return Math.round(n * 1000); // seconds (until year 5138)
  if (n < 1e14) return Math.round(n); // milliseconds
  if (n < 1e17) return Math.round(n / 1e3); // microseconds
  return Math.round(n / 1e6); // nanoseconds
}

/** /^\d+(\.\d+)?$/ without the regex call (every JSON time string is tested). */
function isNumeric(v: string): boolean {
  let i = 0;
  while (i < v.length && isDigit(v.charCodeAt(i))) i++;
  if (i === 0) return false;
  if (i === v.length) return true;
  if (v.charCodeAt(i) !== 46) return false;
  const from = ++i;
  while (i < v.length && isDigit(v.charCodeAt(i))) i++;
  return i > from && i === v.length;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Any of the above, from a JSON value or a text field; RFC 1123 dates via Date.parse. */
export function parseAnyTime(v: unknown): number {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v !== 'string' || v === '' || v === '-') return NaN;
  if (isNumeric(v)) return epochToMs(Number(v));
  const c = v.charCodeAt(2);
  if (c === 47) return parseClfTime(v);
  const iso = parseIsoTime(v);
  if (!Number.isNaN(iso)) return iso;
  // RFC 1123 and friends always name their zone (GMT, +0000); anything else would be local time.
  return /(GMT|UTC|[+-]\d{4})$/.test(v) ? Date.parse(v) : NaN;
}

/** Duration in seconds (text or number) to milliseconds; null for '-' or garbage. */
export function secondsToMs(v: string | number | undefined): number | null {
  const n = typeof v === 'number' ? v : v === undefined || v === '' || v === '-' ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1e6) / 1e3 : null;
}
