/**
 * The engine's worker-thread entry for long jobs: an import job (see src/core/ingest/job.ts), an
 * import's parse worker (workerData.mode 'parse', see src/core/ingest/pipeline.ts: the job passes
 * its own URL as the parser's), a detection run (mode 'detect', src/core/detect/job.ts) and the
 * part of a run it hands to a second thread (mode 'detect-part', src/core/detect/split.ts). One
 * entry, so a bundle needs no other.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import type { FileImportResult } from '../../shared/api.ts';
import type { ImportProgress } from '../ingest/import.ts';
import type { ParseJobData } from '../ingest/pipeline.ts';
import type { DetectJobData } from '../detect/job.ts';
import type { DetectPartData } from '../detect/split.ts';

export interface ImportJobData {
  jobId: string;
  dbPath: string;
  files: { path: string; name?: string }[];
  format?: string;
  options?: Record<string, string>;
}

export type ImportWorkerMessage =
  | { type: 'progress'; phase: ImportProgress['phase']; file: string; fileIndex: number; bytesDone: number; bytesTotal: number | null; entries: number; skipped: number; entriesTotal: number }
  | { type: 'file'; result: FileImportResult }
  | { type: 'done' };

async function run(port: NonNullable<typeof parentPort>, data: ImportJobData): Promise<void> {
  const [{ openWorkspace }, { importPath }] = await Promise.all([import('../store/db.ts'), import('../ingest/import.ts')]);
  const abort = new AbortController();
  port.on('message', (m: { type: string }) => {
    if (m.type === 'cancel') abort.abort();
  });
  const post = (m: ImportWorkerMessage): void => port.postMessage(m);
  const db = openWorkspace(data.dbPath);
  let entriesBefore = 0;
  try {
    for (const [fileIndex, file] of data.files.entries()) {
      if (abort.signal.aborted) break;
      const name = file.name ?? basename(file.path);
      const results = await importPath(db, file, {
        format: data.format,
        options: data.options,
        signal: abort.signal,
        progressEveryMs: 200,
        parseWorkerUrl: new URL(import.meta.url),
        onProgress: (p) => post({ type: 'progress', file: name, fileIndex, ...p, entriesTotal: entriesBefore + p.entries }),
      });
      for (const result of results) {
        entriesBefore += result.imported;
        post({ type: 'file', result });
      }
    }
  } finally {
    db.close();
    post({ type: 'done' });
  }
}

const mode = (workerData as { mode?: string } | null)?.mode;
// Each mode loads only its own modules: a worker's start-up is paid per job (and per detection part).
if (parentPort && mode === 'parse') {
  const { runParseWorker } = await import('../ingest/pipeline.ts');
  void runParseWorker(parentPort, workerData as ParseJobData);
} else if (parentPort && mode === 'detect') {
  const { runDetectWorker } = await import('../detect/job.ts');
  void runDetectWorker(parentPort, workerData as DetectJobData, new URL(import.meta.url));
} else if (mode === 'detect-part') {
  const { runDetectPart } = await import('../detect/split.ts');
  runDetectPart(workerData as DetectPartData);
} else if (parentPort) {
  const port = parentPort;
  run(port, workerData as ImportJobData).catch((err: unknown) => {
    port.postMessage({ type: 'file', result: { file: '', format: 'unknown', imported: 0, skipped: 0, errors: [], seconds: 0, fatal: (err as Error).message, duplicate: false } } satisfies ImportWorkerMessage);
    port.postMessage({ type: 'done' } satisfies ImportWorkerMessage);
  });
}
