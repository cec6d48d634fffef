/** Request bodies of Api calls: bounded, UTF-8, JSON; oversize bodies get a readable 413. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './respond.ts';

/** Past this, an oversize body is no longer drained politely: the socket is closed. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** Keeps reading (and dropping) what the client still sends, so it can read our error reply. */
export function discard(req: IncomingMessage, already: number): void {
  let seen = already;
  req.removeAllListeners('data');
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > MAX_DRAIN_BYTES) req.destroy();
  });
  req.resume();
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = new HttpError(413, 'bad-input', `request body exceeds the ${formatBytes(limit)} limit for Api calls`);
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      discard(req, 0);
      reject(tooLarge);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        discard(req, size);
        reject(tooLarge);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HttpError(400, 'bad-input', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'bad-input', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${+(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${+(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}
