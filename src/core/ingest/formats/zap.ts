import { headerValue } from '../../model/exchange.ts';
import { ReadError } from '../reader.ts';
import type { ReadItem, Reader } from '../reader.ts';
import { asBuffer, DEFAULT_MAX_RECORD_BYTES, sizeOption } from './lib/bytes.ts';
import { findHeadEnd, framing, HttpParseError, parseHead } from './lib/http1.ts';
import { rawPairToExchange } from './lib/raw-exchange.ts';

/**
 * OWASP ZAP "Export Messages to File" (History → Export → Messages, the exim add-on), which ZAP
 * itself re-imports as a "ZAP log": each message starts with a separator line `==== <history id>
 * ==========` (older builds `===<id> ==========`), then the request header with an absolute URL,
 * the request body, and the response header and body, each body followed by a newline when it does
 * not end with one. Nothing delimits a request body from the response but the response's status
 * line, so Content-Length is used when present. The export has no timestamps: the response's
 * Date header (1 s resolution) stands in when there is one.
 */

const SEPARATOR = /^={3,}\s?(\d+)\s={3,}[ \t]*\r?$/;
const STATUS_LINE = /(^|\n)HTTP\/\d(?:\.\d)? \d{3}[^\n]*\r?\n/g;

function splitBlock(block: Buffer): { request: Buffer; response: Buffer | null } {
  const head = parseHead(block, 0, 'request');
  if (!head) throw new HttpParseError('request header block is incomplete');
  let bodyEnd: number | null = null;
  const f = framing(head);
  if (f.kind === 'length') bodyEnd = head.bodyStart + f.length;
  // Find the response status line after the request head (and after its declared body).
  const text = block.toString('latin1');
  STATUS_LINE.lastIndex = bodyEnd ?? head.bodyStart;
  const m = STATUS_LINE.exec(text);
  const resStart = m ? m.index + m[1].length : -1;
  const reqEnd = resStart === -1 ? block.length : bodyEnd !== null ? Math.min(bodyEnd, resStart) : resStart;
  let request = block.subarray(0, reqEnd);
  // The exporter adds a newline after a body that lacks one; it is not part of the body.
  if (bodyEnd === null && request.length > head.bodyStart && request[request.length - 1] === 0x0a) request = request.subarray(0, request.length - 1);
  if (resStart === -1) return { request, response: null };
  let response = block.subarray(resStart);
  const resHead = findHeadEnd(response);
  if (resHead && response.length > resHead.bodyStart && response[response.length - 1] === 0x0a) {
    const parsed = parseHead(response, 0, 'response');
    const rf = parsed ? framing(parsed) : null;
    if (!rf || rf.kind !== 'length' || response.length - parsed!.bodyStart > rf.length) response = response.subarray(0, response.length - 1);
  }
  return { request, response };
}

function blockToItem(block: Buffer, index: number, historyId: string, line: number): ReadItem {
  const at = `message ${index} (ZAP history id ${historyId}, line ${line})`;
  try {
    const { request, response } = splitBlock(block);
    const x = rawPairToExchange({ request, response, defaults: { scheme: 'http' } });
    const date = Date.parse(headerValue(x.responseHeaders, 'date') ?? '');
    x.time = Number.isNaN(date) ? 0 : date;
    x.extra = { ...x.extra, zapHistoryId: Number(historyId), timeFrom: Number.isNaN(date) ? 'none' : 'response Date header' };
    return { kind: 'exchange', index, exchange: x };
  } catch (err) {
    return { kind: 'skip', index, at, message: (err as Error).message };
  }
}

export const zapMessagesReader: Reader = {
  id: 'zap-messages',
  label: 'OWASP ZAP exported messages (text)',
  producers: ['OWASP ZAP 2.x Export Messages to File (exim add-on)'],
  extensions: ['.txt', '.zap'],
  sniff(head) {
    const t = asBuffer(head).toString('latin1', 0, Math.min(head.length, 4096));
    const first = /^\s*(={3,}\s?\d+\s={3,})[ \t]*\r?\n([^\r\n]*)/.exec(t);
    if (!first) return 0;
    return /^[A-Z]+ \S+ HTTP\/\d/.test(first[2]) ? 0.95 : 0.6;
  },
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const max = sizeOption(ctx, 'maxRecordBytes', DEFAULT_MAX_RECORD_BYTES);
    let parts: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    let current: { id: string; line: number } | null = null;
    let index = 0;
    let line = 0;
    let carry = Buffer.alloc(0);
    let sawText = false;

    const finish = (): ReadItem | null => {
      if (!current) return null;
      index++;
      const block = Buffer.concat(parts, size);
      parts = [];
      size = 0;
      if (tooBig) {
        tooBig = false;
        return { kind: 'skip', index, at: `message ${index} (line ${current.line})`, message: 'message exceeds the record limit (option maxRecordBytes); skipped' };
      }
      return blockToItem(block, index, current.id, current.line);
    };
    const addLine = (bytes: Buffer): ReadItem | null => {
      line++;
      const sep = bytes.length < 64 ? SEPARATOR.exec(bytes.toString('latin1').replace(/\n$/, '')) : null;
      if (sep) {
        const item = finish();
        current = { id: sep[1], line };
        return item;
      }
      if (!current) {
        if (bytes.toString('latin1').trim() === '') return null;
        if (!sawText) throw new ReadError('not a ZAP message export: the file does not start with a "==== <id> ==========" separator', `line ${line}`);
      }
      sawText = true;
      size += bytes.length;
      if (size > max) {
        tooBig = true;
        parts = [];
      } else if (!tooBig) parts.push(bytes);
      return null;
    };

    for await (const chunk of input.chunks()) {
      ctx.signal.throwIfAborted();
      const buf = carry.length > 0 ? Buffer.concat([carry, asBuffer(chunk)]) : asBuffer(chunk);
      let start = 0;
      for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
        const item = addLine(Buffer.from(buf.subarray(start, nl + 1)));
        if (item) yield item;
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
      if (carry.length > max) {
        // A giant line: it belongs to the current message, which is too big anyway.
        tooBig = true;
        parts = [];
        carry = Buffer.alloc(0);
      }
    }
    if (carry.length > 0) {
      const item = addLine(carry);
      if (item) yield item;
    }
    const last = finish();
    if (last) yield last;
    if (index === 0) throw new ReadError('not a ZAP message export: no "==== <id> ==========" separator found', `line ${line}`);
  },
};
