/**
 * What the import dialog shows before anything is written: for one chosen file, the formats that
 * claim it (ranked), the one that would be used, and its first records as that reader reads them,
 * from the file's first 64 KiB only (so previewing a 10 GB log costs nothing). The head may be the
 * raw bytes a browser read (gzip is undone here) or come from a path (Electron, CLI).
 */
import { open } from 'node:fs/promises';
import { gunzipSync, inflateSync, constants } from 'node:zlib';
import { headerValue } from '../model/exchange.ts';
import type { FormatPreview, PreviewRecord } from '../../shared/api-ingest.ts';
import { detectCompression, HEAD_BYTES } from './open.ts';
import { findFormat, FormatError, rankFormats } from './registry.ts';
import { ReadError } from './reader.ts';
import type { ReadItem } from './reader.ts';
import { isZip } from './zip.ts';

export const DEFAULT_PREVIEW_RECORDS = 10;

/** Decompresses as much of a (possibly cut) compressed head as there is. */
function inflateHead(raw: Uint8Array, compression: 'gzip' | 'zlib'): Uint8Array {
  const opts = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_BYTES * 4 };
  try {
    const out = compression === 'gzip' ? gunzipSync(raw, opts) : inflateSync(raw, opts);
    return out.subarray(0, HEAD_BYTES);
  } catch {
    return new Uint8Array(0);
  }
}

function summarise(item: ReadItem): PreviewRecord {
  if (item.kind === 'skip') return { index: item.index, kind: 'skip', at: item.at, message: item.message };
  const x = item.exchange;
  const host = x.host.includes(':') ? `[${x.host}]` : x.host;
  return {
    index: item.index,
    kind: 'exchange',
    time: Number.isFinite(x.time) && x.time > 0 ? new Date(x.time).toISOString() : null,
    method: x.method,
    // Logs often carry no host: then the path is all there is to show.
    url: host ? `${x.scheme}://${host}${x.port === null ? '' : `:${x.port}`}${x.path}${x.query}` : `${x.path}${x.query}`,
    status: x.status,
    clientIp: x.clientIp,
    contentType: headerValue(x.responseHeaders, 'content-type') ?? null,
  };
}

export interface PreviewOptions {
  /** Read as this format instead of the detected one. */
  format?: string;
  /** Reader options, e.g. `logFormat` pasted by the user. */
  options?: Record<string, string>;
  limit?: number;
  /** The whole file's size, when known: tells a cut head from a complete small file. */
  size?: number | null;
}

export async function previewHead(name: string, rawHead: Uint8Array, opts: PreviewOptions = {}): Promise<FormatPreview> {
  const compression = detectCompression(rawHead);
  const head = compression === 'none' ? rawHead.subarray(0, HEAD_BYTES) : inflateHead(rawHead, compression);
  const candidates = rankFormats(head, name);
  const base = { file: name, compression, container: null as 'zip' | null, candidates, format: null as string | null, records: [] as PreviewRecord[], error: null as string | null, partial: false };
  // A zip no reader claims is an archive of captures: each member is detected when imported.
  if (compression === 'none' && isZip(head) && !opts.format && !candidates.some((c) => c.confidence >= 0.5)) return { ...base, container: 'zip' };
  const chosen = opts.format ?? candidates[0]?.id;
  if (!chosen) return { ...base, error: `${name}: not a format Cartograph reads (pick one to force it)` };
  const reader = findFormat(chosen);
  if (!reader) throw new FormatError(`unknown format '${chosen}'`);
  const cut = opts.size === undefined || opts.size === null ? head.length >= HEAD_BYTES : head.length < opts.size;
  const limit = Math.max(1, Math.min(100, opts.limit ?? DEFAULT_PREVIEW_RECORDS));
  const records: PreviewRecord[] = [];
  const abort = new AbortController();
  let error: string | null = null;
  try {
    const input = { name, size: head.length, chunks: async function* () { yield head; } };
    for await (const item of reader.read(input, { signal: abort.signal, options: opts.options ?? {} })) {
      records.push(summarise(item));
      if (records.length >= limit) break;
    }
  } catch (err) {
    // Past the preview's cut a document format cannot finish: that is expected, not an error.
    if (!(cut && err instanceof ReadError && records.length > 0)) error = err instanceof Error ? err.message : String(err);
  } finally {
    abort.abort();
  }
  return { ...base, format: chosen, records, error, partial: cut };
}

/** A file's first 64 KiB as stored (still compressed) and its size. */
export async function readFileHead(path: string): Promise<{ head: Uint8Array; size: number }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { head: buf.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}
