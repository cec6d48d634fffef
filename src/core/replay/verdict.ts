/**
 * Identity-swap verdicts, as Autorize classifies them: a request replayed as another principal (or
 * with no credentials) is `enforced` when the server refused it, `bypassed` when it answered as it
 * did for the owner, and `unclear` otherwise, always with the reason.
 */
import type { ResponseDiff } from './diff.ts';

export type Verdict = 'enforced' | 'bypassed' | 'unclear';

export const BYPASS_SIMILARITY = 0.9;

export function classify(original: { status: number | null; bytes: number }, replay: { status: number; bytes: number }, diff: ResponseDiff): { verdict: Verdict; reason: string } {
  const pct = `${Math.round(diff.similarity * 100)}%`;
  if (replay.status === 401 || replay.status === 403) return { verdict: 'enforced', reason: `refused with ${replay.status}` };
  if (replay.status === 404 && original.status !== 404) return { verdict: 'enforced', reason: `answered 404 where the owner got ${original.status ?? 'no response'} (the object is hidden from this principal)` };
  if (replay.status >= 300 && replay.status < 400 && (original.status ?? 0) < 300) return { verdict: 'enforced', reason: `redirected (${replay.status}), likely to a login page` };
  const ok = replay.status >= 200 && replay.status < 300;
  if (ok && original.status !== null && original.status >= 200 && original.status < 300) {
    if (diff.similarity >= BYPASS_SIMILARITY) return { verdict: 'bypassed', reason: `same status class, body ${pct} similar to the original owner's` };
    if (replay.bytes === 0 && original.bytes > 0) return { verdict: 'enforced', reason: `${replay.status} with an empty body where the owner got ${original.bytes} bytes` };
    return { verdict: 'unclear', reason: `${replay.status} but the body is only ${pct} similar to the original: check it by hand` };
  }
  if (replay.status >= 500) return { verdict: 'unclear', reason: `server error ${replay.status}` };
  return { verdict: 'unclear', reason: `status ${replay.status} where the original was ${original.status ?? 'no response'} (body ${pct} similar)` };
}
