/**
 * Worker-thread entry of the engine. Messages in: {type:'call', id, method, input} and
 * {type:'upload', id, path, name}; out: {type:'result', id, ok, value|error}, {type:'event', event, payload},
 * {type:'ready'} or {type:'fatal', message}. Inputs are validated here, at the receiving side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError, validateInput, type ApiErrorShape } from '../../shared/api.ts';
import { createService } from './service.ts';

export interface ServiceWorkerData {
  userDataDir: string;
  workspace?: string;
  resourcesDir: string;
  importWorkerUrl?: string;
}

export type ToWorker = { type: 'call'; id: number; method: string; input: unknown } | { type: 'upload'; id: string; path: string; name: string } | { type: 'close' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorShape }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'closed' };

export function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return err.toJSON();
  const e = err as { name?: string; message?: string; column?: number };
  if (e?.name === 'FilterError') return { code: 'filter', message: e.message ?? 'bad filter', ...(e.column ? { column: e.column } : {}) };
  return { code: 'internal', message: e?.message ?? String(err) };
}

const port = parentPort;
if (port) {
  const data = workerData as ServiceWorkerData;
  const post = (m: FromWorker): void => port.postMessage(m);
  createService({
    userDataDir: data.userDataDir,
    workspace: data.workspace,
    resourcesDir: data.resourcesDir,
    importWorkerUrl: data.importWorkerUrl ? new URL(data.importWorkerUrl) : undefined,
    emit: (event, payload) => post({ type: 'event', event, payload }),
  }).then(
    (service) => {
      port.on('message', (msg: ToWorker) => {
        if (msg.type === 'upload') return service.registerUpload(msg.id, msg.path, msg.name);
        if (msg.type === 'close') {
          service.close();
          return post({ type: 'closed' });
        }
        Promise.resolve()
          .then(() => {
            const { method, input } = validateInput(msg.method, msg.input);
            return service.handle(method, input);
          })
          .then(
            (value) => post({ type: 'result', id: msg.id, ok: true, value }),
            (err: unknown) => post({ type: 'result', id: msg.id, ok: false, error: toErrorShape(err) }),
          );
      });
      post({ type: 'ready' });
    },
    (err: unknown) => post({ type: 'fatal', message: (err as Error).message ?? String(err) }),
  );
}
