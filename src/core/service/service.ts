/**
 * The engine behind the Api: one handler per method of src/shared/api.ts. It owns the open
 * workspace connection and the running jobs. It runs inside a worker thread (see worker.ts) so
 * SQLite never blocks Electron's main thread or the web server's event loop.
 */
import type { z } from 'zod';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ApiError, type ApiEventName, type ApiEvents, type ApiMethod, type ApiParsedInput, type ApiResults, type JobInfo, type WorkspaceInfo } from '../../shared/api.ts';
import { openWorkspace, type Db } from '../store/db.ts';
import { SCHEMA_VERSION } from '../store/migrations.ts';
import { pageTraffic, countTraffic, getExchange, setTags, setComment, setHighlight } from '../store/traffic.ts';
import { checkFilter, registerQueryFunctions } from '../query/index.ts';
import { listFormats } from '../ingest/registry.ts';
import { recoverInterruptedImports } from '../ingest/import.ts';
import { DEFAULT_IMPORT_WORKER, startImportJob } from '../ingest/job.ts';
import { ensureSampleWorkspace } from './sample.ts';
import { detectHandlers } from './handlers/detect.ts';
import { graphHandlers } from './handlers/graph.ts';
import { replayHandlers } from './handlers/replay.ts';
import { exportHandlers } from './handlers/export.ts';
import { importOptions, ingestHandlers } from './handlers/ingest.ts';
import { specHandlers } from './handlers/spec.ts';
import { inventoryHandlers } from './handlers/inventory.ts';
import { policyHandlers } from './handlers/policy.ts';

export interface ServiceOptions {
  /** Folder for recent-workspace list, uploads bookkeeping and the sample workspace. */
  userDataDir: string;
  /** Workspace to open at start; otherwise the last one used, otherwise the bundled sample. */
  workspace?: string;
  /** Where the bundled resources (sample capture) live. */
  resourcesDir: string;
  /** Entry of the import worker; the Electron bundle passes its own. */
  importWorkerUrl?: URL;
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void;
}

type Handlers = { [M in ApiMethod]: (input: ApiParsedInput<M>) => ApiResults[M] | Promise<ApiResults[M]> };

/** What a feature's handlers get from the service: the open workspace and the event channel. */
export interface ServiceContext {
  db(): Db;
  dbPath(): string;
  userDataDir: string;
  resourcesDir: string;
  emit: ServiceOptions['emit'];
  /** Announces that these tables changed so views showing them refresh. */
  changed(...tables: string[]): void;
  /** A web-mode upload (POST /upload) handed over to a handler, which then owns and removes its file. */
  takeUpload(id: string): { path: string; name: string } | undefined;
  /** The engine's worker entry, for jobs that run on their own thread. */
  workerUrl: URL;
  /** Runs `stop` when the service closes (e.g. cancels a running job). */
  onClose(stop: () => void): void;
}

/** Handlers for one feature's slice of the Api (see src/shared/api-*.ts). */
export type FeatureHandlers<I extends Record<string, z.ZodType>, R extends { [K in keyof I]: unknown }> = {
  [M in keyof I]: (input: z.output<I[M]>) => R[M] | Promise<R[M]>;
};

export interface Service {
  handle<M extends ApiMethod>(method: M, input: ApiParsedInput<M>): Promise<ApiResults[M]>;
  registerUpload(id: string, path: string, name: string): void;
  close(): void;
}

const RECENT_MAX = 10;

/** Every feature's handlers, composed like the feature input schemas in src/shared/api.ts. */
function featureHandlers(ctx: ServiceContext) {
  return {
    ...detectHandlers(ctx),
    ...graphHandlers(ctx),
    ...replayHandlers(ctx),
    ...exportHandlers(ctx),
    ...ingestHandlers(ctx),
    ...specHandlers(ctx),
    ...inventoryHandlers(ctx),
    ...policyHandlers(ctx),
  };
}

export async function createService(opts: ServiceOptions): Promise<Service> {
  mkdirSync(opts.userDataDir, { recursive: true });
  const recentFile = join(opts.userDataDir, 'recent.json');
  const samplePath = join(opts.userDataDir, 'sample.sqlite');
  const uploads = new Map<string, { path: string; name: string }>();
  const jobs = new Map<string, JobInfo & { cancel(): void }>();

  const readRecent = (): string[] => {
    try {
      const list: unknown = JSON.parse(readFileSync(recentFile, 'utf8'));
      return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
    } catch {
      return [];
    }
  };
  const remember = (path: string): void => {
    if (path === samplePath) return;
    const list = [path, ...readRecent().filter((p) => p !== path)].slice(0, RECENT_MAX);
    writeFileSync(recentFile, JSON.stringify(list, null, 2));
  };

  let db: Db;
  let dbPath: string;

  const open = (path: string, create: boolean): void => {
    const full = resolve(path);
    if (!create && !existsSync(full)) throw new ApiError('workspace', `no workspace at ${full}`);
    if (create) mkdirSync(dirname(full), { recursive: true });
    let next: Db;
    try {
      next = openWorkspace(full, { create });
    } catch (err) {
      throw new ApiError('workspace', (err as Error).message);
    }
    registerQueryFunctions(next);
    recoverInterruptedImports(next);
    const prev = db as Db | undefined;
    db = next;
    dbPath = full;
    prev?.close();
    remember(full);
  };

  const startPath = opts.workspace ?? readRecent().find((p) => existsSync(p));
  if (startPath) open(startPath, !existsSync(startPath));
  else {
    await ensureSampleWorkspace(samplePath, opts.resourcesDir);
    open(samplePath, false);
  }

  const info = (): WorkspaceInfo => {
    const exchanges = (db.prepare('SELECT count(*) AS n FROM exchanges').get() as { n: number }).n;
    const sources = db
      .prepare('SELECT id, name, format, status, imported, skipped, error FROM sources ORDER BY id')
      .all() as WorkspaceInfo['sources'];
    return { path: dbPath, name: basename(dbPath).replace(/\.sqlite$/, ''), sample: dbPath === samplePath, exchanges, sources, schemaVersion: SCHEMA_VERSION };
  };

  const changed = (...tables: string[]): void => opts.emit('workspace.changed', { tables });

  const takeUpload = (id: string): { path: string; name: string } | undefined => {
    const up = uploads.get(id);
    uploads.delete(id);
    return up;
  };
  const closers: (() => void)[] = [];
  const ctx: ServiceContext = {
    db: () => db,
    dbPath: () => dbPath,
    userDataDir: opts.userDataDir,
    resourcesDir: opts.resourcesDir,
    emit: opts.emit,
    changed,
    takeUpload,
    workerUrl: opts.importWorkerUrl ?? DEFAULT_IMPORT_WORKER,
    onClose: (stop) => closers.push(stop),
  };

  const handlers: Handlers = {
    // Feature slices of the Api (src/shared/api-*.ts) plug in here.
    ...featureHandlers(ctx),
    'workspace.info': () => info(),
    'workspace.open': ({ path }) => {
      open(path, false);
      changed('*');
      return info();
    },
    'workspace.create': ({ path }) => {
      if (existsSync(path)) throw new ApiError('workspace', `${resolve(path)} already exists`);
      open(path, true);
      changed('*');
      return info();
    },
    'workspace.saveAs': ({ path }) => {
      const target = resolve(path);
      if (existsSync(target)) throw new ApiError('workspace', `${target} already exists`);
      // VACUUM INTO writes a consistent, compacted copy even while the WAL holds recent writes.
      db.prepare('VACUUM INTO ?').run(target);
      open(target, false);
      changed('*');
      return info();
    },
    'workspace.recent': () => readRecent().filter((p) => existsSync(p)),
    'traffic.page': (input) => pageTraffic(db, input),
    'traffic.count': ({ filter }) => countTraffic(db, filter),
    'traffic.get': ({ id }) => getExchange(db, id),
    'filter.check': ({ expr }) => checkFilter(expr),
    'annotate.tags': ({ id, tags }) => {
      setTags(db, id, tags);
      changed('tags');
    },
    'annotate.comment': ({ id, comment }) => {
      setComment(db, id, comment);
      changed('annotations');
    },
    'annotate.highlight': ({ id, highlight }) => {
      setHighlight(db, id, highlight);
      changed('annotations');
    },
    'formats.list': () => listFormats(),
    'import.start': ({ files, format, options }) => {
      const resolved = files.map((f) => {
        if ('path' in f) return { path: resolve(f.path) };
        const up = uploads.get(f.uploadId);
        if (!up) throw new ApiError('not-found', `unknown upload ${f.uploadId}`);
        return { path: up.path, name: up.name };
      });
      for (const f of resolved) if (!existsSync(f.path)) throw new ApiError('not-found', `no such file: ${f.path}`);
      const label = resolved.length === 1 ? (resolved[0].name ?? basename(resolved[0].path)) : `${resolved.length} files`;
      const job = startImportJob({
        dbPath,
        files: resolved,
        ...importOptions(db, resolved.map((f) => f.path), format, options),
        workerUrl: opts.importWorkerUrl,
        onProgress: (p) => {
          opts.emit('job.progress', p);
          changed('exchanges');
        },
        onDone: (d) => {
          const entry = jobs.get(d.jobId);
          if (entry) entry.state = d.state;
          for (const f of files) if ('uploadId' in f) dropUpload(f.uploadId);
          opts.emit('job.done', d);
          changed('exchanges', 'sources');
        },
      });
      jobs.set(job.jobId, { jobId: job.jobId, kind: 'import', state: 'running', label, cancel: job.cancel });
      return { jobId: job.jobId };
    },
    'job.cancel': ({ jobId }) => {
      const job = jobs.get(jobId);
      if (!job) throw new ApiError('not-found', `no job ${jobId}`);
      job.cancel();
    },
    'job.list': () => [...jobs.values()].map(({ jobId, kind, state, label }) => ({ jobId, kind, state, label })),
  };

  const dropUpload = (id: string): void => {
    const up = uploads.get(id);
    uploads.delete(id);
    if (up) rmSync(up.path, { force: true });
  };

  return {
    async handle(method, input) {
      const handler = handlers[method] as (i: typeof input) => ApiResults[typeof method] | Promise<ApiResults[typeof method]>;
      return handler(input);
    },
    registerUpload(id, path, name) {
      uploads.set(id, { path, name });
    },
    close() {
      for (const job of jobs.values()) if (job.state === 'running') job.cancel();
      for (const stop of closers) stop();
      db.close();
    },
  };
}
