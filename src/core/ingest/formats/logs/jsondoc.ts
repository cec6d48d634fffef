import type { Exchange } from '../../../model/exchange.ts';
import { ReadError } from '../../reader.ts';
import type { ReadItem, ReaderContext, ReaderInput } from '../../reader.ts';
import { lineOptions, DEFAULT_MAX_LINE_BYTES } from './lines.ts';

/**
 * Streams the records of a JSON document without holding it: the elements of a top-level array,
 * or of the `records` array of a top-level object (Azure diagnostic logs), or else the top-level
 * object itself. A scanner tracks strings and nesting, cuts out one record's text at a time and
 * parses only that; a record larger than the limit is skipped while it streams past.
 */

type Convert = (record: unknown, at: string) => Exchange | string;

export async function* readJsonDocument(input: ReaderInput, ctx: ReaderContext, convert: Convert): AsyncGenerator<ReadItem> {
  const max = lineOptions(ctx).maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let depth = 0;
  let inString = false;
  let escape = false;
  let rootKind = '';
  /** Depth of the array whose elements are records (1 = top-level array). */
  let recordDepth = -1;
  let lastString = '';
  let stringStart = -1;
  let pendingString = '';
  // Current capture: pieces of text of the record being cut out.
  let capturing = false;
  let captureDepth = 0;
  let pieces: string[] = [];
  let captured = 0;
  let tooBig = false;
  let recordNo = 0;
  let sawRecordsArray = false;
  let offset = 0;

  const out: ReadItem[] = [];
  const finish = (text: string | null): void => {
    recordNo++;
    const at = `record ${recordNo}`;
    if (text === null) {
      out.push({ kind: 'skip', index: recordNo, at, message: `record is larger than the ${max.toLocaleString('en-US')}-byte limit; skipped` });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      out.push({ kind: 'skip', index: recordNo, at, message: `invalid JSON: ${(err as Error).message}` });
      return;
    }
    const r = convert(value, at);
    if (typeof r === 'string') out.push({ kind: 'skip', index: recordNo, at, message: r });
    else out.push({ kind: 'exchange', index: recordNo, exchange: r });
  };

  const scan = (text: string): void => {
    let capFrom = capturing ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escape) escape = false;
        else if (c === 92) escape = true;
        else if (c === 34) {
          inString = false;
          if (depth === 1 && rootKind === '{') lastString = pendingString + text.slice(stringStart, i);
          pendingString = '';
          stringStart = -1;
        }
        continue;
      }
      if (c === 34) {
        inString = true;
        stringStart = i + 1;
        pendingString = '';
        continue;
      }
      if (c === 123 || c === 91) {
        if (depth === 0) {
          if (rootKind !== '') throw new ReadError('more than one JSON value at the top level', `offset ${offset + i}`);
          rootKind = c === 123 ? '{' : '[';
          if (c === 91) recordDepth = 1;
          else {
            capturing = true; // the root object itself, unless it turns out to hold `records`
            captureDepth = 0;
            capFrom = i;
          }
        } else if (depth === 1 && rootKind === '{' && c === 91 && lastString === 'records' && !sawRecordsArray) {
          sawRecordsArray = true;
          recordDepth = 2;
          capturing = false;
          pieces = [];
          captured = 0;
          capFrom = -1;
        } else if (depth === recordDepth && c === 123 && !capturing) {
          capturing = true;
          captureDepth = depth;
          capFrom = i;
          pieces = [];
          captured = 0;
          tooBig = false;
        }
        depth++;
        continue;
      }
      if (c === 125 || c === 93) {
        depth--;
        if (depth < 0) throw new ReadError('unbalanced JSON: a closing bracket without an opening one', `offset ${offset + i}`);
        if (capturing && depth === captureDepth) {
          const piece = text.slice(capFrom, i + 1);
          captured += piece.length;
          finish(tooBig || captured > max ? null : pieces.join('') + piece);
          capturing = false;
          pieces = [];
          captured = 0;
          capFrom = -1;
        }
      }
    }
    if (inString && stringStart !== -1) {
      pendingString += text.slice(stringStart);
      stringStart = 0;
      if (pendingString.length > 256) pendingString = pendingString.slice(0, 256);
    }
    if (capturing && capFrom !== -1) {
      const piece = text.slice(capFrom);
      captured += piece.length;
      if (captured > max) {
        tooBig = true;
        pieces = [];
      } else if (!tooBig) pieces.push(piece);
    }
  };

  for await (const chunk of input.chunks()) {
    ctx.signal.throwIfAborted();
    scan(decoder.decode(chunk, { stream: true }));
    offset += chunk.byteLength;
    yield* out;
    out.length = 0;
  }
  scan(decoder.decode());
  yield* out;
  out.length = 0;
  if (rootKind === '') throw new ReadError('the file holds no JSON value', `offset ${offset}`);
  if (depth !== 0 || inString) {
    throw new ReadError(`the JSON document ends early (truncated after ${recordNo} record${recordNo === 1 ? '' : 's'})`, `offset ${offset}`);
  }
}
