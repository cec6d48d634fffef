/**
 * The replay slice of the Api (composed into src/shared/api.ts): re-sending stored or edited
 * requests, the stored history of replays with their diff against the original, the workspace's
 * replay scope and environments ({{variables}}), "copy as" exports, identity swaps (one request or a
 * finding's evidence, with verdicts recorded on the finding) and session replay of an actor.
 *
 * Nothing is ever sent except by an explicit `replay.send`, `replay.swap` or `replay.session` call,
 * and never outside the scope.
 */
import { z } from 'zod';
import type { BodyView } from './api.ts';

export const REPLAY_EXPORT_FORMATS = ['curl', 'fetch', 'python', 'httpie'] as const;
export type ReplayExportFormat = (typeof REPLAY_EXPORT_FORMATS)[number];

export const REPLAY_KINDS = ['send', 'swap', 'session'] as const;
export type ReplayKind = (typeof REPLAY_KINDS)[number];

export const VERDICTS = ['enforced', 'bypassed', 'unclear'] as const;
export type ReplayVerdict = (typeof VERDICTS)[number];

/** Limits of one send; the defaults are the sender's (30 s, 10 MiB, no redirects followed). */
export const REPLAY_MAX_TIMEOUT_MS = 120_000;
export const REPLAY_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
export const REPLAY_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const id = z.number().int().positive();
const header = z.tuple([z.string().min(1).max(256), z.string().max(64 * 1024)]);
const findingId = z.string().regex(/^[a-f0-9]{8,64}$/, 'not a finding id');

/** Who a request is sent as: its own credentials, another principal's, pasted ones, or none. */
const identity = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('original') }).strict(),
  z.object({ kind: z.literal('principal'), principal: z.string().min(1).max(1024) }).strict(),
  z.object({ kind: z.literal('pasted'), text: z.string().min(1).max(64 * 1024), label: z.string().max(128).optional() }).strict(),
  z.object({ kind: z.literal('none') }).strict(),
]);
export type ReplayIdentity = z.infer<typeof identity>;

/**
 * Where the request comes from: a stored exchange as captured, raw HTTP text as edited (resolved
 * against `base` for the scheme and host), or a structured request.
 */
const source = {
  exchangeId: id.optional(),
  text: z.string().max(REPLAY_MAX_REQUEST_BYTES).optional(),
  /** Absolute URL giving the scheme (and host when the text has no Host header). */
  base: z.string().max(8192).optional(),
  request: z
    .object({ method: z.string().min(1).max(32), url: z.string().min(1).max(64 * 1024), headers: z.array(header).max(500), body: z.string().max(REPLAY_MAX_REQUEST_BYTES).nullable() })
    .strict()
    .optional(),
};
const hasSource = (s: { exchangeId?: number; text?: string; request?: unknown }): boolean => s.exchangeId !== undefined || s.text !== undefined || s.request !== undefined;
const SOURCE_MESSAGE = 'give an exchangeId, edited text or a structured request';

const limits = {
  timeoutMs: z.number().int().min(50).max(REPLAY_MAX_TIMEOUT_MS).optional(),
  maxResponseBytes: z.number().int().min(1024).max(REPLAY_MAX_RESPONSE_BYTES).optional(),
  /** Redirects to follow (within scope); 0 shows the redirect itself. */
  maxRedirects: z.number().int().min(0).max(10).optional(),
  /** A name the caller picks so `replay.cancel` can stop this send, swap or session. */
  runKey: z.string().regex(/^[\w-]{1,64}$/, 'run keys are 1-64 letters, digits, _ or -').optional(),
};

const variables = z.record(z.string().regex(/^[A-Za-z_][\w.-]*$/, 'variable names are letters, digits, _ . -').max(128), z.string().max(64 * 1024));

export const replayInputs = {
  'replay.prepare': z.object({ exchangeId: id }).strict(),
  'replay.send': z
    .object({
      ...source,
      ...limits,
      /** Aim the request at another origin (path and query kept). */
      target: z.string().max(8192).optional(),
      as: identity.optional(),
      /** Headers set (replacing any of the same name) after everything else. */
      set: z.array(header).max(100).optional(),
      /** Environment whose variables fill {{name}}; default the active one. */
      environmentId: id.optional(),
    })
    .strict()
    .refine(hasSource, SOURCE_MESSAGE),
  'replay.list': z
    .object({
      exchangeId: id.optional(),
      kind: z.enum(REPLAY_KINDS).optional(),
      verdict: z.enum(VERDICTS).optional(),
      runId: id.optional(),
      /** Substring of the URL or method; status as "200", "4xx". */
      q: z.string().max(1000).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(100),
    })
    .strict(),
  'replay.get': z.object({ id }).strict(),
  'replay.export': z
    .object({ ...source, replayId: id.optional(), format: z.enum(REPLAY_EXPORT_FORMATS), environmentId: id.optional() })
    .strict()
    .refine((s) => hasSource(s) || s.replayId !== undefined, 'give a replayId, an exchangeId, edited text or a structured request'),
  'replay.principals': z.object({}).strict(),
  'replay.swap': z
    .object({
      exchangeId: id.optional(),
      findingId: findingId.optional(),
      identities: z.array(identity).min(1).max(10),
      ...limits,
    })
    .strict()
    .refine((s) => (s.exchangeId === undefined) !== (s.findingId === undefined), 'give an exchangeId or a findingId'),
  'replay.verdicts': z.object({ findingId }).strict(),
  'replay.session': z
    .object({
      /** The actor's sequence: explicit exchanges, or a principal's exchanges in time order. */
      exchangeIds: z.array(id).min(1).max(200).optional(),
      principal: z.string().min(1).max(1024).optional(),
      limit: z.number().int().min(1).max(200).default(50),
      stopOnDivergence: z.boolean().default(true),
      target: z.string().max(8192).optional(),
      ...limits,
    })
    .strict()
    .refine((s) => (s.exchangeIds === undefined) !== (s.principal === undefined), 'give exchangeIds or a principal'),
  'replay.cancel': z.object({ runKey: z.string().regex(/^[\w-]{1,64}$/) }).strict(),
  'scope.list': z.object({}).strict(),
  'scope.add': z.object({ entry: z.string().min(1).max(300) }).strict(),
  'scope.remove': z.object({ entry: z.string().min(1).max(300) }).strict(),
  'env.list': z.object({}).strict(),
  'env.save': z.object({ id: id.optional(), name: z.string().trim().min(1).max(128), variables }).strict(),
  'env.delete': z.object({ id }).strict(),
  'env.activate': z.object({ id: id.nullable() }).strict(),
} as const;

// ---------- results ----------

export interface ReplayBodyChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

export interface ReplayDiff {
  status: boolean;
  /** Lower-cased names of headers added, removed or changed (volatile ones left out). */
  headers: string[];
  body: ReplayBodyChange[];
  /** 0..1: how alike the bodies are after ignoring volatile values. */
  similarity: number;
}

export interface ReplaySummary {
  id: number;
  /** The stored exchange this replays (null when sent from scratch or the original was removed). */
  exchangeId: number | null;
  time: number;
  kind: ReplayKind;
  /** Groups a session replay's steps or one swap batch. */
  runId: number | null;
  step: number | null;
  /** Who it was sent as: a principal, "pasted: …", "anonymous"; null = the request's own credentials. */
  as: string | null;
  method: string;
  url: string;
  status: number | null;
  bytes: number | null;
  durationMs: number | null;
  error: string | null;
  verdict: ReplayVerdict | null;
  reason: string | null;
  findingId: string | null;
  /** True when the response differs from the original (status, headers or body). */
  changed: boolean | null;
}

export interface ReplayMessageView {
  status: number | null;
  statusText: string;
  headers: [string, string][];
  body: BodyView | null;
  bytes: number | null;
}

export interface ReplayDetail extends ReplaySummary {
  request: { method: string; url: string; headers: [string, string][]; body: BodyView | null; text: string };
  response: (ReplayMessageView & { truncated: boolean }) | null;
  /** The stored exchange's response, for the side-by-side view. */
  original: ReplayMessageView | null;
  diff: ReplayDiff | null;
}

export interface ReplayDraft {
  exchangeId: number;
  /** Raw HTTP/1.1 text for the editor. */
  text: string;
  /** The exchange's URL: scheme and host the edited text resolves against. */
  base: string;
  original: ReplayMessageView;
  /** Principal the capture attributes the request to. */
  principal: string | null;
  inScope: boolean;
}

export interface ReplayEnvironment {
  id: number;
  name: string;
  variables: Record<string, string>;
  active: boolean;
}

export interface ReplayPrincipal {
  principal: string;
  kind: string | null;
  exchanges: number;
  lastSeen: number;
  /** Names of the credential headers/parameters its latest request carried. */
  carries: string[];
}

export interface SwapOutcome {
  exchangeId: number;
  as: string;
  replayId: number | null;
  status: number | null;
  verdict: ReplayVerdict;
  reason: string;
  similarity: number | null;
}

export interface SwapResult {
  findingId: string | null;
  /** Status of the fresh baseline (the request re-sent with its own credentials), when it was sent. */
  baseline: { exchangeId: number; replayId: number | null; status: number | null }[];
  outcomes: SwapOutcome[];
}

export interface FindingVerdict {
  findingId: string;
  replayId: number;
  exchangeId: number;
  as: string;
  verdict: ReplayVerdict;
  reason: string;
  time: number;
}

export interface SessionStepView {
  index: number;
  requestId: number;
  replayId: number | null;
  method: string;
  url: string;
  status: number | null;
  originalStatus: number | null;
  error: string | null;
  diverged: boolean;
  substitutions: { from: string; to: string; source: string }[];
  diff: ReplayDiff | null;
}

export interface SessionResult {
  runId: number;
  steps: SessionStepView[];
  /** Steps of the sequence not sent because an earlier one diverged. */
  skipped: number;
}

export interface ReplayResults {
  'replay.prepare': ReplayDraft;
  'replay.send': ReplayDetail;
  'replay.list': { rows: ReplaySummary[]; total: number };
  'replay.get': ReplayDetail;
  'replay.export': string;
  'replay.principals': ReplayPrincipal[];
  'replay.swap': SwapResult;
  'replay.verdicts': FindingVerdict[];
  'replay.session': SessionResult;
  /** True when a send, swap or session with that key was running and is now stopping. */
  'replay.cancel': boolean;
  /** Scope entries as text ("loopback", "api.example.com:443", "*.staging.example"). */
  'scope.list': string[];
  'scope.add': string[];
  'scope.remove': string[];
  'env.list': ReplayEnvironment[];
  'env.save': ReplayEnvironment;
  'env.delete': void;
  'env.activate': void;
}
