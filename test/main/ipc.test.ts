import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/api.ts';
import { createIpcHandlers, type NativeDialogs } from '../../src/main/ipc.ts';
import { fakeHost } from '../server/fake-host.ts';

const ours = { senderFrame: { url: 'app://cartograph/index.html', parent: null } };
const iframe = { senderFrame: { url: 'app://cartograph/index.html', parent: {} } };
const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };

function setup() {
  const host = fakeHost({
    'workspace.info': () => ({ name: 'sample' }),
    'filter.check': () => {
      throw new ApiError('filter', 'unknown field "stauts"', 1);
    },
    'job.list': () => {
      throw new Error('engine stopped');
    },
  });
  const dialogCalls: unknown[] = [];
  const dialogs: NativeDialogs = {
    async open(opts) {
      dialogCalls.push(opts);
      return ['/captures/a.har'];
    },
    async save(opts) {
      dialogCalls.push(opts);
      return '/tmp/ws.sqlite';
    },
  };
  return { host, dialogCalls, handlers: createIpcHandlers(host, dialogs) };
}

describe('main: IPC handlers', () => {
  it('checks the sender frame before anything else', async () => {
    const { host, handlers, dialogCalls } = setup();
    for (const event of [iframe, foreign, { senderFrame: null }]) {
      await expect(handlers.call(event, 'workspace.info', {})).rejects.toThrow(/untrusted frame/);
      await expect(handlers.openDialog(event, { title: 'x' })).rejects.toThrow(/untrusted frame/);
      await expect(handlers.saveDialog(event, { title: 'x' })).rejects.toThrow(/untrusted frame/);
    }
    expect(host.calls).toEqual([]);
    expect(dialogCalls).toEqual([]);
  });

  it('validates input, then forwards it with defaults applied', async () => {
    const { host, handlers } = setup();
    expect(await handlers.call(ours, 'workspace.info', {})).toEqual({ ok: true, value: { name: 'sample' } });
    await handlers.call(ours, 'traffic.count', {});
    expect(host.calls.at(-1)).toEqual({ method: 'traffic.count', input: { filter: '' } });
    expect(await handlers.call(ours, 'traffic.page', { limit: -1 })).toEqual({ ok: false, error: { code: 'bad-input', message: expect.stringMatching(/^traffic\.page: limit: /) } });
    expect(await handlers.call(ours, 'shell.exec', {})).toEqual({ ok: false, error: { code: 'bad-input', message: 'unknown method "shell.exec"' } });
    expect(await handlers.call(ours, 42, {})).toEqual({ ok: false, error: { code: 'bad-input', message: 'method name must be a string' } });
    expect(host.calls).toHaveLength(2);
  });

  it('returns engine errors as envelopes that keep code and column', async () => {
    const { handlers } = setup();
    expect(await handlers.call(ours, 'filter.check', { expr: 'stauts == 1' })).toEqual({ ok: false, error: { code: 'filter', message: 'unknown field "stauts"', column: 1 } });
    expect(await handlers.call(ours, 'job.list', {})).toEqual({ ok: false, error: { code: 'internal', message: 'engine stopped' } });
  });

  it('validates dialog options before showing a native dialog', async () => {
    const { handlers, dialogCalls } = setup();
    const filters = [{ name: 'Captures', extensions: ['har', 'json', '*'] }];
    expect(await handlers.openDialog(ours, { title: 'Import', filters, multi: true })).toEqual(['/captures/a.har']);
    expect(await handlers.saveDialog(ours, { title: 'Save As', defaultPath: 'shop.sqlite' })).toBe('/tmp/ws.sqlite');
    await expect(handlers.openDialog(ours, { title: 'x', filters: [{ name: 'x', extensions: ['../../x'] }] })).rejects.toThrow(/openFileDialog: filters\.0\.extensions\.0/);
    await expect(handlers.openDialog(ours, { title: 'x', properties: ['openDirectory'] })).rejects.toThrow(/openFileDialog/);
    await expect(handlers.saveDialog(ours, null)).rejects.toThrow(/saveFileDialog/);
    expect(dialogCalls).toEqual([{ title: 'Import', filters, multi: true }, { title: 'Save As', defaultPath: 'shop.sqlite' }]);
  });
});
