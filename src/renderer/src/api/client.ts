/**
 * The one typed client of the engine. The transport is the Electron preload's bridge when present,
 * otherwise the loopback web protocol (src/shared/transport.ts). Components call `api.call(...)`
 * and `api.on(...)` and never know which one they use.
 */
import { API_EVENT_NAMES, ApiError, type ApiErrorShape, type ApiEventName, type ApiEvents, type ApiInput, type ApiMethod, type ApiResults, type ApiTransport, type DesktopBridge } from '../../../shared/api.ts';
import { API_PREFIX, BRIDGE_API, BRIDGE_DESKTOP, TOKEN_QUERY, TOKEN_STORAGE_KEY } from '../../../shared/transport.ts';

type Listener = (payload: never) => void;

/** Takes the token from the first page load's address, keeps it for the tab, strips it from the bar. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(TOKEN_QUERY);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    url.searchParams.delete(TOKEN_QUERY);
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_STORAGE_KEY);
}

export function createWebTransport(token: string): ApiTransport & { upload(file: File, onProgress?: (sent: number) => void): Promise<string>; download(name: string): Promise<Blob> } {
  const listeners = new Map<string, Set<Listener>>();
  let source: EventSource | null = null;
  const connect = (): void => {
    if (source) return;
    source = new EventSource(`${API_PREFIX}/events?${TOKEN_QUERY}=${encodeURIComponent(token)}`);
    for (const name of API_EVENT_NAMES) {
      source.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent<string>).data) as never;
        for (const l of listeners.get(name) ?? []) l(payload);
      });
    }
  };
  const fail = async (res: Response): Promise<never> => {
    let shape: ApiErrorShape = { code: 'internal', message: `${res.status} ${res.statusText}` };
    try {
      shape = (await res.json()) as ApiErrorShape;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(shape.code, shape.message, shape.column);
  };
  return {
    async call(method, input) {
      const res = await fetch(`${API_PREFIX}/call/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input ?? {}) });
      if (!res.ok) return fail(res);
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as never;
    },
    on(event, listener) {
      connect();
      const set = listeners.get(event) ?? new Set();
      set.add(listener as Listener);
      listeners.set(event, set);
      return () => set.delete(listener as Listener);
    },
    async upload(file) {
      const res = await fetch(`${API_PREFIX}/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body: file });
      if (!res.ok) return fail(res);
      return ((await res.json()) as { uploadId: string }).uploadId;
    },
    /** A file the service wrote to its exports folder (export.har's `download` name). */
    async download(name) {
      const res = await fetch(`${API_PREFIX}/download/${encodeURIComponent(name)}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) return fail(res);
      return res.blob();
    },
  };
}

type WindowWithBridge = Window & { [BRIDGE_API]?: ApiTransport; [BRIDGE_DESKTOP]?: DesktopBridge };

const w = window as unknown as WindowWithBridge;
const bridge = w[BRIDGE_API];
const web = bridge ? null : (() => {
  const token = takeToken();
  return token ? createWebTransport(token) : null;
})();

/** Desktop-only capabilities; every member may be absent (web mode). */
export const desktop: DesktopBridge = w[BRIDGE_DESKTOP] ?? {};
export const transportKind: 'electron' | 'web' | 'none' = bridge ? 'electron' : web ? 'web' : 'none';

export const api = {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]> {
    const t = bridge ?? web;
    if (!t) return Promise.reject(new ApiError('unauthorized', 'This page was opened without its access token: open the address Cartograph printed.'));
    return t.call(method, input);
  },
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const t = bridge ?? web;
    return t ? t.on(event, listener) : () => undefined;
  },
  /** Web mode: streams a dropped or picked file to the server; returns the id import.start takes. */
  upload: web?.upload,
  /** Web mode: fetches a file the service exported (see export.har). */
  download: web?.download,
};
