/**
 * A detection run in a worker thread with its own SQLite connection, so the engine keeps answering
 * the UI (a 1M-exchange run takes tens of seconds): progress about twice a second, and cancel,
 * which marks the run cancelled and saves no findings. The worker side and the caller's side live
 * here together; the engine's worker entry (src/core/workers/import-worker.ts) dispatches to it.
 */
import { receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { openWorkspace } from '../store/db.ts';
import { loadRulePack } from './pack.ts';
import { runDetection } from './run.ts';

export interface DetectJobData {
  mode: 'detect';
  dbPath: string;
  /** The rule pack's folder and name (the worker loads it again: packs hold compiled code). */
  packDir: string;
  packName: string;
  /** Workspaces this large run on two threads (default: split.ts's SPLIT_MIN_EXCHANGES). */
  splitMinExchanges?: number;
}

/** What the run reports back (findings by count: they are in the workspace). */
export interface DetectJobResult {
  runId: number;
  exchanges: number;
  findings: number;
  seconds: number;
  specKnown: boolean;
}

type FromDetector =
  | { type: 'progress'; exchanges: number; total: number }
  | { type: 'done'; result: DetectJobResult }
  | { type: 'failed'; message: string; cancelled: boolean };
type ToDetector = { type: 'cancel' };

/** Progress posts at most this often. */
const PROGRESS_EVERY_MS = 500;

/**
 * Worker side: runs detection over the workspace named in `data`, posting progress and the result.
 * `workerUrl` is this entry's own, for the part of the run it hands to a second thread.
 */
export async function runDetectWorker(port: MessagePort, data: DetectJobData, workerUrl: URL): Promise<void> {
  const abort = new AbortController();
  const post = (m: FromDetector): void => port.postMessage(m);
  // The first callback reports at once, so a short run shows progress too.
  let last = -Infinity;
  // Detection never yields to the event loop: a cancel is looked for between progress callbacks.
  const poll = (): void => {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      if ((m.message as ToDetector).type === 'cancel') abort.abort();
    }
  };
  let db;
  try {
    db = openWorkspace(data.dbPath);
    const total = db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number;
    const pack = loadRulePack(data.packDir, data.packName);
    const r = await runDetection(db, pack, {
      signal: abort.signal,
      split: { dbPath: data.dbPath, workerUrl, minExchanges: data.splitMinExchanges },
      progressEvery: 2000,
      onProgress: (n) => {
        poll();
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          post({ type: 'progress', exchanges: n, total });
        }
      },
    });
    post({ type: 'done', result: { runId: r.runId, exchanges: r.exchanges, findings: r.findings.length, seconds: r.seconds, specKnown: r.specKnown } });
  } catch (err) {
    post({ type: 'failed', message: (err as Error).message, cancelled: abort.signal.aborted });
  } finally {
    db?.close();
  }
}

export class DetectionCancelled extends Error {}

export interface DetectJob {
  /** The result; rejects with DetectionCancelled after cancel(), or an Error naming what failed. */
  result: Promise<DetectJobResult>;
  cancel(): void;
}

/** Caller side: starts the run in a worker on `workerUrl` (the engine's worker entry). */
export function startDetectJob(workerUrl: URL, data: Omit<DetectJobData, 'mode'>, onProgress: (exchanges: number, total: number) => void): DetectJob {
  const worker = new Worker(workerUrl, { workerData: { mode: 'detect', ...data } satisfies DetectJobData });
  const result = new Promise<DetectJobResult>((resolve, reject) => {
    worker.on('message', (m: FromDetector) => {
      if (m.type === 'progress') onProgress(m.exchanges, m.total);
      else if (m.type === 'done') resolve(m.result);
      else reject(m.cancelled ? new DetectionCancelled('detection was cancelled: no findings were saved') : new Error(m.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`detection worker exited with code ${code}`)));
  });
  return { result, cancel: () => worker.postMessage({ type: 'cancel' } satisfies ToDetector) };
}
