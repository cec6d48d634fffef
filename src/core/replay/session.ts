/**
 * Session replay: an actor's requests re-sent in order, carrying forward what the server hands out
 * along the way. A value the original session received in a response (a token, an id, a CSRF
 * value, a cookie) and then sent back later is swapped for the value the new session received at
 * the same place. Stops at the first step whose status class differs from the original.
 */
import type { Header } from '../model/exchange.ts';
import type { ReplayRequest } from './http-text.ts';
import type { HttpSender, ReplayResponse, SendOptions } from './sender.ts';
import { diffResponses, type ResponseDiff } from './diff.ts';

export interface SessionStep {
  requestId: number;
  request: ReplayRequest;
  original: { status: number | null; headers: readonly Header[]; body: Uint8Array | null };
}

export interface Substitution {
  from: string;
  to: string;
  /** Where the new value came from: "step 2 $.token", "step 1 cookie session". */
  source: string;
}

export interface SessionStepResult {
  index: number;
  requestId: number;
  request: ReplayRequest;
  response: ReplayResponse | null;
  error: string | null;
  substitutions: Substitution[];
  diff: ResponseDiff | null;
  diverged: boolean;
}

const MIN_VALUE_LENGTH = 4;

/** Values a response hands out, keyed by where they sit ("$.data.token", "cookie:sid", "header:x-csrf-token"). */
export function harvest(headers: readonly Header[], body: Uint8Array | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, v] of headers) {
    const name = n.toLowerCase();
    if (name === 'set-cookie') {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(v);
      if (m && m[2].length >= MIN_VALUE_LENGTH) out.set(`cookie:${m[1]}`, m[2]);
    } else if (/(csrf|xsrf|token|session|location)/.test(name) && v.length >= MIN_VALUE_LENGTH) {
      out.set(`header:${name}`, v);
    }
  }
  if (body && body.length > 0 && body.length < 5_000_000) {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return out;
    }
    const walk = (v: unknown, path: string, depth: number): void => {
      if (depth > 32) return;
      if (typeof v === 'string' && v.length >= MIN_VALUE_LENGTH && v.length <= 8192) out.set(path, v);
      else if (typeof v === 'number' && Number.isInteger(v) && String(v).length >= MIN_VALUE_LENGTH) out.set(path, String(v));
      else if (Array.isArray(v)) v.slice(0, 100).forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, depth + 1);
    };
    walk(json, '$', 0);
  }
  return out;
}

function replaceAll(text: string, subs: readonly Substitution[]): string {
  let out = text;
  for (const s of subs) if (out.includes(s.from)) out = out.split(s.from).join(s.to);
  return out;
}

function apply(req: ReplayRequest, subs: readonly Substitution[], cookies: ReadonlyMap<string, string>): { request: ReplayRequest; used: Substitution[] } {
  const text = `${req.url}\n${req.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\n${req.body ? new TextDecoder().decode(req.body) : ''}`;
  const used = subs.filter((s) => text.includes(s.from));
  const headers = req.headers.map(([n, v]): Header => {
    if (n.toLowerCase() !== 'cookie') return [n, replaceAll(v, used)];
    // Cookies are swapped by name: the jar holds what the new session was given.
    const value = v
      .split(/;\s*/)
      .map((pair) => {
        const eq = pair.indexOf('=');
        const name = eq === -1 ? pair : pair.slice(0, eq);
        return cookies.has(name) ? `${name}=${cookies.get(name)}` : replaceAll(pair, used);
      })
      .join('; ');
    return [n, value];
  });
  const body = req.body ? new TextEncoder().encode(replaceAll(new TextDecoder().decode(req.body), used)) : null;
  return { request: { method: req.method, url: replaceAll(req.url, used), headers, body }, used };
}

const statusClass = (s: number | null): number => (s === null ? 0 : Math.floor(s / 100));

export async function replaySession(steps: readonly SessionStep[], sender: HttpSender, opts: SendOptions & { stopOnDivergence?: boolean; onStep?(r: SessionStepResult): void }): Promise<SessionStepResult[]> {
  const subs: Substitution[] = [];
  const cookies = new Map<string, string>();
  const results: SessionStepResult[] = [];
  for (const [index, step] of steps.entries()) {
    const { request, used } = apply(step.request, subs, cookies);
    let response: ReplayResponse | null = null;
    let error: string | null = null;
    try {
      response = await sender.send(request, opts);
    } catch (err) {
      error = (err as Error).message;
    }
    const diff = response ? diffResponses(step.original, response) : null;
    const diverged = response === null || statusClass(response.status) !== statusClass(step.original.status);
    const result: SessionStepResult = { index, requestId: step.requestId, request, response, error, substitutions: used, diff, diverged };
    results.push(result);
    opts.onStep?.(result);
    if (diverged && opts.stopOnDivergence !== false) break;
    if (response) {
      // Pair what the original session was given with what this one got, place by place.
      const before = harvest(step.original.headers, step.original.body);
      const after = harvest(response.headers, response.body);
      for (const [where, from] of before) {
        const to = after.get(where);
        if (to === undefined || to === from) continue;
        const existing = subs.findIndex((s) => s.from === from);
        const sub = { from, to, source: `step ${index + 1} ${where}` };
        if (existing === -1) subs.push(sub);
        else subs[existing] = sub;
        if (where.startsWith('cookie:')) cookies.set(where.slice(7), to);
      }
      // Longest first, so a token is not half-replaced by a shorter value it contains.
      subs.sort((a, b) => b.from.length - a.from.length);
    }
  }
  return results;
}
