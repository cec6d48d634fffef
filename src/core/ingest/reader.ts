import type { Exchange } from '../model/exchange.ts';

/**
 * The one interface every import format implements (HAR, mitmproxy, Burp, logs, pcap…).
 * A reader claims a file by sniffing its first bytes, then streams records one at a time:
 * it never holds the whole file, and a bad record is reported and skipped, not fatal.
 */
export interface ReaderInput {
  /** File name, for messages and as a sniffing hint only. */
  readonly name: string;
  /** Size in bytes when known (after transparent decompression it is the compressed size). */
  readonly size: number | null;
  /** A fresh stream of the (already decompressed) content from its start. */
  chunks(): AsyncIterable<Uint8Array>;
}

export interface ReaderContext {
  readonly signal: AbortSignal;
  /** Reader-specific options chosen by the user, e.g. `logFormat` for custom access logs. */
  readonly options: Readonly<Record<string, string>>;
}

export type ReadItem =
  | { readonly kind: 'exchange'; readonly index: number; readonly exchange: Exchange }
  | { readonly kind: 'skip'; readonly index: number; readonly at: string; readonly message: string };

export interface FormatInfo {
  /** Stable id used by `--format` and stored with each source. */
  readonly id: string;
  readonly label: string;
  /** Producers and versions this reader is known to read. */
  readonly producers: readonly string[];
  readonly extensions: readonly string[];
}

export interface Reader extends FormatInfo {
  /**
   * Confidence in [0, 1] that this content is this format; 0 = not mine.
   * `head` is at most the first 64 KiB of decompressed content.
   */
  sniff(head: Uint8Array, name: string): number;
  /** Streams the records; throws ReadError when the file cannot be read any further. */
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem>;
}

/** A fatal read error, naming where in the file it happened ("offset 1234", "line 17"). */
export class ReadError extends Error {
  readonly at: string;
  constructor(message: string, at: string) {
    super(`${message} (at ${at})`);
    this.name = 'ReadError';
    this.at = at;
  }
}

export function headText(head: Uint8Array): string {
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(start));
}
