import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ReaderContext, ReaderInput } from '../../reader.ts';
import { asBuffer } from './bytes.ts';

/**
 * Zip archives (Fiddler .saz) need random access but readers get a stream. Small inputs are held
 * in memory; past `memoryLimit` the content is written to a private temporary file instead, so a
 * multi-gigabyte archive costs disk, not memory. `dispose()` removes the file.
 */
export type Spooled = { kind: 'buffer'; buffer: Buffer; dispose(): void } | { kind: 'file'; path: string; dispose(): void };

export const DEFAULT_SPOOL_MEMORY = 64 * 1024 * 1024;

export async function spool(input: ReaderInput, ctx: ReaderContext, memoryLimit = DEFAULT_SPOOL_MEMORY): Promise<Spooled> {
  const parts: Buffer[] = [];
  let size = 0;
  let dir: string | null = null;
  let out: ReturnType<typeof createWriteStream> | null = null;
  const cleanup = (): void => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for await (const chunk of input.chunks()) {
      ctx.signal.throwIfAborted();
      const b = asBuffer(chunk);
      if (!out && size + b.length > memoryLimit) {
        dir = mkdtempSync(join(tmpdir(), 'cartograph-spool-'));
        out = createWriteStream(join(dir, 'input.bin'));
        for (const p of parts) if (!out.write(p)) await once(out, 'drain');
        parts.length = 0;
      }
      size += b.length;
      if (out) {
        if (!out.write(b)) await once(out, 'drain');
      } else parts.push(b);
    }
    if (out) {
      const w = out;
      await new Promise<void>((resolve, reject) => w.end((err?: Error | null) => (err ? reject(err) : resolve())));
      return { kind: 'file', path: join(dir as string, 'input.bin'), dispose: cleanup };
    }
    return { kind: 'buffer', buffer: Buffer.concat(parts, size), dispose: () => {} };
  } catch (err) {
    out?.destroy();
    cleanup();
    throw err;
  }
}
