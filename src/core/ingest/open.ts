/**
 * Opens a file for the readers: transparent gzip / zlib decompression (detected from magic bytes,
 * not the name), the head used for sniffing, and a count of file bytes consumed for progress.
 * Decompression is bounded so a compression bomb ends in a clear error, not an exhausted machine.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
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

function decompressor(c: Compression): Gunzip | Inflate | null {
  return c === 'gzip' ? createGunzip({ chunkSize: CHUNK }) : c === 'zlib' ? createInflate({ chunkSize: CHUNK }) : null;
}

/** Opens a fresh stream of the file's bytes as stored (compressed or not). */
export type RawSource = () => Promise<Readable>;

async function* stream(open: RawSource, compression: Compression, limit: number, counter: { n: number }): AsyncGenerator<Uint8Array> {
  const raw = await open();
  raw.on('data', (c: Buffer) => (counter.n += c.length));
  const inflate = decompressor(compression);
  if (!inflate) {
    try {
      for await (const chunk of raw) yield chunk as Buffer;
    } finally {
      raw.destroy();
    }
    return;
  }
  raw.pipe(inflate);
  raw.on('error', (e) => inflate.destroy(e));
  let out = 0;
  try {
    for await (const chunk of inflate) {
      out += (chunk as Buffer).length;
      if (out > limit) throw new ReadError(`decompressed size exceeds ${limit} bytes (over ${MAX_EXPANSION}× the file): refusing a likely compression bomb`, `decompressed offset ${out}`);
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

/** The first `n` bytes of a stream, or fewer when it is shorter or breaks early. */
async function firstBytes(chunks: AsyncIterable<Uint8Array>, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  try {
    for await (const chunk of chunks) {
      parts.push(chunk);
      got += chunk.length;
      if (got >= n) break;
    }
  } catch {
    // A corrupt stream still sniffs on whatever came out; reading reports the error properly.
  }
  return Buffer.concat(parts).subarray(0, n);
}

/**
 * Opens any byte source (a file, a zip member) for the readers. `size` is what progress counts
 * against (the stored bytes); the bomb limit scales with it.
 */
export async function openSource(name: string, size: number, open: RawSource, minBombBytes = MIN_BOMB_BYTES): Promise<OpenedInput> {
  const raw = await firstBytes(stream(open, 'none', Infinity, { n: 0 }), HEAD_BYTES);
  const compression = detectCompression(raw);
  const limit = Math.max(minBombBytes, size * MAX_EXPANSION);
  const head = compression === 'none' ? raw : await firstBytes(stream(open, compression, limit, { n: 0 }), HEAD_BYTES);
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
        return stream(open, compression, limit, counter);
      },
    },
  };
}

export async function openInput(path: string, name = basename(path), minBombBytes = MIN_BOMB_BYTES): Promise<OpenedInput> {
  return openSource(name, statSync(path).size, async () => createReadStream(path, { highWaterMark: CHUNK }), minBombBytes);
}
