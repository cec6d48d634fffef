/**
 * A stand-in ServiceHost for transport tests: it records calls and uploads, answers from a
 * table of handlers, and emits events on demand. (The product always uses the real host.)
 */
import type { ServiceHost } from '../../src/core/service/host.ts';
import type { ApiEventName, ApiEvents } from '../../src/shared/api.ts';

type Listener = <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void;

export interface FakeHost extends ServiceHost {
  calls: { method: string; input: unknown }[];
  uploads: { id: string; path: string; name: string }[];
  handlers: Record<string, (input: unknown) => unknown>;
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void;
  listenerCount(): number;
}

export function fakeHost(handlers: Record<string, (input: unknown) => unknown> = {}): FakeHost {
  const listeners = new Set<Listener>();
  let n = 0;
  const host: FakeHost = {
    calls: [],
    uploads: [],
    handlers,
    async call(method, input) {
      host.calls.push({ method, input });
      const h = host.handlers[method];
      return h ? h(input) : null;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    registerUpload(path, name) {
      const id = (++n).toString(16).padStart(32, '0');
      host.uploads.push({ id, path, name });
      return id;
    },
    async close() {},
    emit(event, payload) {
      for (const l of listeners) l(event, payload);
    },
    listenerCount: () => listeners.size,
  };
  return host;
}
