/**
 * Import jobs run in a worker thread with their own SQLite connection, so the engine keeps
 * answering queries (WAL lets readers in while the import writes). Progress is throttled events;
 * cancel lets the worker finish its transaction and mark the source cancelled.
 */
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import type { FileImportResult, JobDone, JobProgress } from '../../shared/api.ts';
import type { ImportJobData, ImportWorkerMessage } from '../workers/import-worker.ts';

export interface ImportJobOptions {
  dbPath: string;
  files: { path: string; name?: string }[];
  format?: string;
  options?: Record<string, string>;
  /** Entry of the import worker; the Electron bundle passes its own. */
  workerUrl?: URL;
  onProgress(p: JobProgress): void;
  onDone(d: JobDone): void;
}

export const DEFAULT_IMPORT_WORKER = new URL('../workers/import-worker.ts', import.meta.url);

export function startImportJob(opts: ImportJobOptions): { jobId: string; cancel(): void } {
  const jobId = randomBytes(8).toString('hex');
  const data: ImportJobData = { jobId, dbPath: opts.dbPath, files: opts.files, format: opts.format, options: opts.options };
  const worker = new Worker(opts.workerUrl ?? DEFAULT_IMPORT_WORKER, { workerData: data });
  const started = performance.now();
  const files: FileImportResult[] = [];
  let finished = false;
  let cancelled = false;
  const done = (d: Omit<JobDone, 'jobId' | 'kind'>): void => {
    if (finished) return;
    finished = true;
    opts.onDone({ jobId, kind: 'import', ...d });
  };
  worker.on('message', (m: ImportWorkerMessage) => {
    if (m.type === 'progress') {
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      opts.onProgress({ jobId, kind: 'import', phase: m.phase, file: m.file, fileIndex: m.fileIndex, fileCount: opts.files.length, bytesDone: m.bytesDone, bytesTotal: m.bytesTotal, entries: m.entries, skipped: m.skipped, entriesPerSecond: Math.round(m.entriesTotal / seconds) });
    } else if (m.type === 'file') files.push(m.result);
    else if (m.type === 'done') done({ state: cancelled ? 'cancelled' : files.some((f) => f.fatal) ? 'failed' : 'done', files, error: files.find((f) => f.fatal)?.fatal ?? null });
  });
  worker.on('error', (err) => done({ state: 'failed', files, error: err.message }));
  worker.on('exit', (code) => done({ state: cancelled ? 'cancelled' : 'failed', files, error: code === 0 ? null : `import worker exited with code ${code}` }));
  return {
    jobId,
    cancel() {
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
    },
  };
}
