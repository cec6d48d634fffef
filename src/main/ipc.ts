/**
 * The main side of the desktop transport, free of Electron imports so it can be tested: every
 * handler first checks that the sender is the app's own main frame, then validates its input,
 * then forwards. Results travel as envelopes because Electron reduces a thrown Error to its message.
 */
import { ApiError, validateInput, type ApiErrorShape } from '../shared/api.ts';
import type { ServiceHost } from '../core/service/host.ts';
import { openDialogInput, saveDialogInput, type OpenDialogInput, type SaveDialogInput } from './dialogs.ts';
import { isTrustedSender, type FrameLike } from './trust.ts';

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };

export interface SenderEvent {
  senderFrame: FrameLike | null;
}

export interface NativeDialogs {
  open(opts: OpenDialogInput): Promise<string[]>;
  save(opts: SaveDialogInput): Promise<string | null>;
}

export interface IpcHandlers {
  call(event: SenderEvent, method: unknown, input: unknown): Promise<Envelope<unknown>>;
  openDialog(event: SenderEvent, opts: unknown): Promise<string[]>;
  saveDialog(event: SenderEvent, opts: unknown): Promise<string | null>;
}

export function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return err.toJSON();
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

function assertTrusted(event: SenderEvent, devOrigin: string | undefined): void {
  if (!isTrustedSender(event.senderFrame, devOrigin)) {
    throw new ApiError('unauthorized', `IPC from an untrusted frame refused (${event.senderFrame?.url.slice(0, 100) ?? 'no frame'})`);
  }
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, what: string, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ApiError('bad-input', `${what}: ${issue?.path.length ? issue.path.join('.') : 'input'}: ${issue?.message ?? 'invalid'}`);
}

export function createIpcHandlers(host: Pick<ServiceHost, 'call'>, dialogs: NativeDialogs, devOrigin?: string): IpcHandlers {
  return {
    async call(event, method, input) {
      // A foreign frame gets no envelope at all: the invoke rejects and nothing is forwarded.
      assertTrusted(event, devOrigin);
      try {
        if (typeof method !== 'string') throw new ApiError('bad-input', 'method name must be a string');
        const parsed = validateInput(method, input);
        return { ok: true, value: await host.call(method, parsed.input) };
      } catch (err) {
        return { ok: false, error: toErrorShape(err) };
      }
    },
    async openDialog(event, opts) {
      assertTrusted(event, devOrigin);
      return dialogs.open(parseOrThrow(openDialogInput, 'openFileDialog', opts));
    },
    async saveDialog(event, opts) {
      assertTrusted(event, devOrigin);
      return dialogs.save(parseOrThrow(saveDialogInput, 'saveFileDialog', opts));
    },
  };
}
