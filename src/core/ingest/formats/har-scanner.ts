/**
 * Finds the elements of a HAR's `log.entries` array in a byte stream without parsing the whole
 * document: a small state machine tracks strings, escapes and nesting, and hands each entry's bytes
 * to the caller (which JSON.parses just that slice). Memory is bounded by the largest entry.
 * Tolerates a UTF-8 BOM, a JSONP wrapper `cb({...})`, and the log nested under another key.
 */
import { ReadError } from '../reader.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Entries larger than this are skipped: JSON.parse cannot hold them as one string anyway. */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
const MAX_KEY_BYTES = 64;
const MAX_DEPTH = 512;

export type ScanItem =
  | { kind: 'entry'; index: number; offset: number; bytes: Buffer }
  | { kind: 'oversize'; index: number; offset: number; size: number }
  | { kind: 'not-object'; index: number; offset: number };

interface Frame {
  /** '{' or '['. */
  type: number;
  /** The key under which this container sits in its parent object ('' in arrays / at the top). */
  key: string;
}

/** Frames inside an entry need no key (keys matter only on the way to log.entries). */
const IN_ENTRY_OBJECT: Frame = { type: LBRACE, key: '' };
const IN_ENTRY_ARRAY: Frame = { type: LBRACKET, key: '' };

export class HarEntryScanner {
  private offset = 0;
  private readonly stack: Frame[] = [];
  private inString = false;
  private escape = false;
  /** Inside an object, expecting a key (after '{' or ','). */
  private expectKey = false;
  private capturingKey = false;
  private keyBytes: number[] = [];
  private lastKey = '';
  private started = false;
  private finishedTop = false;
  /** Depth of the entries array when inside it, else -1. */
  private entriesDepth = -1;
  private foundEntries = false;
  private entryIndex = 0;
  private inEntry = false;
  /** Where the current entry starts in the current chunk (0 when it began in an earlier one). */
  private entryStart = 0;
  private entryOffset = 0;
  private entryParts: Buffer[] = [];
  private entrySize = 0;
  private entryTooBig = false;
  private prefix = '';

  get sawEntries(): boolean {
    return this.foundEntries;
  }

  get bytesScanned(): number {
    return this.offset;
  }

  *push(chunk: Buffer): Generator<ScanItem> {
    const n = chunk.length;
    let i = 0;
    if (this.offset === 0 && n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    for (; i < n; i++) {
      if (this.inEntry) {
        i = this.skipInEntry(chunk, i, n);
        if (i >= n) break;
      }
      const c = chunk[i];
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            this.lastKey = Buffer.from(this.keyBytes).toString('utf8');
          }
        } else if (this.capturingKey && this.keyBytes.length < MAX_KEY_BYTES) this.keyBytes.push(c);
        continue;
      }
      if (!this.started) {
        if (c === LBRACE) this.started = true;
        else if (c <= 0x20) continue;
        else {
          // Allow a JSONP wrapper: an identifier and '(' before the document.
          this.prefix += String.fromCharCode(c);
          if (this.prefix.length > 256 || !/^[A-Za-z_$][\w$.]*\s*\(?$/.test(this.prefix)) {
            throw new ReadError('not a HAR file: expected a JSON object', `offset ${this.offset + i}`);
          }
          continue;
        }
      }
      if (this.finishedTop) {
        if (c <= 0x20 || c === 0x29 || c === 0x3b) continue; // whitespace, ')' and ';' after JSONP
        throw new ReadError('unexpected data after the end of the HAR document', `offset ${this.offset + i}`);
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          // Keys matter only outside entries (to find log.entries); inside, skip the bookkeeping.
          if (this.expectKey && !this.inEntry) {
            this.capturingKey = true;
            this.keyBytes.length = 0;
          }
          break;
        case LBRACE:
        case LBRACKET: {
          const depth = this.stack.length;
          if (depth >= MAX_DEPTH) throw new ReadError(`JSON nested deeper than ${MAX_DEPTH} levels`, `offset ${this.offset + i}`);
          const parent = this.stack[depth - 1];
          const key = parent && parent.type === LBRACE ? this.lastKey : '';
          if (depth === this.entriesDepth && !this.inEntry) {
            // A new element of the entries array.
            if (c === LBRACE) this.beginEntry(i);
            else yield { kind: 'not-object', index: this.entryIndex++, offset: this.offset + i };
          }
          if (c === LBRACKET && key === 'entries' && this.entriesDepth === -1 && parent?.key === 'log') {
            this.entriesDepth = depth + 1;
            this.foundEntries = true;
          }
          this.stack.push({ type: c, key });
          this.expectKey = c === LBRACE;
          break;
        }
        case RBRACE:
        case RBRACKET: {
          const top = this.stack.pop();
          if (!top || (top.type === LBRACE) !== (c === RBRACE)) {
            throw new ReadError(`malformed JSON: unexpected '${String.fromCharCode(c)}'`, `offset ${this.offset + i}`);
          }
          const depth = this.stack.length;
          if (this.inEntry && depth === this.entriesDepth) {
            const item = this.endEntry(chunk, i);
            if (item) yield item;
          }
          if (this.entriesDepth !== -1 && depth === this.entriesDepth - 1) this.entriesDepth = -1;
          if (depth === 0) this.finishedTop = true;
          this.expectKey = false;
          break;
        }
        case COLON:
          this.expectKey = false;
          break;
        case COMMA:
          this.expectKey = this.stack[this.stack.length - 1]?.type === LBRACE;
          break;
        default:
          break;
      }
    }
    if (this.inEntry) {
      // The entry continues in the next chunk: keep its bytes so far (bounded by MAX_ENTRY_BYTES).
      this.appendEntryPart(chunk.subarray(this.entryStart));
      this.entryStart = 0;
    }
    this.offset += n;
  }

  /** Call at end of input: throws when the document was cut short or held no entries. */
  end(): void {
    if (!this.started) throw new ReadError('not a HAR file: the file is empty or holds no JSON object', `offset ${this.offset}`);
    if (!this.finishedTop || this.inString) throw new ReadError('file ends inside the HAR document (truncated?)', `offset ${this.offset}`);
    if (!this.foundEntries) throw new ReadError('not a HAR file: no log.entries array', `offset ${this.offset}`);
  }

  /**
   * Inside an entry only strings and nesting matter: a tight loop over them, returning the index of
   * the byte that closes the entry (or any closer at the entry's own level, left to the caller to
   * check), or `n` when the chunk ends first.
   */
  private skipInEntry(chunk: Buffer, i: number, n: number): number {
    const stack = this.stack;
    const entryDepth = this.entriesDepth + 1;
    let inString = this.inString;
    let escape = this.escape;
    for (; i < n; i++) {
      const c = chunk[i];
      if (inString) {
        if (escape) escape = false;
        else if (c === BACKSLASH) escape = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === LBRACE || c === LBRACKET) {
        if (stack.length >= MAX_DEPTH) throw new ReadError(`JSON nested deeper than ${MAX_DEPTH} levels`, `offset ${this.offset + i}`);
        stack.push(c === LBRACE ? IN_ENTRY_OBJECT : IN_ENTRY_ARRAY);
      } else if (c === RBRACE || c === RBRACKET) {
        if (stack.length <= entryDepth) break;
        const top = stack.pop()!;
        if ((top.type === LBRACE) !== (c === RBRACE)) throw new ReadError(`malformed JSON: unexpected '${String.fromCharCode(c)}'`, `offset ${this.offset + i}`);
      }
    }
    this.inString = inString;
    this.escape = escape;
    return i;
  }

  private beginEntry(i: number): void {
    this.inEntry = true;
    this.entryStart = i;
    this.entryOffset = this.offset + i;
    this.entryParts = [];
    this.entrySize = 0;
    this.entryTooBig = false;
  }

  private appendEntryPart(part: Buffer): void {
    if (this.entryTooBig) {
      this.entrySize += part.length;
      return;
    }
    this.entrySize += part.length;
    if (this.entrySize > MAX_ENTRY_BYTES) {
      this.entryTooBig = true;
      this.entryParts = [];
      return;
    }
    // Copy: the chunk's memory belongs to the stream and may be reused.
    this.entryParts.push(Buffer.from(part));
  }

  private endEntry(chunk: Buffer, i: number): ScanItem | null {
    const index = this.entryIndex++;
    const offset = this.entryOffset;
    const start = this.entryStart;
    let item: ScanItem;
    if (this.entryParts.length === 0 && !this.entryTooBig) {
      item = { kind: 'entry', index, offset, bytes: chunk.subarray(start, i + 1) };
    } else {
      this.appendEntryPart(chunk.subarray(start, i + 1));
      item = this.entryTooBig ? { kind: 'oversize', index, offset, size: this.entrySize } : { kind: 'entry', index, offset, bytes: Buffer.concat(this.entryParts) };
    }
    this.inEntry = false;
    this.entryParts = [];
    this.entryTooBig = false;
    this.entrySize = 0;
    return item;
  }
}
