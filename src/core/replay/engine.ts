/**
 * Replay over a workspace: builds the request (a stored exchange, edited raw text or a structured
 * request; variables resolved, retargeted, credentials swapped), sends it through the scope-checked
 * sender, stores what was sent and what came back, and diffs it against the original. The Api
 * handlers and the CLI both run this; the network is reached only through the given HttpSender.
 */
import { ApiError } from '../../shared/api.ts';
import type {
  ReplayDetail,
  ReplayDraft,
  ReplayExportFormat,
  ReplayIdentity,
  ReplayMessageView,
  ReplayPrincipal,
  SessionResult,
  SwapOutcome,
  SwapResult,
} from '../../shared/api-replay.ts';
import { headerValue, type Header, type StoredExchange } from '../model/exchange.ts';
import type { Db } from '../store/db.ts';
import { cached, readExchange } from '../store/exchanges.ts';
import { bodyView } from '../store/traffic.ts';
import { credentialsOf, hasCredentials, parsePastedCredentials, withCredentials, type Credentials } from './credentials.ts';
import { diffResponses, type ResponseDiff } from './diff.ts';
import { exportRequest } from './export.ts';
import { fromHttpText, HttpTextError, toHttpText, type ReplayRequest } from './http-text.ts';
import { DEFAULT_LIMITS, mapLimited } from './limiter.ts';
import { requestOf, retarget } from './request.ts';
import { assertInScope, ScopeError } from './scope.ts';
import { ReplayError, type HttpSender, type ReplayResponse, type SendOptions } from './sender.ts';
import { replaySession, type SessionStep } from './session.ts';
import { environmentVariables, insertReplay, nextRunId, readReplay, readScope, recordVerdict } from './store.ts';
import { resolveVariables, substitute, VariableError } from './variables.ts';
import { classify, type Verdict } from './verdict.ts';

/** Bodies shown in the UI are cut here; stored ones are whole. */
const VIEW_MAX = 1024 * 1024;
/** Evidence requests of one finding that a swap replays at most. */
const SWAP_MAX_REQUESTS = 20;

export interface RequestSource {
  exchangeId?: number;
  text?: string;
  base?: string;
  request?: { method: string; url: string; headers: [string, string][]; body: string | null };
}

export interface Limits {
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
  /** Stops the send, swap or session: what is in flight ends as "cancelled", nothing more is sent. */
  signal?: AbortSignal;
}

export interface SendInput extends RequestSource, Limits {
  target?: string;
  as?: ReplayIdentity;
  set?: [string, string][];
  environmentId?: number;
}

/** Errors of the replay primitives as Api errors, so every front door reports them alike. */
export function asApiError(err: unknown): unknown {
  if (err instanceof ScopeError || err instanceof HttpTextError || err instanceof VariableError) return new ApiError('bad-input', err.message);
  return err;
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asApiError(err);
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function messageView(m: { status: number | null; statusText: string; headers: readonly Header[]; body: Uint8Array | null; bytes?: number | null }): ReplayMessageView {
  return {
    status: m.status,
    statusText: m.statusText,
    headers: m.headers.map(([n, v]) => [n, v]),
    body: bodyView(m.body, headerValue(m.headers, 'content-type'), VIEW_MAX),
    bytes: m.body ? m.body.length : (m.bytes ?? null),
  };
}

/** Connection-level headers say nothing about the answer; a capture and a replay differ in them anyway. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function compared(headers: readonly Header[]): Header[] {
  return headers.filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase()));
}

/** diffResponses over end-to-end headers only. */
function diffOf(original: { status: number | null; headers: readonly Header[]; body: Uint8Array | null }, response: ReplayResponse): ResponseDiff {
  return diffResponses({ ...original, headers: compared(original.headers) }, { ...response, headers: compared(response.headers) });
}

function originalOf(x: StoredExchange): { status: number | null; headers: readonly Header[]; body: Uint8Array | null } {
  return { status: x.status, headers: x.responseHeaders, body: x.responseBody };
}

function inScope(db: Db, url: string): boolean {
  try {
    assertInScope(readScope(db), url);
    return true;
  } catch {
    return false;
  }
}

export function prepareReplay(db: Db, exchangeId: number): ReplayDraft {
  const x = readExchange(db, exchangeId);
  const req = requestOf(x);
  return {
    exchangeId,
    text: toHttpText(req),
    base: req.url,
    original: messageView({ status: x.status, statusText: x.statusText, headers: x.responseHeaders, body: x.responseBody, bytes: x.responseSize }),
    principal: x.principal,
    inScope: inScope(db, req.url),
  };
}

/** The request a source describes, with {{variables}} resolved, plus the stored exchange it replays. */
export function buildRequest(db: Db, src: RequestSource, vars: Readonly<Record<string, string>>): { request: ReplayRequest; exchange: StoredExchange | null } {
  const exchange = src.exchangeId !== undefined ? readExchange(db, src.exchangeId) : null;
  return guard(() => {
    let request: ReplayRequest;
    if (src.text !== undefined) {
      const base = src.base ?? (exchange ? requestOf(exchange).url : undefined);
      if (base === undefined) throw new ApiError('bad-input', 'edited text needs a base URL (or the exchange it was made from)');
      let baseUrl: string;
      try {
        baseUrl = new URL(substitute(base, vars)).href;
      } catch (err) {
        if (err instanceof VariableError) throw err;
        throw new ApiError('bad-input', `base is not a URL: ${JSON.stringify(base.slice(0, 200))}`);
      }
      request = fromHttpText(substitute(src.text, vars), baseUrl);
    } else if (src.request !== undefined) {
      const r = src.request;
      request = resolveVariables({ method: r.method.toUpperCase(), url: r.url, headers: r.headers, body: r.body === null ? null : enc(r.body) }, vars);
      try {
        request = { ...request, url: new URL(request.url).href };
      } catch {
        throw new ApiError('bad-input', `not a URL: ${JSON.stringify(request.url.slice(0, 200))}`);
      }
    } else if (exchange) {
      // As captured, byte for byte: a "{{" the capture happens to hold is not the analyst's variable.
      request = requestOf(exchange);
    } else {
      throw new ApiError('bad-input', 'give an exchangeId, edited text or a structured request');
    }
    return { request, exchange };
  });
}

/**
 * Credentials of the principal's latest stored request that carries any, preferring requests to
 * the same host (a principal may hold different tokens for different APIs).
 */
export function principalCredentials(db: Db, principal: string, host = ''): Credentials {
  const ids = cached(db, 'SELECT id FROM exchanges WHERE principal = ? ORDER BY host = ? DESC, time DESC, id DESC LIMIT 50').pluck().all(principal, host) as number[];
  if (ids.length === 0) throw new ApiError('not-found', `no principal ${JSON.stringify(principal)} in this workspace`);
  for (const id of ids) {
    const creds = credentialsOf(readExchange(db, id));
    if (hasCredentials(creds)) return creds;
  }
  throw new ApiError('not-found', `no stored request of ${JSON.stringify(principal)} carries credentials to send`);
}

/** The request sent as `identity`, and the label the history shows (null = its own credentials). */
export function applyIdentity(db: Db, req: ReplayRequest, identity: ReplayIdentity | undefined): { request: ReplayRequest; as: string | null } {
  switch (identity?.kind ?? 'original') {
    case 'original':
      return { request: req, as: null };
    case 'principal': {
      const principal = (identity as { principal: string }).principal;
      return { request: withCredentials(req, principalCredentials(db, principal, new URL(req.url).hostname)), as: principal };
    }
    case 'pasted': {
      const p = identity as { text: string; label?: string };
      return { request: withCredentials(req, parsePastedCredentials(p.text)), as: p.label ? `pasted: ${p.label}` : 'pasted credentials' };
    }
    case 'none':
      return { request: withCredentials(req, null), as: 'anonymous' };
  }
}

/** The request aimed at `target`'s origin; a target that is not an http(s) URL is bad input. */
function retargeted(req: ReplayRequest, target: string): ReplayRequest {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ApiError('bad-input', `target is not a URL: ${JSON.stringify(target.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiError('bad-input', `target must be an http or https URL, not ${url.protocol}`);
  return retarget(req, url.href);
}

function setHeaders(req: ReplayRequest, set: readonly [string, string][] | undefined): ReplayRequest {
  if (!set?.length) return req;
  const names = new Set(set.map(([n]) => n.toLowerCase()));
  return { ...req, headers: [...req.headers.filter(([n]) => !names.has(n.toLowerCase())), ...set] };
}

function sendOptions(db: Db, limits: Limits): SendOptions {
  // Absent limits stay absent: the sender's defaults apply (an explicit undefined would override them).
  const opts: SendOptions = { scope: readScope(db) };
  if (limits.timeoutMs !== undefined) opts.timeoutMs = limits.timeoutMs;
  if (limits.maxResponseBytes !== undefined) opts.maxResponseBytes = limits.maxResponseBytes;
  if (limits.maxRedirects !== undefined) opts.maxRedirects = limits.maxRedirects;
  if (limits.signal !== undefined) opts.signal = limits.signal;
  return opts;
}

/** Sends, turning a refusal into an Api error and a network failure into an error result. */
async function sendOnce(sender: HttpSender, req: ReplayRequest, opts: SendOptions): Promise<{ response: ReplayResponse | null; error: string | null }> {
  guard(() => assertInScope(opts.scope, req.url));
  try {
    return { response: await sender.send(req, opts), error: null };
  } catch (err) {
    if (err instanceof ScopeError) throw asApiError(err);
    if (err instanceof ReplayError) return { response: null, error: err.message };
    throw err;
  }
}

function verdictOf(original: { status: number | null; body: Uint8Array | null }, response: ReplayResponse, diff: ResponseDiff): { verdict: Verdict; reason: string } {
  return classify({ status: original.status, bytes: original.body?.length ?? 0 }, { status: response.status, bytes: response.body.length }, diff);
}

export function replayDetail(db: Db, id: number): ReplayDetail {
  const r = readReplay(db, id);
  let original: ReplayMessageView | null = null;
  if (r.exchangeId !== null) {
    try {
      const x = readExchange(db, r.exchangeId);
      original = messageView({ status: x.status, statusText: x.statusText, headers: x.responseHeaders, body: x.responseBody, bytes: x.responseSize });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'not-found')) throw err;
    }
  }
  const request = { method: r.request.method, url: r.request.url, headers: r.request.headers.map(([n, v]): [string, string] => [n, v]), body: r.request.body };
  return {
    ...r,
    request: { ...request, body: bodyView(r.request.body, headerValue(r.request.headers, 'content-type'), VIEW_MAX), text: toHttpText(request) },
    response: r.response ? { ...messageView({ ...r.response }), truncated: r.response.truncated } : null,
    original,
    diff: r.diff,
  };
}

/** One explicit send; stored with its diff against the original (and a verdict when sent as someone else). */
export async function sendReplay(db: Db, sender: HttpSender, input: SendInput): Promise<ReplayDetail> {
  const vars = environmentVariables(db, input.environmentId);
  const built = buildRequest(db, input, vars);
  let request = built.request;
  if (input.target !== undefined) request = retargeted(request, input.target);
  const swapped = applyIdentity(db, request, input.as);
  request = setHeaders(swapped.request, input.set);
  const { response, error } = await sendOnce(sender, request, sendOptions(db, input));
  const original = built.exchange ? originalOf(built.exchange) : null;
  const diff = response && original ? diffOf(original, response) : null;
  const v = response && original && diff && swapped.as !== null ? verdictOf(original, response, diff) : null;
  const id = insertReplay(db, { exchangeId: built.exchange?.id ?? null, kind: 'send', as: swapped.as, request, response, error, diff, verdict: v?.verdict, reason: v?.reason });
  return replayDetail(db, id);
}

export function exportReplay(db: Db, input: RequestSource & { replayId?: number; format: ReplayExportFormat; environmentId?: number }): string {
  if (input.replayId !== undefined && input.exchangeId === undefined && input.text === undefined && input.request === undefined) {
    const r = readReplay(db, input.replayId);
    return exportRequest(r.request, input.format);
  }
  return exportRequest(buildRequest(db, input, environmentVariables(db, input.environmentId)).request, input.format);
}

export function listPrincipals(db: Db, limit = 200): ReplayPrincipal[] {
  const rows = cached(
    db,
    `SELECT principal, max(principal_kind) AS kind, count(*) AS exchanges, max(time) AS lastSeen,
       (SELECT id FROM exchanges x WHERE x.principal = e.principal ORDER BY time DESC, id DESC LIMIT 1) AS latest
     FROM exchanges e WHERE principal IS NOT NULL GROUP BY principal ORDER BY exchanges DESC, principal LIMIT ?`,
  ).all(limit) as { principal: string; kind: string | null; exchanges: number; lastSeen: number; latest: number }[];
  return rows.map(({ latest, ...r }) => {
    const c = credentialsOf(readExchange(db, latest));
    return { ...r, carries: [...c.headers.map(([n]) => n), ...c.query.map(([k]) => `?${k}`)] };
  });
}

export interface SwapInput extends Limits {
  exchangeId?: number;
  findingId?: string;
  identities: ReplayIdentity[];
}

function labelOf(identity: ReplayIdentity): string {
  return identity.kind === 'principal' ? identity.principal : identity.kind === 'none' ? 'anonymous' : identity.kind === 'pasted' ? (identity.label ? `pasted: ${identity.label}` : 'pasted credentials') : 'original';
}

/**
 * Identity swap (Autorize-style): each request is first re-sent as captured for a fresh baseline,
 * then as each identity; the verdict weighs the swapped response against the baseline (or the
 * stored response when the baseline did not succeed). Verdicts on a finding's evidence are recorded.
 */
export async function swapIdentities(db: Db, sender: HttpSender, input: SwapInput): Promise<SwapResult> {
  let ids: number[];
  if (input.findingId !== undefined) {
    ids = cached(db, `SELECT r.exchange_id FROM finding_requests r JOIN exchanges e ON e.id = r.exchange_id WHERE r.finding_id = ? ORDER BY e.time, e.id LIMIT ?`)
      .pluck()
      .all(input.findingId, SWAP_MAX_REQUESTS) as number[];
    if (ids.length === 0) throw new ApiError('not-found', `finding ${input.findingId} has no evidence requests in this workspace`);
  } else ids = [input.exchangeId!];
  // Resolve every identity before sending anything: a bad principal should stop the whole batch.
  for (const identity of input.identities) if (identity.kind === 'principal') principalCredentials(db, identity.principal);
  const opts = sendOptions(db, input);
  const runId = nextRunId(db);
  const exchanges = ids.map((id) => readExchange(db, id));
  for (const x of exchanges) guard(() => assertInScope(opts.scope, requestOf(x).url));

  const baseline: SwapResult['baseline'] = [];
  const outcomes: SwapOutcome[] = [];
  await mapLimited(exchanges, DEFAULT_LIMITS, async (x) => {
    if (input.signal?.aborted) return;
    const req = requestOf(x);
    const own = await sendOnce(sender, req, opts);
    const stored = originalOf(x);
    const ownDiff = own.response ? diffOf(stored, own.response) : null;
    const baseId = insertReplay(db, { exchangeId: x.id, kind: 'swap', runId, as: null, request: req, response: own.response, error: own.error, diff: ownDiff, findingId: input.findingId ?? null });
    baseline.push({ exchangeId: x.id, replayId: baseId, status: own.response?.status ?? null });
    const fresh = own.response && own.response.status >= 200 && own.response.status < 300;
    const reference = fresh ? { status: own.response!.status, headers: own.response!.headers, body: own.response!.body } : stored;
    for (const identity of input.identities) {
      if (input.signal?.aborted) break;
      const { request, as } = applyIdentity(db, req, identity);
      const label = as ?? labelOf(identity);
      const sent = await sendOnce(sender, request, opts);
      const diff = sent.response ? diffOf(reference, sent.response) : null;
      const v = sent.response && diff ? verdictOf(reference, sent.response, diff) : { verdict: 'unclear' as const, reason: `not answered: ${sent.error ?? 'no response'}` };
      const reason = fresh ? v.reason : `${v.reason} (compared with the captured response: the fresh baseline got ${own.response?.status ?? own.error})`;
      const replayId = insertReplay(db, { exchangeId: x.id, kind: 'swap', runId, as: label, request, response: sent.response, error: sent.error, diff, verdict: v.verdict, reason, findingId: input.findingId ?? null });
      if (input.findingId !== undefined) recordVerdict(db, { findingId: input.findingId, replayId, exchangeId: x.id, as: label, verdict: v.verdict, reason });
      outcomes.push({ exchangeId: x.id, as: label, replayId, status: sent.response?.status ?? null, verdict: v.verdict, reason, similarity: diff?.similarity ?? null });
    }
  });
  const order = new Map(ids.map((id, i) => [id, i]));
  baseline.sort((a, b) => order.get(a.exchangeId)! - order.get(b.exchangeId)!);
  outcomes.sort((a, b) => order.get(a.exchangeId)! - order.get(b.exchangeId)!);
  return { findingId: input.findingId ?? null, baseline, outcomes };
}

export interface SessionInput extends Limits {
  exchangeIds?: number[];
  principal?: string;
  limit?: number;
  stopOnDivergence?: boolean;
  target?: string;
}

/** An actor's sequence re-sent in order, carrying fresh tokens forward; every step stored. */
export async function replayActorSession(db: Db, sender: HttpSender, input: SessionInput): Promise<SessionResult> {
  const ids =
    input.exchangeIds ??
    (cached(db, 'SELECT id FROM exchanges WHERE principal = ? ORDER BY time, id LIMIT ?').pluck().all(input.principal, input.limit ?? 50) as number[]);
  if (ids.length === 0) throw new ApiError('not-found', `no exchanges of ${JSON.stringify(input.principal)} in this workspace`);
  const opts = sendOptions(db, input);
  const steps: SessionStep[] = ids.map((id) => {
    const x = readExchange(db, id);
    let request = requestOf(x);
    if (input.target !== undefined) request = retargeted(request, input.target);
    return { requestId: id, request, original: originalOf(x) };
  });
  for (const s of steps) guard(() => assertInScope(opts.scope, s.request.url));
  const runId = nextRunId(db);
  const replayIds: number[] = [];
  const diffs: (ResponseDiff | null)[] = [];
  // Once cancelled, later steps fail at once without reaching the network and are not kept.
  const stoppable: HttpSender = {
    send: (req, o) => (input.signal?.aborted ? Promise.reject(new ReplayError('cancelled')) : sender.send(req, o)),
  };
  let cancelledAt = -1;
  const all = await replaySession(steps, stoppable, {
    ...opts,
    stopOnDivergence: input.stopOnDivergence ?? true,
    onStep: (r) => {
      if (cancelledAt !== -1) return;
      if (r.error === 'cancelled') cancelledAt = r.index;
      const diff = r.response ? diffOf(steps[r.index].original, r.response) : null;
      diffs.push(diff);
      replayIds.push(insertReplay(db, { exchangeId: r.requestId, kind: 'session', runId, step: r.index, as: null, request: r.request, response: r.response, error: r.error, diff }));
    },
  });
  const results = cancelledAt === -1 ? all : all.slice(0, cancelledAt + 1);
  return {
    runId,
    skipped: steps.length - results.length,
    steps: results.map((r, i) => ({
      index: r.index,
      requestId: r.requestId,
      replayId: replayIds[i] ?? null,
      method: r.request.method,
      url: r.request.url,
      status: r.response?.status ?? null,
      originalStatus: steps[r.index].original.status,
      error: r.error,
      diverged: r.diverged,
      substitutions: r.substitutions,
      diff: diffs[i] ?? null,
    })),
  };
}
