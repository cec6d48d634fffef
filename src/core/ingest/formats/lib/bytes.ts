import { isUtf8 } from 'node:buffer';
import { ReadError } from '../../reader.ts';
import type { ReaderContext, ReaderInput } from '../../reader.ts';

/** Largest whole document the document-shaped readers (Postman, Insomnia, APIClarity) accept. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;
/** Largest single record (flow, item, session, HTTP message) a record-streaming reader accepts. */
export const DEFAULT_MAX_RECORD_BYTES = 128 * 1024 * 1024;

export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A positive integer option (`maxRecordBytes`, `maxDocumentBytes`…) or the default. */
export function sizeOption(ctx: ReaderContext, key: string, fallback: number): number {
  const n = Number(ctx.options[key]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Reads a whole (small) document, refusing one larger than `max` bytes before holding it. */
export async function readWhole(input: ReaderInput, ctx: ReaderContext, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of input.chunks()) {
    ctx.signal.throwIfAborted();
    n += chunk.byteLength;
    if (n > max) throw new ReadError(`${what} is larger than the ${max.toLocaleString('en-US')}-byte limit for a single document (option maxDocumentBytes)`, `offset ${max}`);
    parts.push(asBuffer(chunk));
  }
  return Buffer.concat(parts, n);
}

/** Text of bytes that should be UTF-8; Latin-1 when they are not, so no byte is lost or replaced. */
export function bytesText(b: Uint8Array): string {
  const buf = asBuffer(b);
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
}

/** Strips a UTF-8 byte order mark (Fiddler and Windows tools add one). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A file name's extension test, case-insensitive. */
export function hasExtension(name: string, ...exts: string[]): boolean {
  const lower = name.toLowerCase();
  return exts.some((e) => lower.endsWith(e));
}

/** Deepest JSON / YAML flow nesting worth parsing; hostile input nests far deeper to exhaust the stack. */
export const MAX_NESTING = 512;

/**
 * True when brackets nest deeper than `limit` anywhere in the text (string contents are skipped).
 * A linear pre-check so recursive parsers (YAML) never meet input that costs seconds to reject.
 */
export function nestsDeeperThan(text: string, limit = MAX_NESTING): boolean {
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === 0x5c) i++;
      else if (c === quote) quote = 0;
    } else if (c === 0x22) quote = c;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
  }
  return false;
}
