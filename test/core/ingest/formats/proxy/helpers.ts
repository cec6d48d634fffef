import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import type { Exchange } from '../../../../../src/core/model/exchange.ts';
import { ReadError } from '../../../../../src/core/ingest/reader.ts';
import type { ReadItem, Reader, ReaderInput } from '../../../../../src/core/ingest/reader.ts';
import { rng } from '../../../detect/generator.ts';

export { rng };

/** Content as a reader sees it, cut into chunks of `chunk` bytes to exercise record boundaries. */
export function bytesInput(bytes: Uint8Array, name = 'input', chunk = 4096): ReaderInput {
  const buf = Buffer.from(bytes);
  return {
    name,
    size: buf.length,
    async *chunks() {
      for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, Math.min(buf.length, i + chunk));
    },
  };
}

export interface ReadResult {
  exchanges: Exchange[];
  skips: Extract<ReadItem, { kind: 'skip' }>[];
  items: ReadItem[];
  error: ReadError | null;
}

export async function readAll(reader: Reader, input: ReaderInput, options: Record<string, string> = {}): Promise<ReadResult> {
  const items: ReadItem[] = [];
  let error: ReadError | null = null;
  try {
    for await (const item of reader.read(input, { signal: new AbortController().signal, options })) items.push(item);
  } catch (err) {
    if (!(err instanceof ReadError)) throw err;
    error = err;
  }
  return {
    items,
    error,
    exchanges: items.flatMap((i) => (i.kind === 'exchange' ? [i.exchange] : [])),
    skips: items.flatMap((i) => (i.kind === 'skip' ? [i] : [])),
  };
}

export async function readFile(reader: Reader, path: string, options: Record<string, string> = {}, chunk = 64 * 1024): Promise<ReadResult> {
  return readAll(reader, bytesInput(readFileSync(path), basename(path), chunk), options);
}

export const text = (b: Uint8Array | null): string => (b ? Buffer.from(b).toString('utf8') : '');

/** Hostile variants of a valid input: truncations, byte flips, re-encoding, a huge line, deep nesting. */
export function mutations(seed: Buffer, n: number, random = rng(1234), nesting = '['.repeat(200_000)): { what: string; bytes: Buffer }[] {
  const out: { what: string; bytes: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const cut = Math.floor(random() * seed.length);
    out.push({ what: `truncated at ${cut}`, bytes: seed.subarray(0, cut) });
    const flipped = Buffer.from(seed);
    const flips = 1 + Math.floor(random() * 8);
    for (let f = 0; f < flips; f++) flipped[Math.floor(random() * flipped.length)] = Math.floor(random() * 256);
    out.push({ what: `${flips} bytes flipped`, bytes: flipped });
  }
  out.push({ what: 'UTF-16LE re-encoded', bytes: Buffer.from(seed.toString('latin1'), 'utf16le') });
  const at = Math.floor(random() * seed.length);
  out.push({ what: 'a 3 MB line inserted', bytes: Buffer.concat([seed.subarray(0, at), Buffer.alloc(3 * 1024 * 1024, 0x41), seed.subarray(at)]) });
  out.push({ what: 'deep nesting', bytes: Buffer.from(nesting) });
  out.push({ what: 'empty', bytes: Buffer.alloc(0) });
  out.push({ what: 'random bytes', bytes: Buffer.from(Array.from({ length: 5000 }, () => Math.floor(random() * 256))) });
  return out;
}

/** Every hostile variant ends in a ReadError or a (partial) result; nothing else escapes. */
export async function expectRobust(reader: Reader, seed: Buffer, n = 12, nesting?: string): Promise<void> {
  for (const m of mutations(seed, n, rng(seed.length), nesting)) {
    expect(() => reader.sniff(m.bytes.subarray(0, 65536), 'fuzz')).not.toThrow();
    const r = await readAll(reader, bytesInput(m.bytes, 'fuzz', 1000 + (m.bytes.length % 3000)), { maxRecordBytes: String(1024 * 1024) });
    for (const x of r.exchanges) {
      expect(x.path.startsWith('/'), `${m.what}: path ${x.path}`).toBe(true);
      expect(typeof x.host).toBe('string');
    }
  }
}

/** A minimal zip writer (stored or deflated entries) for building .saz archives in tests. */
export function zip(entries: { name: string; data: Buffer; store?: boolean; claimSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.store ? e.data : deflateRawSync(e.data);
    const crc = crc32(e.data);
    const size = e.claimSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.store ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.store ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
