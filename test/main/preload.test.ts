import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIDGE_API, BRIDGE_DESKTOP, IPC_CALL, IPC_EVENT } from '../../src/shared/transport.ts';
import { IPC_MENU, IPC_OPEN_DIALOG } from '../../src/main/channels.ts';
import type { ApiTransport, DesktopBridge } from '../../src/shared/api.ts';

// The preload runs inside Electron; here its electron module is a recording stand-in.
const exposed = new Map<string, unknown>();
const handlers = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
const invoke = vi.fn();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => handlers.set(channel, [...(handlers.get(channel) ?? []), l]),
    off: (channel: string, l: unknown) => handlers.set(channel, (handlers.get(channel) ?? []).filter((x) => x !== l)),
  },
  webUtils: { getPathForFile: (file: { name: string }) => `/picked/${file.name}` },
}));

const fire = (channel: string, ...args: unknown[]): void => {
  for (const l of handlers.get(channel) ?? []) l({}, ...args);
};

beforeAll(async () => {
  await import('../../src/preload/index.ts');
});

describe('preload', () => {
  it('exposes exactly the Api transport and the desktop bridge, never ipcRenderer', () => {
    expect([...exposed.keys()].sort()).toEqual([BRIDGE_API, BRIDGE_DESKTOP].sort());
    expect(Object.keys(exposed.get(BRIDGE_API) as object).sort()).toEqual(['call', 'on']);
    expect(Object.keys(exposed.get(BRIDGE_DESKTOP) as object).sort()).toEqual(['onMenu', 'openFileDialog', 'pathForFile', 'saveFileDialog']);
  });

  it('unwraps call envelopes; failures reject with a plain object keeping code and column', async () => {
    const api = exposed.get(BRIDGE_API) as ApiTransport;
    invoke.mockResolvedValueOnce({ ok: true, value: 7 });
    expect(await api.call('traffic.count', { filter: '' })).toBe(7);
    expect(invoke).toHaveBeenLastCalledWith(IPC_CALL, 'traffic.count', { filter: '' });
    invoke.mockResolvedValueOnce({ ok: false, error: { code: 'filter', message: 'bad', column: 3 } });
    const err = await api.call('filter.check', { expr: 'x' }).catch((e: unknown) => e);
    expect(err).toEqual({ name: 'ApiError', code: 'filter', message: 'bad', column: 3 });
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    const api = exposed.get(BRIDGE_API) as ApiTransport;
    const got: unknown[] = [];
    const off = api.on('workspace.changed', (p) => got.push(p));
    fire(IPC_EVENT, 'workspace.changed', { tables: ['a'] });
    fire(IPC_EVENT, 'job.done', { jobId: 'x' });
    off();
    fire(IPC_EVENT, 'workspace.changed', { tables: ['b'] });
    expect(got).toEqual([{ tables: ['a'] }]);
  });

  it('bridges dialogs, dropped-file paths and menu commands', async () => {
    const desktop = exposed.get(BRIDGE_DESKTOP) as Required<DesktopBridge>;
    invoke.mockResolvedValueOnce(['/a.har']);
    expect(await desktop.openFileDialog({ title: 'Import' })).toEqual(['/a.har']);
    expect(invoke).toHaveBeenLastCalledWith(IPC_OPEN_DIALOG, { title: 'Import' });
    expect(desktop.pathForFile({ name: 'x.har' } as File)).toBe('/picked/x.har');
    const commands: string[] = [];
    const off = desktop.onMenu((c) => commands.push(c));
    fire(IPC_MENU, 'import');
    off();
    fire(IPC_MENU, 'find');
    expect(commands).toEqual(['import']);
  });
});
