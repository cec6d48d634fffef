/**
 * Windowed rules: per key (actor, endpoint, account…), the requests of the last `window` of
 * traffic time, or a leaky bucket, with count / distinct-count / ratio thresholds. A key's state
 * is dropped once its window has emptied, and the number of keys is capped (LRU), so memory is
 * bounded by the number of active keys, not by the traffic.
 */
import { fieldAccessor, type ExchangeView } from './fields.ts';
import { addToIncident, addView, formatDuration, grouping, IncidentBook, keyIn, newIncident, type Grouping, type Incident } from './incidents.ts';
import { ALWAYS, compilePredicate, type Predicate } from './predicates.ts';
import type { FieldValue, WindowRuleSpec } from './types.ts';

/** Keys are moved to the back of the LRU order at most this often (traffic time). */
const TOUCH_GRANULARITY_MS = 1000;

/** Emptied key states kept for reuse per rule, and the most events a reused state may have held. */
const MAX_SPARE = 1024;
const MAX_SPARE_EVENTS = 256;
/** A reused state's spent entries are kept up to this many (beyond, its arrays are truncated): spares stay small. */
const MAX_KEPT_EVENTS = 16;

/** Most events a key remembers (a flood beyond this counts as at least this many). */
const MAX_EVENTS_PER_KEY = 5000;

/**
 * A key's window, oldest first from `head`, as parallel arrays (one number or reference per request
 * and field, no object per request: a window holds thousands, and the GC walks what it holds).
 */
interface KeyState {
  key: string;
  t: number[];
  id: number[];
  /** -1 for no response. */
  status: number[];
  ip: (string | null)[];
  /** Only for rules that count distinct values (v, distinct) or a ratio (f): the others skip them. */
  v: (string | null)[] | null;
  v2: (string | null)[] | null;
  f: boolean[] | null;
  head: number;
  distinct: Map<string, number> | null;
  distinct2: Map<string, number> | null;
  flagged: number;
  level: number;
  levelAt: number;
  lastTime: number;
  /** Neighbours in last-touched order (an intrusive list: moving a key is two pointer updates, not a Map delete and re-insert). */
  prev: KeyState | null;
  next: KeyState | null;
}

const statusOf = (s: number): number | null => (s === -1 ? null : s);

export interface WindowStats {
  count: number;
  distinct: number;
  distinct2: number;
  ratio: number;
  level: number;
}

function firstValue(v: FieldValue): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.length ? String(v[0]) : null;
  return String(v);
}

function dec(m: Map<string, number>, k: string | null): void {
  if (k === null) return;
  const n = (m.get(k) ?? 0) - 1;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
}

export class WindowRule {
  readonly spec: WindowRuleSpec;
  readonly filter: Predicate;
  private readonly ratio: Predicate | null;
  private readonly keys = new Map<string, KeyState>();
  /** Emptied states kept for reuse (see drop). */
  private readonly spare: KeyState[] = [];
  /** Least and most recently touched keys (see KeyState.prev/next). */
  private oldest: KeyState | null = null;
  private newest: KeyState | null = null;
  readonly book: IncidentBook;
  private readonly maxKeys: number;
  private readonly horizon: number;
  private readonly distinctOf: ((v: ExchangeView) => FieldValue) | null;
  private readonly distinctOf2: ((v: ExchangeView) => FieldValue) | null;
  private readonly grouping: Grouping;

  constructor(spec: WindowRuleSpec, maxKeys: number) {
    this.spec = spec;
    this.grouping = grouping(spec.key);
    this.distinctOf = spec.distinctOf ? fieldAccessor(spec.distinctOf) : null;
    this.distinctOf2 = spec.distinctOf2 ? fieldAccessor(spec.distinctOf2) : null;
    this.filter = spec.filter ? compilePredicate(spec.filter) : ALWAYS;
    this.ratio = spec.ratioOf ? compilePredicate(spec.ratioOf) : null;
    this.maxKeys = maxKeys;
    // A bucket forgets after it would have drained completely.
    this.horizon = spec.bucket ? Math.ceil((spec.bucket.capacity / spec.bucket.leakPerSecond) * 1000) : spec.windowMs;
    this.book = new IncidentBook(this.horizon);
  }

  private stats(s: KeyState): WindowStats {
    const count = s.t.length - s.head;
    return { count, distinct: s.distinct?.size ?? 0, distinct2: s.distinct2?.size ?? 0, ratio: count ? s.flagged / count : 0, level: s.level };
  }

  /** Whether every threshold holds for a key's current window. */
  private holdsFor(s: KeyState): boolean {
    const th = this.spec.threshold;
    const b = this.spec.bucket;
    const count = s.t.length - s.head;
    if (b !== null && s.level <= b.capacity) return false;
    if (th.count !== undefined && count < th.count) return false;
    const distinct = s.distinct?.size ?? 0;
    if (th.distinct !== undefined && distinct < th.distinct) return false;
    if (th.distinct2 !== undefined && (s.distinct2?.size ?? 0) < th.distinct2) return false;
    if (th.maxDistinct !== undefined && distinct > th.maxDistinct) return false;
    if (th.ratio !== undefined && (count ? s.flagged / count : 0) < th.ratio) return false;
    return true;
  }

  /** The first unmet threshold in words, or null when all hold. */
  private judge(st: WindowStats): string | null {
    const th = this.spec.threshold;
    const b = this.spec.bucket;
    if (b && st.level <= b.capacity) return `bucket level ${st.level.toFixed(1)} has not overflowed its capacity ${b.capacity}`;
    if (th.count !== undefined && st.count < th.count) return `${st.count} requests in ${formatDuration(this.spec.windowMs)}, threshold ${th.count}`;
    if (th.distinct !== undefined && st.distinct < th.distinct) return `${st.distinct} distinct ${this.spec.distinctOf}, threshold ${th.distinct}`;
    if (th.distinct2 !== undefined && st.distinct2 < th.distinct2) return `${st.distinct2} distinct ${this.spec.distinctOf2}, threshold ${th.distinct2}`;
    if (th.maxDistinct !== undefined && st.distinct > th.maxDistinct) return `${st.distinct} distinct ${this.spec.distinctOf}, more than ${th.maxDistinct}`;
    if (th.ratio !== undefined && st.ratio < th.ratio) return `share ${st.ratio.toFixed(2)} of ${this.ratio?.text ?? 'matching'} below ${th.ratio}`;
    return null;
  }

  private prune(s: KeyState, now: number): void {
    const cutoff = now - this.spec.windowMs;
    const n = s.t.length;
    while (s.head < n && (s.t[s.head] <= cutoff || n - s.head > MAX_EVENTS_PER_KEY)) {
      const i = s.head++;
      if (s.v) dec(s.distinct!, s.v[i]);
      if (s.v2) dec(s.distinct2!, s.v2[i]);
      if (s.f?.[i]) s.flagged--;
    }
    if (s.head > 1024 && s.head * 2 > n) {
      const h = s.head;
      s.t = s.t.slice(h);
      s.id = s.id.slice(h);
      s.status = s.status.slice(h);
      s.ip = s.ip.slice(h);
      s.v = s.v?.slice(h) ?? null;
      s.v2 = s.v2?.slice(h) ?? null;
      s.f = s.f?.slice(h) ?? null;
      s.head = 0;
    }
  }

  /** Feeds one exchange; true when it fired or joined an open incident. */
  push(v: ExchangeView): boolean {
    if (!this.filter.test(v, null)) return false;
    const spec = this.spec;
    const key = keyIn(v, this.grouping);
    const t = v.e.time;
    let s = this.keys.get(key);
    if (!s) {
      if (this.keys.size >= this.maxKeys) this.evictOldest();
      s = this.newState(key, t);
      this.keys.set(key, s);
      this.append(s);
    } else if (t - s.lastTime >= TOUCH_GRANULARITY_MS) {
      // Keep keys in (roughly) last-active order for sweep() without moving them on every request.
      this.unlink(s);
      this.append(s);
    }
    const e = v.e;
    s.t.push(t);
    s.id.push(e.id);
    s.status.push(e.status ?? -1);
    s.ip.push(e.ip ?? e.clientIp);
    if (this.distinctOf) {
      const value = firstValue(this.distinctOf(v));
      s.v!.push(value);
      if (value !== null) s.distinct!.set(value, (s.distinct!.get(value) ?? 0) + 1);
    }
    if (this.distinctOf2) {
      const value2 = firstValue(this.distinctOf2(v));
      s.v2!.push(value2);
      if (value2 !== null) s.distinct2!.set(value2, (s.distinct2!.get(value2) ?? 0) + 1);
    }
    if (this.ratio) {
      const flagged = this.ratio.test(v, null);
      s.f!.push(flagged);
      if (flagged) s.flagged++;
    }
    if (spec.bucket) {
      s.level = Math.max(0, s.level - (Math.max(0, t - s.levelAt) / 1000) * spec.bucket.leakPerSecond) + 1;
      s.levelAt = Math.max(s.levelAt, t);
    }
    s.lastTime = Math.max(s.lastTime, t);
    this.prune(s, t);

    // An open incident grows only while its thresholds still hold: once the burst is over, the
    // key's ordinary traffic is not evidence, and the incident closes after a quiet gap (a later
    // burst opens a new one instead of disappearing into an incident that never closes).
    if (!this.holdsFor(s)) return false;
    const open = this.book.get(key);
    if (open) {
      addView(open, v);
      this.record(open, this.stats(s));
      this.book.touch(open);
      return true;
    }
    const st = this.stats(s);
    const inc = newIncident(key, v, spec.key);
    // The evidence is the window that crossed the threshold, not only the request that tipped it.
    const h = s.head;
    inc.firstId = s.id[h];
    inc.firstTime = s.t[h];
    inc.ip = s.ip[h];
    for (let i = h; i < s.t.length; i++) addToIncident(inc, s.id[i], s.t[i], statusOf(s.status[i]), s.ip[i]);
    this.record(inc, st);
    this.book.touch(inc);
    return true;
  }

  /** Why the rule did or did not fire for an exchange just pushed (explain). */
  explain(v: ExchangeView, fired: boolean): { lookedAt: boolean; reason: string } {
    const why = this.filter.whyNot(v);
    if (why !== null) return { lookedAt: false, reason: `filter not met: ${why}` };
    if (fired) return { lookedAt: true, reason: 'threshold reached: the request belongs to an incident' };
    const st = this.statsFor(v);
    return { lookedAt: true, reason: st ? (this.judge(st) ?? 'thresholds hold') : 'no window state' };
  }

  private record(inc: Incident, st: WindowStats): void {
    const f = inc.facts;
    f.window = formatDuration(this.spec.windowMs);
    f.distinct = Math.max(Number(f.distinct ?? 0), st.distinct);
    f.distinct2 = Math.max(Number(f.distinct2 ?? 0), st.distinct2);
    f.peak = Math.max(Number(f.peak ?? 0), st.count);
    const ratio = Math.max(Number(f.peakRatio ?? 0), st.ratio);
    f.peakRatio = ratio;
    f.ratio = `${Math.round(ratio * 100)}%`;
    if (this.spec.bucket) f.rate = `${this.spec.bucket.leakPerSecond}/s`;
  }

  private append(s: KeyState): void {
    s.prev = this.newest;
    s.next = null;
    if (this.newest) this.newest.next = s;
    else this.oldest = s;
    this.newest = s;
  }

  private unlink(s: KeyState): void {
    if (s.prev) s.prev.next = s.next;
    else this.oldest = s.next;
    if (s.next) s.next.prev = s.prev;
    else this.newest = s.prev;
    s.prev = s.next = null;
  }

  private drop(s: KeyState): void {
    this.unlink(s);
    this.keys.delete(s.key);
    // Keys come and go all the time (most see a request or two per window): their states are
    // reused rather than left to the GC, which would first promote them (they outlive many
    // exchanges) and then collect them from the old generation. A state is emptied by moving its
    // head to the end (truncating would free the backing stores the next requests allocate
    // again); prune() compacts its arrays as for any key.
    if (this.spare.length < MAX_SPARE && s.t.length <= MAX_SPARE_EVENTS) {
      if (s.t.length <= MAX_KEPT_EVENTS) s.head = s.t.length;
      else {
        s.head = 0;
        s.t.length = s.id.length = s.status.length = s.ip.length = 0;
        if (s.v) s.v.length = 0;
        if (s.v2) s.v2.length = 0;
        if (s.f) s.f.length = 0;
      }
      s.distinct?.clear();
      s.distinct2?.clear();
      this.spare.push(s);
    }
  }

  private newState(key: string, t: number): KeyState {
    const s = this.spare.pop();
    if (s === undefined) {
      return {
        key, t: [], id: [], status: [], ip: [], head: 0, flagged: 0, level: 0, levelAt: t, lastTime: t,
        v: this.distinctOf ? [] : null, v2: this.distinctOf2 ? [] : null, f: this.ratio ? [] : null,
        distinct: this.distinctOf ? new Map() : null, distinct2: this.distinctOf2 ? new Map() : null,
        prev: null, next: null,
      };
    }
    s.key = key;
    s.flagged = s.level = 0;
    s.levelAt = s.lastTime = t;
    return s;
  }

  private evictOldest(): void {
    if (this.oldest) this.drop(this.oldest);
  }

  /** Drops keys whose window (and bucket) has emptied; keys are in last-touched order. */
  sweep(now: number): void {
    for (let s = this.oldest; s !== null && s.lastTime + this.horizon < now; s = this.oldest) this.drop(s);
  }

  get activeKeys(): number {
    return this.keys.size;
  }

  /** Current window figures for one key (explain). */
  statsFor(v: ExchangeView): WindowStats | null {
    const s = this.keys.get(keyIn(v, this.grouping));
    return s ? this.stats(s) : null;
  }
}
