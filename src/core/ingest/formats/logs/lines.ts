import { isAscii, isUtf8 } from 'node:buffer';
import type { Exchange } from '../../../model/exchange.ts';
import type { ReadItem, ReaderContext, ReaderInput } from '../../reader.ts';
import { ContainerLines, containerLogKind } from './envelope.ts';

/**
 * Streaming line splitter shared by every line-oriented log format.
 *
 * Works on Buffers: each chunk is cut at its last newline (0x0A never occurs inside a UTF-8
 * sequence), the complete part is decoded in one native call and split with indexOf, and only the
 * unfinished tail is carried. A line longer than the limit is dropped while it streams in, so a
 * 50 MB line costs at most the limit in memory. Bytes that are not valid UTF-8 are decoded line by
 * line as Latin-1 (every byte kept, none replaced) and the line is flagged so readers can say so.
 */

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** Why a line in a batch is not plain UTF-8 text. */
export type LineNote = { readonly kind: 'latin1' } | { readonly kind: 'too-long'; readonly bytes: number };

/** Consecutive lines: line `firstLine + i` is `lines[i]` (1-based line numbers). */
export interface LineBatch {
  readonly firstLine: number;
  readonly lines: string[];
  /** Sparse: only allocated when some line of the batch is unusual. */
  readonly notes: (LineNote | undefined)[] | null;
}

export interface LineOptions {
  readonly maxLineBytes?: number;
  readonly signal?: AbortSignal;
}

const NL = 0x0a;
const EMPTY = Buffer.alloc(0);

export function maxLineBytesOption(options: Readonly<Record<string, string>>): number {
  const raw = options['maxLineBytes'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_LINE_BYTES;
}

export class LineSplitter {
  private carry: Buffer = EMPTY;
  /** Bytes of an over-long line dropped so far (-1 when not inside one). */
  private dropping = -1;
  private nextLine = 1;
  private readonly max: number;

  constructor(maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {
    this.max = maxLineBytes;
  }

  /** Splits the complete lines of `chunk` (plus what was carried); keeps the unfinished tail. */
  push(chunk: Uint8Array): LineBatch | null {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const batch = new Builder(this.nextLine);
    if (this.dropping >= 0) {
      const nl = buf.indexOf(NL);
      if (nl === -1) {
        this.dropping += buf.length;
        return null;
      }
      batch.tooLong(this.dropping + nl);
      this.dropping = -1;
      buf = buf.subarray(nl + 1);
    }
    const last = buf.lastIndexOf(NL);
    if (last === -1) {
      this.hold(buf);
    } else {
      // Only the carried line is joined (copied); the chunk's other lines are decoded in place.
      let lead = EMPTY;
      let from = 0;
      if (this.carry.length > 0) {
        from = buf.indexOf(NL) + 1;
        lead = Buffer.concat([this.carry, buf.subarray(0, from)]);
        this.carry = EMPTY;
      }
      this.split(lead, buf.subarray(from, last + 1), batch);
      this.hold(buf.subarray(last + 1));
    }
    return this.finish(batch);
  }

  /** The last line when the content does not end with a newline. */
  end(): LineBatch | null {
    const batch = new Builder(this.nextLine);
    if (this.dropping >= 0) {
      batch.tooLong(this.dropping);
      this.dropping = -1;
    } else if (this.carry.length > 0) {
      this.split(EMPTY, this.carry, batch, true);
      this.carry = EMPTY;
    }
    return this.finish(batch);
  }

  private finish(batch: Builder): LineBatch | null {
    if (batch.lines.length === 0) return null;
    // A byte-order mark (possibly cut across chunks) is not part of the first line.
    if (this.nextLine === 1 && (batch.lines[0] as string).charCodeAt(0) === 0xfeff) batch.lines[0] = (batch.lines[0] as string).slice(1);
    this.nextLine += batch.lines.length;
    return batch;
  }

  private hold(tail: Buffer): void {
    if (tail.length === 0) return;
    const total = this.carry.length + tail.length;
    if (total > this.max) {
      // The line is already too long: stop keeping its bytes.
      this.carry = EMPTY;
      this.dropping = total;
      return;
    }
    // Copy so the caller's chunk (often a reused pool slice) can be released.
    this.carry = this.carry.length > 0 ? Buffer.concat([this.carry, tail]) : Buffer.from(tail);
  }

  /**
   * `lead` + `buf` hold complete lines, each ending with '\n' unless `unterminated` (then `lead` is
   * empty). They are decoded as one text would be: both parts start at a line, so the whole is
   * ASCII (or UTF-8) exactly when both are.
   */
  private split(lead: Buffer, buf: Buffer, batch: Builder, unterminated = false): void {
    // ASCII (nearly every log) decodes as a plain byte copy into a one-byte string.
    if (isAscii(buf) && isAscii(lead)) {
      if (lead.length > 0) this.splitText(lead.toString('latin1'), batch, false);
      this.splitText(buf.toString('latin1'), batch, unterminated);
      return;
    }
    if (isUtf8(buf) && isUtf8(lead)) {
      if (lead.length > 0) this.splitText(lead.toString('utf8'), batch, false);
      this.splitText(buf.toString('utf8'), batch, unterminated);
      return;
    }
    if (lead.length > 0) this.splitBytes(lead, batch);
    this.splitBytes(buf, batch);
  }

  /** Line by line: each valid UTF-8 line as such, any other as Latin-1 (flagged). */
  private splitBytes(buf: Buffer, batch: Builder): void {
    let start = 0;
    while (start < buf.length) {
      let nl = buf.indexOf(NL, start);
      if (nl === -1) nl = buf.length;
      const line = buf.subarray(start, nl);
      if (line.length > this.max) batch.tooLong(line.length);
      else if (isUtf8(line)) batch.add(stripCr(line.toString('utf8')));
      else batch.note(stripCr(line.toString('latin1')), LATIN1);
      start = nl + 1;
    }
  }

  private splitText(text: string, batch: Builder, unterminated: boolean): void {
    const end = unterminated ? text.length + 1 : text.length;
    let start = 0;
    const max = this.max;
    while (start < end) {
      let nl = text.indexOf('\n', start);
      if (nl === -1) nl = text.length;
      if (nl - start > max) batch.tooLong(Buffer.byteLength(text.slice(start, nl)));
      else {
        const cr = nl > start && text.charCodeAt(nl - 1) === 13;
        batch.add(text.slice(start, cr ? nl - 1 : nl));
      }
      start = nl + 1;
    }
  }
}

const LATIN1: LineNote = { kind: 'latin1' };

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

class Builder implements LineBatch {
  readonly lines: string[] = [];
  notes: (LineNote | undefined)[] | null = null;
  readonly firstLine: number;
  constructor(firstLine: number) {
    this.firstLine = firstLine;
  }
  add(line: string): void {
    this.lines.push(line);
  }
  note(line: string, note: LineNote): void {
    (this.notes ??= [])[this.lines.length] = note;
    this.lines.push(line);
  }
  tooLong(bytes: number): void {
    this.note('', { kind: 'too-long', bytes });
  }
}

/** Streams the input as batches of lines, honouring the context's abort signal. */
export async function* lineBatches(input: ReaderInput, opts: LineOptions = {}): AsyncGenerator<LineBatch> {
  const splitter = new LineSplitter(opts.maxLineBytes);
  for await (const chunk of input.chunks()) {
    opts.signal?.throwIfAborted();
    const batch = splitter.push(chunk);
    if (batch) yield batch;
  }
  const last = splitter.end();
  if (last) yield last;
}

export function tooLongMessage(bytes: number, max: number): string {
  return `line is ${bytes.toLocaleString('en-US')} bytes, longer than the ${max.toLocaleString('en-US')}-byte limit; skipped`;
}

/** Options for reading lines derived from a reader context. */
export function lineOptions(ctx: ReaderContext): LineOptions {
  return { maxLineBytes: maxLineBytesOption(ctx.options), signal: ctx.signal };
}

/**
 * The first complete lines of a sniffing head (the last one is dropped when the head was cut
 * mid-line), without blank lines.
 */
export function headLines(head: Uint8Array, max = 30): string[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const parts = text.split('\n');
  if (parts.length > 1 && !text.endsWith('\n')) parts.pop();
  const out: string[] = [];
  for (let p of parts) {
    if (out.length === 0 && p.charCodeAt(0) === 0xfeff) p = p.slice(1);
    if (p.endsWith('\r')) p = p.slice(0, -1);
    if (p.trim() === '') continue;
    out.push(p);
    if (out.length >= max) break;
  }
  const kind = out.length > 0 ? containerLogKind(out[0] as string) : null;
  if (kind === null) return out;
  const unwrapper = new ContainerLines(kind, DEFAULT_MAX_LINE_BYTES);
  const inner: string[] = [];
  for (const l of out) {
    const t = unwrapper.unwrap(l);
    if (t !== null && t.trim() !== '') inner.push(t);
  }
  return inner;
}

/** Fraction of the head's lines (comments excluded) accepted by `test`, 0 when there are none. */
export function fractionAccepted(lines: readonly string[], test: (line: string) => boolean): number {
  let n = 0;
  let ok = 0;
  for (const l of lines) {
    if (l.startsWith('#')) continue;
    n++;
    if (test(l)) ok++;
  }
  return n === 0 ? 0 : ok / n;
}

/** What a line parser makes of one line: an exchange, a reason to skip it, or null to pass over it silently (comments, headers). */
export type LineOutcome = Exchange | string | null;

/**
 * The read loop every line format shares: splits, reports over-long lines, hands each line to
 * `parse` (with whether it had to be decoded as Latin-1) and yields exchanges and skips.
 * A hand-written iterator rather than an async generator: lines of a batch are handed out as
 * already-resolved promises, which is what keeps a million lines a second affordable.
 */
export function readLines(
  input: ReaderInput,
  ctx: ReaderContext,
  parse: (line: string, latin1: boolean, lineNo: number) => LineOutcome,
): AsyncIterable<ReadItem> {
  return { [Symbol.asyncIterator]: () => new LineItems(input, ctx, parse) };
}

class LineItems implements AsyncIterator<ReadItem> {
  private readonly batches: AsyncGenerator<LineBatch>;
  private readonly parse: (line: string, latin1: boolean, lineNo: number) => LineOutcome;
  private readonly max: number;
  private batch: LineBatch | null = null;
  private i = 0;
  private done = false;
  /** Container-log unwrapping, decided on the first non-blank line (undefined until then). */
  private container: ContainerLines | null | undefined = undefined;

  constructor(input: ReaderInput, ctx: ReaderContext, parse: (line: string, latin1: boolean, lineNo: number) => LineOutcome) {
    const opts = lineOptions(ctx);
    this.max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.batches = lineBatches(input, opts);
    this.parse = parse;
  }

  next(): Promise<IteratorResult<ReadItem>> {
    try {
      const item = this.fromBatch();
      if (item !== null) return Promise.resolve({ done: false, value: item });
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return this.batches.next().then((r) => {
      if (r.done) {
        this.done = true;
        return { done: true, value: undefined };
      }
      this.batch = r.value;
      this.i = 0;
      return this.next();
    });
  }

  async return(): Promise<IteratorResult<ReadItem>> {
    this.done = true;
    this.batch = null;
    await this.batches.return(undefined);
    return { done: true, value: undefined };
  }

  private fromBatch(): ReadItem | null {
    const batch = this.batch;
    if (batch === null) return null;
    const { lines, notes, firstLine } = batch;
    while (this.i < lines.length) {
      const i = this.i++;
      const no = firstLine + i;
      const note = notes === null ? undefined : notes[i];
      let out: LineOutcome;
      if (note !== undefined && note.kind === 'too-long') out = tooLongMessage(note.bytes, this.max);
      else {
        let line = lines[i] as string;
        if (line.length === 0 || (isBlankStart(line.charCodeAt(0)) && line.trim() === '')) continue;
        if (this.container !== null) {
          if (this.container === undefined) {
            const kind = containerLogKind(line);
            this.container = kind === null ? null : new ContainerLines(kind, this.max);
          }
          if (this.container !== null) {
            const inner = this.container.unwrap(line);
            if (inner === null && !this.container.tooLong) continue;
            if (inner === null) return { kind: 'skip', index: no, at: `line ${no}`, message: `container log record ending here is longer than the ${this.max.toLocaleString('en-US')}-byte limit; skipped` };
            if (inner.length === 0 || (isBlankStart(inner.charCodeAt(0)) && inner.trim() === '')) continue;
            line = inner;
          }
        }
        out = this.parse(line, note !== undefined, no);
      }
      if (out === null) continue;
      if (typeof out === 'string') return { kind: 'skip', index: no, at: `line ${no}`, message: out };
      return { kind: 'exchange', index: no, exchange: out };
    }
    this.batch = null;
    return null;
  }
}

function isBlankStart(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * An AsyncIterable whose items come from `make()`'s iterable, created on first use. Unlike an
 * async generator that `yield*`s, it hands out the inner iterator's own promises, so a reader that
 * must first look at its options or input costs nothing per item; errors from `make` surface from
 * the first `next()`, as a read error should.
 */
export function deferred<T>(make: () => AsyncIterable<T> | Promise<AsyncIterable<T>>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let inner: AsyncIterator<T> | null = null;
      const start = async (): Promise<AsyncIterator<T>> => (inner = (await make())[Symbol.asyncIterator]());
      return {
        next: () => (inner !== null ? inner.next() : start().then((it) => it.next())),
        return: async (value?: unknown) => {
          if (inner?.return) await inner.return(value);
          return { done: true, value: value as T };
        },
      };
    },
  };
}
