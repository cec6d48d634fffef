/**
 * Pure helpers of the detection views: the traffic filter that shows a set of exchanges, actor
 * labels, and the time buckets of an actor timeline. No React, no Api: unit-tested directly.
 */
import type { ActorTimelineEntry, FindingRecord, Severity } from '../../../../shared/api-detect.ts';

/** The filter language caps a list at 256 values and a filter at 10 000 characters. */
const MAX_LIST = 256;
const MAX_FILTER = 10_000;

/**
 * `id in (…)` for exchange ids, runs of consecutive ids written as ranges (`id in (1..40, 52)`),
 * lists longer than the language allows split over `or`. Returns the filter and how many of the ids
 * it covers (all unless the filter would exceed the length limit).
 */
export function idFilter(ids: readonly number[]): { filter: string; covered: number } {
  const sorted = [...new Set(ids)].filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
  const items: { text: string; count: number }[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    items.push({ text: j > i ? `${sorted[i]}..${sorted[j]}` : String(sorted[i]), count: j - i + 1 });
    i = j + 1;
  }
  const parts: string[] = [];
  let covered = 0;
  let length = 0;
  for (let k = 0; k < items.length; k += MAX_LIST) {
    const chunk = items.slice(k, k + MAX_LIST);
    let part = `id in (${chunk.map((c) => c.text).join(', ')})`;
    let count = chunk.reduce((n, c) => n + c.count, 0);
    if (length + part.length + 4 > MAX_FILTER) {
      // Keep what fits of this chunk and stop: a partial list still leads somewhere useful.
      const fit: typeof chunk = [];
      let len = length + 4 + 'id in ()'.length;
      for (const c of chunk) {
        if (len + c.text.length + 2 > MAX_FILTER) break;
        fit.push(c);
        len += c.text.length + 2;
      }
      if (fit.length) {
        part = `id in (${fit.map((c) => c.text).join(', ')})`;
        count = fit.reduce((n, c) => n + c.count, 0);
        parts.push(part);
        covered += count;
      }
      break;
    }
    parts.push(part);
    length += part.length + 4;
    covered += count;
  }
  return { filter: parts.join(' or '), covered };
}

/** How an actor reads in the UI: principal and IP when both are known. */
export function actorLabel(actor: { ip: string | null; principal: string | null }): string {
  if (actor.principal && actor.ip) return `${actor.principal} @ ${actor.ip}`;
  return actor.principal ?? actor.ip ?? 'any actor';
}

/** A finding's endpoint as one line; `*` parts (actor- or host-wide rules) collapse. */
export function endpointLabel(e: FindingRecord['endpoint']): string {
  if (e.method === '*' && e.path === '*') return `${e.host} (any endpoint)`;
  return `${e.method} ${e.host}${e.path}`;
}

/** The label of a `findings.list` group key for the chosen grouping. */
export function groupLabel(key: string, by: 'category' | 'actor' | 'endpoint'): string {
  if (by !== 'actor') return by === 'endpoint' ? key.replace(/^\* (\S+) \*$/, '$1 (any endpoint)') : key;
  const slash = key.indexOf('/');
  return actorLabel({ principal: key.slice(0, slash) || null, ip: key.slice(slash + 1) || null });
}

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface TimelineBucket {
  start: number;
  end: number;
  requests: number;
  /** Requests in the bucket that are evidence of some finding. */
  flagged: number;
  /** Requests in the bucket that are evidence of the highlighted finding. */
  selected: number;
  /** Ids of the findings with evidence in the bucket. */
  findingIds: string[];
  /** Exchange ids in the bucket (for "show in traffic"). */
  exchangeIds: number[];
}

/** Bucket widths a timeline picks from: the smallest giving at most `maxBuckets` buckets. */
const STEPS = [1000, 5000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000];

/** Splits an actor's entries (time order) into equal buckets over their time span; `highlight` is a finding id. */
export function bucketize(entries: readonly ActorTimelineEntry[], maxBuckets = 60, highlight?: string): { step: number; buckets: TimelineBucket[] } {
  if (entries.length === 0) return { step: STEPS[0], buckets: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of entries) {
    lo = Math.min(lo, e.time);
    hi = Math.max(hi, e.time);
  }
  const span = hi - lo + 1;
  const step = STEPS.find((s) => Math.ceil(span / s) <= maxBuckets) ?? Math.ceil(span / maxBuckets);
  const start = Math.floor(lo / step) * step;
  const count = Math.floor((hi - start) / step) + 1;
  const buckets: TimelineBucket[] = Array.from({ length: count }, (_, i) => ({ start: start + i * step, end: start + (i + 1) * step, requests: 0, flagged: 0, selected: 0, findingIds: [], exchangeIds: [] }));
  for (const e of entries) {
    const b = buckets[Math.floor((e.time - start) / step)];
    b.requests++;
    b.exchangeIds.push(e.id);
    if (e.findingIds.length) {
      b.flagged++;
      if (highlight !== undefined && e.findingIds.includes(highlight)) b.selected++;
      for (const id of e.findingIds) if (!b.findingIds.includes(id)) b.findingIds.push(id);
    }
  }
  return { step, buckets };
}

/** `1 min`, `15 s`, `6 h`: a bucket width for the axis legend. */
export function formatStep(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
