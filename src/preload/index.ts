/**
 * The preload (sandboxed, built as CommonJS index.cjs). It exposes exactly two objects:
 * the ApiTransport on window[BRIDGE_API] and the DesktopBridge on window[BRIDGE_DESKTOP].
 * The page never sees ipcRenderer. Only constants and types are imported: a sandboxed preload
 * cannot load packages.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ApiErrorShape, ApiEventName, ApiTransport, DesktopBridge } from '../shared/api.ts';
import { BRIDGE_API, BRIDGE_DESKTOP, IPC_CALL, IPC_EVENT } from '../shared/transport.ts';
import { IPC_MENU, IPC_OPEN_DIALOG, IPC_SAVE_DIALOG } from '../main/channels.ts';

type Envelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

const listeners = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on(IPC_EVENT, (_event, name: string, payload: unknown) => {
  for (const l of listeners.get(name) ?? []) l(payload);
});

/**
 * Rejections carry a plain { name: 'ApiError', code, message, column? } object: contextBridge
 * copies plain objects whole but strips an Error down to its message.
 */
const transport: ApiTransport = {
  async call(method, input) {
    const r = (await ipcRenderer.invoke(IPC_CALL, method, input)) as Envelope;
    if (r.ok) return r.value as never;
    throw { name: 'ApiError', ...r.error };
  },
  on(event: ApiEventName, listener) {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
};

const desktop: DesktopBridge = {
  openFileDialog: (opts) => ipcRenderer.invoke(IPC_OPEN_DIALOG, opts) as Promise<string[]>,
  saveFileDialog: (opts) => ipcRenderer.invoke(IPC_SAVE_DIALOG, opts) as Promise<string | null>,
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenu(listener) {
    const l = (_event: unknown, command: string): void => listener(command);
    ipcRenderer.on(IPC_MENU, l);
    return () => {
      ipcRenderer.off(IPC_MENU, l);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_API, transport);
contextBridge.exposeInMainWorld(BRIDGE_DESKTOP, desktop);
