/**
 * The one contract between the UI and the engine. Every request the renderer can make is a
 * method here with a zod schema for its input (validated by whoever receives it: Electron main,
 * the web server, the service worker); every event it can receive is in ApiEvents.
 * Nothing else crosses a process boundary.
 */
import { z } from 'zod';
import { detectInputs, type DetectProgress, type DetectResults } from './api-detect.ts';
import { graphInputs, type GraphResults } from './api-graph.ts';
import { replayInputs, type ReplayResults } from './api-replay.ts';
import { exportInputs, type ExportResults } from './api-export.ts';
import { ingestInputs, type IngestResults } from './api-ingest.ts';
import { inventoryInputs, type InventoryResults } from './api-inventory.ts';
import { specInputs, type SpecResults } from './api-spec.ts';
import { policyInputs, type PolicyResults } from './api-policy.ts';

const id = z.number().int().positive();
const filter = z.string().max(10_000);

export const SORT_COLUMNS = ['id', 'time', 'method', 'host', 'path', 'status', 'size', 'duration', 'ip', 'principal'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export const HIGHLIGHTS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple'] as const;
export type Highlight = (typeof HIGHLIGHTS)[number];

/** Input schemas of the core methods (workspace, traffic, import). */
const coreInputs = {
  'workspace.info': z.object({}).strict(),
  'workspace.open': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'workspace.create': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'workspace.saveAs': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'workspace.recent': z.object({}).strict(),

  'traffic.page': z
    .object({
      filter: filter.default(''),
      sort: z.enum(SORT_COLUMNS).default('id'),
      dir: z.enum(['asc', 'desc']).default('asc'),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
    })
    .strict(),
  'traffic.count': z.object({ filter: filter.default('') }).strict(),
  'traffic.get': z.object({ id }).strict(),
  'filter.check': z.object({ expr: filter }).strict(),

  'annotate.tags': z.object({ id, tags: z.array(z.string().min(1).max(64).regex(/^[\w.:-]+$/)).max(32) }).strict(),
  'annotate.comment': z.object({ id, comment: z.string().max(10_000) }).strict(),
  'annotate.highlight': z.object({ id, highlight: z.enum(HIGHLIGHTS).nullable() }).strict(),

  'formats.list': z.object({}).strict(),
  'import.start': z
    .object({
      files: z
        .array(z.union([z.object({ path: z.string().min(1).max(4096) }).strict(), z.object({ uploadId: z.string().regex(/^[a-f0-9]{32}$/), name: z.string().max(512) }).strict()]))
        .min(1)
        .max(100),
      format: z.string().max(64).optional(),
      options: z.record(z.string().max(64), z.string().max(10_000)).optional(),
    })
    .strict(),
  'job.cancel': z.object({ jobId: z.string().max(64) }).strict(),
  'job.list': z.object({}).strict(),
} as const;

/**
 * Input schemas, one per method. Keys are the method names used on every transport. Each feature
 * (detection, inventory, replay, graph, policy) owns a slice in src/shared/api-<feature>.ts with its
 * inputs and result types, composed here and in ApiResults.
 */
export const apiInputs = {
  ...coreInputs,
  ...detectInputs,
  ...graphInputs,
  ...replayInputs,
  ...exportInputs,
  ...ingestInputs,
  ...inventoryInputs,
  ...specInputs,
  ...policyInputs,
} as const;

export type ApiMethod = keyof typeof apiInputs;
export type ApiInput<M extends ApiMethod> = z.input<(typeof apiInputs)[M]>;
export type ApiParsedInput<M extends ApiMethod> = z.output<(typeof apiInputs)[M]>;

// ---------- results ----------

export interface SourceInfo {
  id: number;
  name: string;
  format: string;
  status: 'running' | 'complete' | 'partial' | 'failed' | 'cancelled';
  imported: number;
  skipped: number;
  error: string | null;
}

export interface WorkspaceInfo {
  path: string;
  name: string;
  /** True while the user is in the bundled sample workspace. */
  sample: boolean;
  exchanges: number;
  sources: SourceInfo[];
  schemaVersion: number;
}

/** One row of the traffic table: only what the table shows. */
export interface ExchangeRow {
  id: number;
  time: number;
  method: string;
  scheme: string;
  host: string;
  port: number | null;
  path: string;
  query: string;
  status: number | null;
  size: number | null;
  duration: number | null;
  ip: string | null;
  principal: string | null;
  mime: string | null;
  source: string;
  highlight: Highlight | null;
  tags: string[];
  hasComment: boolean;
}

export interface BodyView {
  /** Bytes in the decoded body. */
  size: number;
  /** Text when the body decodes as UTF-8 text, else null and `base64` is set. */
  text: string | null;
  base64: string | null;
  /** True when the view was cut to keep the UI responsive; `size` is the full size. */
  truncated: boolean;
  /** Monaco language id chosen from the content type. */
  language: string;
}

export interface ExchangeDetail extends ExchangeRow {
  url: string;
  httpVersion: string;
  statusText: string;
  requestHeaders: [string, string][];
  responseHeaders: [string, string][];
  requestBody: BodyView | null;
  responseBody: BodyView | null;
  requestSize: number | null;
  clientIp: string | null;
  serverIp: string | null;
  principalKind: string | null;
  error: string | null;
  websocket: { direction: 'send' | 'receive'; time: number; opcode: number; data: string }[] | null;
  extra: Record<string, string | number | boolean> | null;
  comment: string | null;
  provenance: { sourceId: number; file: string; sha256: string; entryIndex: number };
}

export type FilterCheck = { ok: true } | { ok: false; message: string; column: number };

export interface FormatSummary {
  id: string;
  label: string;
  producers: string[];
  extensions: string[];
}

export interface JobInfo {
  jobId: string;
  kind: 'import';
  state: 'running' | 'done' | 'failed' | 'cancelled';
  label: string;
}

export type ApiResults = CoreResults & DetectResults & GraphResults & ReplayResults & ExportResults & IngestResults & InventoryResults & SpecResults & PolicyResults;

interface CoreResults {
  'workspace.info': WorkspaceInfo;
  'workspace.open': WorkspaceInfo;
  'workspace.create': WorkspaceInfo;
  'workspace.saveAs': WorkspaceInfo;
  'workspace.recent': string[];
  'traffic.page': { rows: ExchangeRow[]; total: number };
  'traffic.count': number;
  'traffic.get': ExchangeDetail;
  'filter.check': FilterCheck;
  'annotate.tags': void;
  'annotate.comment': void;
  'annotate.highlight': void;
  'formats.list': FormatSummary[];
  'import.start': { jobId: string };
  'job.cancel': void;
  'job.list': JobInfo[];
}

// ---------- events ----------

export interface FileImportResult {
  file: string;
  format: string;
  imported: number;
  skipped: number;
  errors: { at: string; message: string }[];
  seconds: number;
  /** Set when the file could not be read to its end; what came before it is kept. */
  fatal: string | null;
  /** True when the same content had already been imported and nothing was added. */
  duplicate: boolean;
}

export interface JobProgress {
  jobId: string;
  kind: 'import';
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesDone: number;
  bytesTotal: number | null;
  entries: number;
  skipped: number;
  entriesPerSecond: number;
  /** 'indexing': a bulk import's rows are in and the traffic table's sort indexes are being rebuilt. */
  phase?: 'importing' | 'indexing';
}

export interface JobDone {
  jobId: string;
  kind: 'import';
  state: 'done' | 'failed' | 'cancelled';
  files: FileImportResult[];
  error: string | null;
}

export interface ApiEvents {
  'job.progress': JobProgress;
  'job.done': JobDone;
  'detect.progress': DetectProgress;
  /** A write happened: views showing these tables refresh. */
  'workspace.changed': { tables: string[] };
}
export type ApiEventName = keyof ApiEvents;
/** Every event name, for transports that subscribe by name. */
export const API_EVENT_NAMES = ['job.progress', 'job.done', 'detect.progress', 'workspace.changed'] as const satisfies readonly ApiEventName[];

/** Errors crossing the boundary: a code the UI can branch on and a message a person can read. */
export interface ApiErrorShape {
  /** 'cancelled': the user stopped the operation (not a failure). */
  code: 'bad-input' | 'not-found' | 'filter' | 'workspace' | 'internal' | 'unauthorized' | 'cancelled';
  message: string;
  /** For filter errors: 1-based column where the expression went wrong. */
  column?: number;
}

export class ApiError extends Error {
  readonly code: ApiErrorShape['code'];
  readonly column?: number;
  constructor(code: ApiErrorShape['code'], message: string, column?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (column !== undefined) this.column = column;
  }
  toJSON(): ApiErrorShape {
    return this.column === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, column: this.column };
  }
}

/** What a transport hands the renderer: one generic call and one event subscription. */
export interface ApiTransport {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/**
 * Desktop-only capabilities. Every member is optional: in web mode they are absent and the UI
 * falls back (file input instead of a native dialog, upload instead of a path).
 */
export interface DesktopBridge {
  openFileDialog?(opts: { title: string; filters?: { name: string; extensions: string[] }[]; multi?: boolean }): Promise<string[]>;
  saveFileDialog?(opts: { title: string; defaultPath?: string }): Promise<string | null>;
  pathForFile?(file: File): string;
  onMenu?(listener: (command: string) => void): () => void;
}

export function validateInput<M extends ApiMethod>(method: string, input: unknown): { method: M; input: ApiParsedInput<M> } {
  if (!Object.hasOwn(apiInputs, method)) throw new ApiError('bad-input', `unknown method ${JSON.stringify(method).slice(0, 80)}`);
  const parsed = apiInputs[method as M].safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'input';
    throw new ApiError('bad-input', `${method}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return { method: method as M, input: parsed.data as ApiParsedInput<M> };
}
