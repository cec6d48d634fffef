/**
 * Web-mode uploads: the browser cannot hand us a path, so the file's bytes are streamed to a
 * private temp folder (never held in memory) and registered with the service, which imports
 * them by id and deletes them when the import ends. Whatever is left is removed on close.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HttpError } from './respond.ts';
import { discard, formatBytes } from './body.ts';

/** Keeps the original name's extension (format sniffing may use it) but nothing else risky. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(-100);
  return cleaned || 'upload';
}

export interface UploadStore {
  /** Streams the request body to a new temp file; resolves with its path and size. */
  receive(req: IncomingMessage, name: string): Promise<{ path: string; size: number }>;
  close(): Promise<void>;
}

export async function createUploadStore(maxBytes: number): Promise<UploadStore> {
  const dir = await mkdtemp(join(tmpdir(), 'cartograph-uploads-'));
  const tooBig = (): HttpError => new HttpError(413, 'bad-input', `upload exceeds the ${formatBytes(maxBytes)} limit`);

  return {
    async receive(req, name) {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        discard(req, 0);
        throw tooBig();
      }
      const path = join(dir, `${randomBytes(8).toString('hex')}-${safeFileName(name)}`);
      const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
      let size = 0;
      try {
        await new Promise<void>((resolve, reject) => {
          const fail = (err: Error): void => {
            req.unpipe(out);
            out.destroy();
            reject(err);
          };
          req.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= maxBytes) return;
            fail(tooBig());
            // Read on (and drop) what is still coming so the client gets to read the 413.
            discard(req, size);
          });
          req.on('error', fail);
          req.on('close', () => {
            if (!req.complete) fail(new Error('aborted'));
          });
          out.on('error', fail);
          out.on('finish', resolve);
          req.pipe(out);
        });
      } catch (err) {
        await rm(path, { force: true });
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, 'bad-input', `upload of ${JSON.stringify(name)} was interrupted after ${formatBytes(size)}`);
      }
      return { path, size };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
