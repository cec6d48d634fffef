import { dechunk, framing, HttpParseError, parseHead } from './http1.ts';
import type { Framing, HttpHead } from './http1.ts';

/**
 * Incremental HTTP/1.x message framing over one direction of a reassembled TCP stream. Bytes are
 * appended as they arrive; `next()` returns each complete message once all of it is there. The
 * buffer never holds more than one message (capped), and chunks are joined only when a message
 * could be complete, so a large body costs one copy rather than one per packet.
 */

export interface StreamMessage {
  head: HttpHead;
  /** Body with transfer coding removed (content coding still applied). */
  body: Buffer;
  /** Stream offsets of the message's first and one-past-last byte. */
  start: number;
  end: number;
}

const EMPTY = Buffer.alloc(0);

export class HttpStreamParser {
  private parts: Buffer[] = [];
  private size = 0;
  /** Stream offset of the first buffered byte. */
  private base = 0;
  private head: HttpHead | null = null;
  private frame: Framing | null = null;
  private lastChunkTry = 0;
  private readonly kind: 'request' | 'response';
  private readonly maxMessage: number;

  constructor(kind: 'request' | 'response', maxMessage: number) {
    this.kind = kind;
    this.maxMessage = maxMessage;
  }

  get buffered(): number {
    return this.size;
  }

  /** Stream offset where the next message starts (bytes before it are consumed). */
  get offset(): number {
    return this.base;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.size += data.length;
    if (this.size > this.maxMessage) throw new HttpParseError(`HTTP ${this.kind} exceeds the ${this.maxMessage.toLocaleString('en-US')}-byte message limit (option maxRecordBytes)`);
  }

  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0] ?? EMPTY;
  }

  private consume(n: number): void {
    const rest = this.joined().subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    this.base += n;
    this.head = null;
    this.frame = null;
    this.lastChunkTry = 0;
  }

  /** Drops blank lines some clients send between messages. */
  private skipBlank(): void {
    const b = this.joined();
    let i = 0;
    while (i < b.length && (b[i] === 0x0d || b[i] === 0x0a)) i++;
    if (i > 0) this.consume(i);
  }

  /**
   * The next complete message, or null when more bytes are needed. `requestMethod` is the method
   * of the request a response answers (HEAD and CONNECT responses have no body); `eof` says the
   * direction is closed, which completes a close-delimited response.
   */
  next(requestMethod?: string, eof = false): StreamMessage | null {
    if (this.head === null) {
      if (this.size === 0) return null;
      this.skipBlank();
      if (this.size === 0) return null;
      const head = parseHead(this.joined(), 0, this.kind);
      if (!head) {
        if (eof) throw new HttpParseError(`stream ends inside an HTTP ${this.kind} header block`);
        return null;
      }
      this.head = head;
      this.frame = framing(head, requestMethod);
    }
    const head = this.head;
    const f = this.frame as Framing;
    const start = this.base;
    if (f.kind === 'none') {
      this.consume(head.bodyStart);
      return { head, body: EMPTY, start, end: start + head.bodyStart };
    }
    if (f.kind === 'length') {
      const total = head.bodyStart + f.length;
      if (total > this.maxMessage) throw new HttpParseError(`HTTP ${this.kind} body of ${f.length.toLocaleString('en-US')} bytes exceeds the message limit (option maxRecordBytes)`);
      if (this.size < total) {
        if (eof) throw new HttpParseError(`stream ends inside an HTTP ${this.kind} body (${this.size - head.bodyStart} of ${f.length} bytes)`);
        return null;
      }
      const body = Buffer.from(this.joined().subarray(head.bodyStart, total));
      this.consume(total);
      return { head, body, start, end: start + total };
    }
    if (f.kind === 'chunked') {
      // The last chunk ends with an empty line; before that no parse can succeed.
      const b = this.joined();
      const tailBlank = b.length >= 2 && b[b.length - 1] === 0x0a && (b[b.length - 2] === 0x0a || (b[b.length - 2] === 0x0d && b[b.length - 3] === 0x0a));
      if (!tailBlank && !eof && this.size - this.lastChunkTry < 256 * 1024) return null;
      this.lastChunkTry = this.size;
      const d = dechunk(b, head.bodyStart, this.maxMessage);
      if (!d) {
        if (eof) throw new HttpParseError(`stream ends inside a chunked HTTP ${this.kind} body`);
        return null;
      }
      const body = Buffer.from(d.body);
      this.consume(d.end);
      return { head, body, start, end: start + d.end };
    }
    // Close-delimited response: everything until the server closes.
    if (!eof) return null;
    const b = this.joined();
    const body = Buffer.from(b.subarray(head.bodyStart));
    this.consume(b.length);
    return { head, body, start, end: start + b.length };
  }
}
