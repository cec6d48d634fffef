/**
 * Opens a file for the readers: transparent gzip / zlib decompression (detected from magic bytes,
 * not the name), the head used for sniffing, and a count of file bytes consumed for progress.
 * Decompression is bounded so a compression bomb ends in a clear error, not an exhausted machine.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import { basename } from 'node:path';
import { ReadError, type ReaderInput } from './reader.ts';

export const HEAD_BYTES = 64 * 1024;
/** Past this many decompressed bytes per compressed byte, and past MIN_BOMB_BYTES, we stop. */
export const MAX_EXPANSION = 200;
export const MIN_BOMB_BYTES = 1024 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export type Compression = 'none' | 'gzip' | 'zlib';

export interface OpenedInput {
  input: ReaderInput;
  compression: Compression;
  head: Uint8Array;
  /** File bytes consumed so far by the current stream (compressed bytes when compressed). */
  bytesRead(): number;
}

export function detectCompression(b: Uint8Array): Compression {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 2 && b[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(b[1]) && ((b[0] << 8) | b[1]) % 31 === 0) return 'zlib';
  return 'none';
}

function readRawHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function decompressor(c: Compression): Gunzip | Inflate | null {
  return c === 'gzip' ? createGunzip({ chunkSize: CHUNK }) : c === 'zlib' ? createInflate({ chunkSize: CHUNK }) : null;
}

async function* stream(path: string, compression: Compression, size: number, counter: { n: number }): AsyncGenerator<Uint8Array> {
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  raw.on('data', (c) => (counter.n += c.length));
  const inflate = decompressor(compression);
  if (!inflate) {
    for await (const chunk of raw) yield chunk as Buffer;
    return;
  }
  raw.pipe(inflate);
  raw.on('error', (e) => inflate.destroy(e));
  let out = 0;
  const limit = Math.max(MIN_BOMB_BYTES, size * MAX_EXPANSION);
  try {
    for await (const chunk of inflate) {
      out += (chunk as Buffer).length;
      if (out > limit) throw new ReadError(`decompressed size exceeds ${limit} bytes (${MAX_EXPANSION}× the file): refusing a likely compression bomb`, `decompressed offset ${out}`);
      yield chunk as Buffer;
    }
  } catch (err) {
    if (err instanceof ReadError) throw err;
    throw new ReadError(`${compression} data is corrupt or truncated: ${(err as Error).message}`, `decompressed offset ${out}`);
  } finally {
    raw.destroy();
    inflate.destroy();
  }
}

async function decompressedHead(path: string, compression: Compression, size: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for await (const chunk of stream(path, compression, size, { n: 0 })) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= HEAD_BYTES) break;
    }
  } catch {
    // A corrupt stream still sniffs on whatever decompressed; reading reports the error properly.
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

export async function openInput(path: string, name = basename(path)): Promise<OpenedInput> {
  const size = statSync(path).size;
  const raw = readRawHead(path, HEAD_BYTES);
  const compression = detectCompression(raw);
  const head = compression === 'none' ? raw : await decompressedHead(path, compression, size);
  const counter = { n: 0 };
  return {
    compression,
    head,
    bytesRead: () => counter.n,
    input: {
      name,
      size,
      chunks: () => {
        counter.n = 0;
        return stream(path, compression, size, counter);
      },
    },
  };
}
