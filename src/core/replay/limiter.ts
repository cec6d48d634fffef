/**
 * Concurrency and rate limits for batch replays (a finding's requests, identity-swap runs), so
 * confirming a finding never turns into a load test against the target.
 */
export interface Limits {
  concurrency: number;
  /** Requests started per second at most. */
  perSecond: number;
}

export const DEFAULT_LIMITS: Limits = { concurrency: 2, perSecond: 5 };

export async function mapLimited<T, R>(items: readonly T[], limits: Limits, fn: (item: T, index: number) => Promise<R>, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<R[]> {
  const results = new Array<R>(items.length);
  const gap = 1000 / Math.max(0.001, limits.perSecond);
  let next = 0;
  let lastStart = -Infinity;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const wait = lastStart + gap - performance.now();
      lastStart = Math.max(performance.now(), lastStart + gap);
      if (wait > 0) await sleep(wait);
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.concurrency, items.length)) }, worker));
  return results;
}
