/**
 * Typed netstrings (`<length>:<data><type>`), the serialisation of mitmproxy flow dumps.
 * Types: `,` bytes, `;` UTF-8 text, `#` integer, `^` float, `!` boolean, `~` null, `]` list,
 * `}` dict (alternating keys and values). The splitter cuts a stream into top-level values by
 * their length prefix alone, so an oversized record is skipped without ever being held.
 */

export type TValue = null | boolean | number | Buffer | string | TValue[] | TDict;
export interface TDict {
  [key: string]: TValue;
}

export class TnetstringError extends Error {
  override name = 'TnetstringError';
  /** Offset within the parsed buffer. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Longest length prefix accepted (mitmproxy's own limit): 12 digits. */
const MAX_PREFIX_DIGITS = 12;
export const DEFAULT_MAX_DEPTH = 64;

const COLON = 0x3a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Parses one value at `pos`, returning it and the offset after its type byte. */
function pop(buf: Buffer, pos: number, end: number, depth: number, maxDepth: number): [TValue, number] {
  if (depth > maxDepth) throw new TnetstringError(`nesting deeper than ${maxDepth} levels`, pos);
  let i = pos;
  while (i < end && isDigit(buf[i]) && i - pos <= MAX_PREFIX_DIGITS) i++;
  if (i === pos || i >= end || buf[i] !== COLON) throw new TnetstringError('missing or invalid length prefix', pos);
  if (i - pos > MAX_PREFIX_DIGITS) throw new TnetstringError('absurdly large length prefix', pos);
  const length = Number(buf.toString('latin1', pos, i));
  const start = i + 1;
  const typeAt = start + length;
  if (typeAt >= end) throw new TnetstringError(`length prefix ${length} runs past the end of the enclosing value`, pos);
  return [parseData(buf, buf[typeAt], start, typeAt, depth, maxDepth), typeAt + 1];
}

function parseData(buf: Buffer, type: number, start: number, end: number, depth: number, maxDepth: number): TValue {
  switch (type) {
    case 0x2c: // ,
      return buf.subarray(start, end);
    case 0x3b: // ;
      return buf.toString('utf8', start, end);
    case 0x23: {
      // #
      const t = buf.toString('latin1', start, end);
      if (!/^-?\d{1,20}$/.test(t)) throw new TnetstringError(`invalid integer literal ${JSON.stringify(t.slice(0, 30))}`, start);
      return Number(t);
    }
    case 0x5e: {
      // ^
      const t = buf.toString('latin1', start, end);
      const n = Number(t);
      if (t.trim() === '' || (Number.isNaN(n) && t !== 'nan')) throw new TnetstringError(`invalid float literal ${JSON.stringify(t.slice(0, 30))}`, start);
      return n;
    }
    case 0x21: {
      // !
      const t = buf.toString('latin1', start, end);
      if (t === 'true') return true;
      if (t === 'false') return false;
      throw new TnetstringError(`invalid boolean literal ${JSON.stringify(t.slice(0, 30))}`, start);
    }
    case 0x7e: // ~
      if (end !== start) throw new TnetstringError('null literal with content', start);
      return null;
    case 0x5d: {
      // ]
      const list: TValue[] = [];
      let p = start;
      while (p < end) {
        const [v, next] = pop(buf, p, end, depth + 1, maxDepth);
        list.push(v);
        p = next;
      }
      return list;
    }
    case 0x7d: {
      // }
      const dict = Object.create(null) as TDict;
      let p = start;
      while (p < end) {
        const [k, afterKey] = pop(buf, p, end, depth + 1, maxDepth);
        if (!Buffer.isBuffer(k) && typeof k !== 'string') throw new TnetstringError('dict key is not a string', p);
        if (afterKey >= end) throw new TnetstringError('dict key without a value', p);
        const [v, next] = pop(buf, afterKey, end, depth + 1, maxDepth);
        dict[typeof k === 'string' ? k : k.toString('utf8')] = v;
        p = next;
      }
      return dict;
    }
    default:
      throw new TnetstringError(`unknown type tag ${JSON.stringify(String.fromCharCode(type))}`, end);
  }
}

/** Parses a buffer holding exactly one value. */
export function parseTnetstring(buf: Buffer, maxDepth = DEFAULT_MAX_DEPTH): TValue {
  const [value, next] = pop(buf, 0, buf.length, 0, maxDepth);
  if (next !== buf.length) throw new TnetstringError(`${buf.length - next} bytes after the value`, next);
  return value;
}

export function encodeTnetstring(value: TValue | undefined): Buffer {
  const wrap = (data: Buffer, type: string): Buffer => Buffer.concat([Buffer.from(`${data.length}:`), data, Buffer.from(type)]);
  if (value === null || value === undefined) return Buffer.from('0:~');
  if (typeof value === 'boolean') return wrap(Buffer.from(String(value)), '!');
  if (typeof value === 'number') return Number.isInteger(value) ? wrap(Buffer.from(String(value)), '#') : wrap(Buffer.from(String(value)), '^');
  if (typeof value === 'string') return wrap(Buffer.from(value, 'utf8'), ';');
  if (Buffer.isBuffer(value)) return wrap(value, ',');
  if (Array.isArray(value)) return wrap(Buffer.concat(value.map(encodeTnetstring)), ']');
  return wrap(Buffer.concat(Object.entries(value).flatMap(([k, v]) => [encodeTnetstring(k), encodeTnetstring(v)])), '}');
}

export type SplitItem =
  | { readonly kind: 'record'; readonly offset: number; readonly bytes: Buffer }
  | { readonly kind: 'oversize'; readonly offset: number; readonly length: number };

/**
 * Cuts a byte stream into top-level tnetstrings. Framing errors are fatal (the next record's start
 * is unknowable) and reported as TnetstringError with the stream offset.
 */
export class TnetstringSplitter {
  private offset = 0;
  private prefix = '';
  private recordOffset = 0;
  private record: Buffer | null = null;
  private filled = 0;
  private skipping = 0;
  private readonly maxRecord: number;

  constructor(maxRecordBytes: number) {
    this.maxRecord = maxRecordBytes;
  }

  get position(): number {
    return this.offset;
  }

  push(chunk: Buffer): SplitItem[] {
    const out: SplitItem[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, chunk.length - i);
        this.skipping -= n;
        i += n;
        this.offset += n;
        continue;
      }
      if (this.record) {
        const n = Math.min(this.record.length - this.filled, chunk.length - i);
        chunk.copy(this.record, this.filled, i, i + n);
        this.filled += n;
        i += n;
        this.offset += n;
        if (this.filled === this.record.length) {
          out.push({ kind: 'record', offset: this.recordOffset, bytes: this.record });
          this.record = null;
        }
        continue;
      }
      const c = chunk[i];
      if (this.prefix === '' && (c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09)) {
        // Whitespace between records (a trailing newline) is harmless.
        i++;
        this.offset++;
        continue;
      }
      if (this.prefix === '') this.recordOffset = this.offset;
      if (isDigit(c)) {
        this.prefix += String.fromCharCode(c);
        if (this.prefix.length > MAX_PREFIX_DIGITS) throw new TnetstringError('not a tnetstring: absurdly large length prefix', this.recordOffset);
      } else if (c === COLON && this.prefix !== '') {
        const length = Number(this.prefix);
        const total = this.prefix.length + 1 + length + 1;
        if (total > this.maxRecord) {
          out.push({ kind: 'oversize', offset: this.recordOffset, length: total });
          this.skipping = length + 1;
        } else {
          this.record = Buffer.allocUnsafe(total);
          this.record.write(`${this.prefix}:`, 0, 'latin1');
          this.filled = this.prefix.length + 1;
        }
        this.prefix = '';
      } else {
        throw new TnetstringError(`not a tnetstring: expected a length prefix, found byte 0x${c.toString(16).padStart(2, '0')}`, this.offset);
      }
      i++;
      this.offset++;
    }
    return out;
  }

  /** Throws when the stream stopped inside a record. */
  end(): void {
    if (this.record || this.prefix !== '' || this.skipping > 0) {
      throw new TnetstringError('the file ends inside a record (truncated)', this.recordOffset);
    }
  }
}
