/**
 * The two halves of an import as batches of PreparedRows: reading, parsing and preparing rows
 * (identity, hashing, compression, text extraction) either on this thread or, for large files,
 * in a worker thread, so the calling thread only writes to SQLite and both cores work at once.
 * The worker runs at most MAX_IN_FLIGHT batches ahead of the writer, which bounds memory.
 */
import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { RowPreparer, type PreparedRow } from '../store/writer.ts';
import { openInput, type OpenedInput } from './open.ts';
import { findFormat } from './registry.ts';
import type { Reader, ReaderContext } from './reader.ts';

/** Items (rows + skips) per batch: small enough for smooth progress, large enough to amortise messaging. */
export const BATCH_ITEMS = 512;
/** Batches the parser may run ahead: a write transaction's rows (import.ts) and more, so it keeps going while the writer commits. */
const MAX_IN_FLIGHT = 12;

export interface Skip {
  at: string;
  message: string;
}

export interface Batch {
  rows: PreparedRow[];
  skips: Skip[];
  /** Input bytes consumed so far (for progress). */
  bytesRead: number;
}

/** Why reading stopped early: a message for the source's error, as importSource reports it. */
export const fatalMessage = (err: unknown): string => `${(err as Error).message ?? String(err)}`;

/** Reads and prepares on this thread; a fatal read error is thrown after the batch before it. */
export async function* readBatches(reader: Reader, opened: OpenedInput, ctx: ReaderContext, preparer: RowPreparer): AsyncGenerator<Batch> {
  let batch: Batch = { rows: [], skips: [], bytesRead: 0 };
  let failure: { err: unknown } | null = null;
  try {
    for await (const item of reader.read(opened.input, ctx)) {
      if (item.kind === 'exchange') batch.rows.push(preparer.prepare(item.index, item.exchange));
      else batch.skips.push({ at: item.at, message: item.message });
      if (batch.rows.length + batch.skips.length >= BATCH_ITEMS) {
        batch.bytesRead = opened.bytesRead();
        yield batch;
        batch = { rows: [], skips: [], bytesRead: 0 };
      }
    }
  } catch (err) {
    failure = { err };
  }
  // What came before a fatal error is kept.
  batch.bytesRead = opened.bytesRead();
  if (batch.rows.length + batch.skips.length > 0) yield batch;
  if (failure) throw failure.err;
}

export interface ParseJobData {
  mode: 'parse';
  path: string;
  name: string;
  format: string;
  options: Record<string, string>;
  trustedProxies: readonly string[];
}

type ToParser = { type: 'ack' } | { type: 'cancel' };
type FromParser = { type: 'ready' } | ({ type: 'batch' } & Batch) | { type: 'end'; fatal: string | null };

/** Worker side: reads the file named in `data` and posts batches, waiting for acks to stay bounded. */
export async function runParseWorker(port: MessagePort, data: ParseJobData): Promise<void> {
  const abort = new AbortController();
  let credits = MAX_IN_FLIGHT;
  let wake: (() => void) | null = null;
  port.on('message', (m: ToParser) => {
    if (m.type === 'ack') credits++;
    else abort.abort();
    wake?.();
    wake = null;
  });
  const post = (m: FromParser): void => port.postMessage(m);
  let fatal: string | null = null;
  try {
    const reader = findFormat(data.format);
    if (!reader) throw new Error(`unknown format '${data.format}'`);
    const opened = await openInput(data.path, data.name);
    post({ type: 'ready' });
    const preparer = new RowPreparer({ trustedProxies: data.trustedProxies });
    for await (const batch of readBatches(reader, opened, { signal: abort.signal, options: data.options }, preparer)) {
      while (credits === 0 && !abort.signal.aborted) await new Promise<void>((r) => (wake = r));
      if (abort.signal.aborted) break;
      credits--;
      post({ type: 'batch', ...batch });
    }
  } catch (err) {
    fatal = fatalMessage(err);
  }
  post({ type: 'end', fatal });
  port.close();
}

/** No batches, then the error (the worker could not open the input). */
async function* failing(message: string): AsyncGenerator<Batch> {
  const none: Batch[] = [];
  yield* none;
  throw new Error(message);
}

/**
 * Main side: starts the parse worker and yields its batches in order. Returns null when the worker
 * cannot start (e.g. a bundle without the worker entry), so the caller reads on its own thread.
 * Ending the iteration early (cancel) stops the worker.
 */
export async function startParseWorker(url: URL, data: Omit<ParseJobData, 'mode'>): Promise<AsyncGenerator<Batch> | null> {
  let worker: Worker;
  try {
    worker = new Worker(url, { workerData: { mode: 'parse', ...data } satisfies ParseJobData });
  } catch {
    return null;
  }
  const queue: (FromParser | { type: 'error'; message: string })[] = [];
  let notify: (() => void) | null = null;
  const push = (m: FromParser | { type: 'error'; message: string }): void => {
    queue.push(m);
    notify?.();
    notify = null;
  };
  worker.on('message', push);
  worker.on('error', (err) => push({ type: 'error', message: err.message }));
  worker.on('exit', (code) => push({ type: 'error', message: `import parser exited with code ${code}` }));
  const next = async (): Promise<FromParser | { type: 'error'; message: string }> => {
    while (queue.length === 0) await new Promise<void>((r) => (notify = r));
    return queue.shift()!;
  };
  const first = await next();
  if (first.type !== 'ready') {
    if (first.type === 'end' && first.fatal !== null) {
      // The worker ran but could not open the input: report that like the in-thread path would.
      const fatal = first.fatal;
      void worker.terminate();
      return failing(fatal);
    }
    void worker.terminate();
    return null;
  }
  return (async function* batches(): AsyncGenerator<Batch> {
    try {
      for (;;) {
        const m = await next();
        if (m.type === 'batch') {
          yield m;
          worker.postMessage({ type: 'ack' } satisfies ToParser);
        } else if (m.type === 'end') {
          if (m.fatal !== null) throw new Error(m.fatal);
          return;
        } else if (m.type === 'error') throw new Error(m.message);
      }
    } finally {
      worker.postMessage({ type: 'cancel' } satisfies ToParser);
      await worker.terminate();
    }
  })();
}
