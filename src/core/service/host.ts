/**
 * Runs the engine in a worker thread and gives its host (Electron main, the web server) a small
 * asynchronous handle. Transports stay thin: they authenticate, then hand calls to `call`.
 */
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ApiError, type ApiEventName, type ApiEvents } from '../../shared/api.ts';
import type { FromWorker, ServiceWorkerData, ToWorker } from './worker.ts';

export interface ServiceHost {
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void): () => void;
  /** Registers a file already written to disk (a web upload); returns the id `import.start` takes. */
  registerUpload(path: string, name: string): string;
  close(): Promise<void>;
}

export interface ServiceHostOptions {
  userDataDir: string;
  workspace?: string;
  /** Defaults to the repository's resources/ folder. */
  resourcesDir?: string;
  /** Entry of the service worker; defaults to ./worker.ts beside this file (Node strips types). */
  workerUrl?: URL;
  importWorkerUrl?: URL;
}

export const DEFAULT_RESOURCES_DIR = fileURLToPath(new URL('../../../resources', import.meta.url));

export function startServiceHost(opts: ServiceHostOptions): Promise<ServiceHost> {
  const data: ServiceWorkerData = {
    userDataDir: opts.userDataDir,
    workspace: opts.workspace,
    resourcesDir: opts.resourcesDir ?? DEFAULT_RESOURCES_DIR,
    importWorkerUrl: opts.importWorkerUrl?.href,
  };
  const worker = new Worker(opts.workerUrl ?? new URL('./worker.ts', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const listeners = new Set<(event: ApiEventName, payload: never) => void>();
  let nextId = 1;
  let closed: (() => void) | null = null;

  const send = (m: ToWorker): void => worker.postMessage(m);

  return new Promise((resolveHost, rejectHost) => {
    worker.on('error', (err) => {
      rejectHost(err);
      for (const p of pending.values()) p.reject(new ApiError('internal', `engine stopped: ${err.message}`));
      pending.clear();
    });
    worker.on('exit', () => closed?.());
    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'ready':
          return resolveHost(host);
        case 'fatal':
          void worker.terminate();
          return rejectHost(new Error(msg.message));
        case 'event':
          for (const l of listeners) l(msg.event as ApiEventName, msg.payload as never);
          return;
        case 'result': {
          const p = pending.get(msg.id);
          pending.delete(msg.id);
          if (!p) return;
          if (msg.ok) p.resolve(msg.value);
          else p.reject(new ApiError(msg.error.code, msg.error.message, msg.error.column));
          return;
        }
        case 'closed':
          void worker.terminate();
      }
    });

    const host: ServiceHost = {
      call(method, input) {
        return new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          send({ type: 'call', id, method, input });
        });
      },
      onEvent(listener) {
        const l = listener as (event: ApiEventName, payload: never) => void;
        listeners.add(l);
        return () => listeners.delete(l);
      },
      registerUpload(path, name) {
        const id = randomBytes(16).toString('hex');
        send({ type: 'upload', id, path, name });
        return id;
      },
      close() {
        return new Promise<void>((resolve) => {
          closed = resolve;
          send({ type: 'close' });
        });
      },
    };
  });
}
