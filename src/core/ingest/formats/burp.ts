import { SaxesParser } from 'saxes';
import type { Scheme } from '../../model/exchange.ts';
import { headText, ReadError } from '../reader.ts';
import type { ReadItem, Reader } from '../reader.ts';
import { DEFAULT_MAX_RECORD_BYTES, sizeOption } from './lib/bytes.ts';
import { ipOrNull } from './lib/net.ts';
import { rawPairToExchange } from './lib/raw-exchange.ts';

/**
 * Burp Suite "Save items" XML (Proxy history / Target → Save items): `<items><item>` with the
 * raw request and response, base64-encoded or as plain text (then usually in CDATA). Streamed
 * with saxes; each item's text is capped so one huge response cannot exhaust memory.
 */

const FIELDS = new Set(['time', 'url', 'host', 'port', 'protocol', 'method', 'path', 'request', 'status', 'response', 'comment', 'mimetype', 'responselength', 'extension']);

interface Item {
  fields: Map<string, string>;
  base64: Set<string>;
  ip: string | null;
  size: number;
  tooBig: boolean;
  line: number;
}

/** Java's Date.toString(): "Sun Feb 19 20:42:20 EST 2017"; zone names V8 does not know count as UTC. */
export function parseJavaDate(s: string): { time: number; zoneKnown: boolean } {
  const t = Date.parse(s);
  if (!Number.isNaN(t)) return { time: t, zoneKnown: true };
  const m = /^\w{3} (\w{3}) (\d{1,2}) (\d\d:\d\d:\d\d) (\S+) (\d{4})$/.exec(s.trim());
  if (m) {
    const utc = Date.parse(`${m[1]} ${m[2]} ${m[5]} ${m[3]} UTC`);
    if (!Number.isNaN(utc)) return { time: utc, zoneKnown: false };
  }
  return { time: NaN, zoneKnown: false };
}

/** Bytes of a plain (non-base64) message: Burp writes bytes as ISO-8859-1 characters. */
function plainBytes(text: string): Buffer {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return Buffer.from(text, 'utf8');
  return Buffer.from(text, 'latin1');
}

function messageBytes(item: Item, name: string): Buffer | null {
  const text = item.fields.get(name);
  if (text === undefined || text.trim() === '') return null;
  return item.base64.has(name) ? Buffer.from(text.replace(/\s+/g, ''), 'base64') : plainBytes(text);
}

function itemToRead(item: Item, index: number): ReadItem {
  const at = `item ${index} (line ${item.line})`;
  if (item.tooBig) return { kind: 'skip', index, at, message: 'item exceeds the record limit (option maxRecordBytes); skipped' };
  const request = messageBytes(item, 'request');
  if (!request) return { kind: 'skip', index, at, message: 'item has no request' };
  const protocol = (item.fields.get('protocol') ?? '').trim().toLowerCase();
  const scheme: Scheme = protocol === 'https' ? 'https' : 'http';
  const port = Number(item.fields.get('port'));
  try {
    const x = rawPairToExchange({
      request,
      response: messageBytes(item, 'response'),
      defaults: { scheme, host: item.fields.get('host')?.trim(), port: Number.isInteger(port) && port > 0 ? port : null },
      url: item.fields.get('url')?.trim(),
    });
    const when = parseJavaDate(item.fields.get('time') ?? '');
    x.time = Number.isNaN(when.time) ? 0 : when.time;
    x.serverIp = item.ip;
    const extra: Record<string, string | number | boolean> = { ...x.extra };
    if (!when.zoneKnown) extra.timeZoneAssumedUtc = true;
    const comment = item.fields.get('comment')?.trim();
    if (comment) extra.comment = comment;
    x.extra = Object.keys(extra).length > 0 ? extra : null;
    return { kind: 'exchange', index, exchange: x };
  } catch (err) {
    return { kind: 'skip', index, at, message: (err as Error).message };
  }
}

export const burpReader: Reader = {
  id: 'burp',
  label: 'Burp Suite saved items (XML)',
  producers: ['Burp Suite Community / Professional 1.x–2024 (Save items, base64 or plain)'],
  extensions: ['.xml', '.burp.xml'],
  sniff(head) {
    const t = headText(head);
    if (!t.trimStart().startsWith('<')) return 0;
    if (/<items\b[^>]*\bburpVersion=/.test(t)) return 0.98;
    if (/<items[\s>]/.test(t) && /<item>\s*<time>/.test(t)) return 0.9;
    return 0;
  },
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const max = sizeOption(ctx, 'maxRecordBytes', DEFAULT_MAX_RECORD_BYTES);
    const parser = new SaxesParser({ position: true });
    const out: ReadItem[] = [];
    let index = 0;
    let item: Item | null = null;
    let field: string | null = null;
    let parts: string[] = [];
    let sawItems = false;
    let fatal: Error | null = null;

    parser.on('opentag', (tag) => {
      if (fatal) return;
      if (tag.name === 'items') sawItems = true;
      else if (tag.name === 'item') {
        item = { fields: new Map(), base64: new Set(), ip: null, size: 0, tooBig: false, line: parser.line };
      } else if (item && FIELDS.has(tag.name)) {
        field = tag.name;
        parts = [];
        if (tag.attributes.base64 === 'true') item.base64.add(tag.name);
        if (tag.name === 'host' && typeof tag.attributes.ip === 'string') item.ip = ipOrNull(tag.attributes.ip);
      }
    });
    const onText = (t: string): void => {
      if (!item || !field || fatal) return;
      item.size += t.length;
      if (item.size > max) {
        item.tooBig = true;
        parts = [];
        return;
      }
      parts.push(t);
    };
    parser.on('text', onText);
    parser.on('cdata', onText);
    parser.on('closetag', (tag) => {
      if (fatal) return;
      if (item && field === tag.name) {
        if (!item.tooBig) item.fields.set(field, parts.join(''));
        field = null;
        parts = [];
      } else if (tag.name === 'item' && item) {
        index++;
        out.push(itemToRead(item, index));
        item = null;
      }
    });
    parser.on('error', (err) => {
      // saxes keeps going after an error when the handler returns; malformed XML is fatal for us.
      fatal ??= err;
    });

    const decoder = new TextDecoder('utf-8', { fatal: false });
    const check = (): void => {
      if (fatal) throw new ReadError(`malformed XML after ${index} item${index === 1 ? '' : 's'}: ${fatal.message.split('\n')[0]}`, `line ${parser.line}, column ${parser.column}`);
    };
    for await (const chunk of input.chunks()) {
      ctx.signal.throwIfAborted();
      parser.write(decoder.decode(chunk, { stream: true }));
      yield* out;
      out.length = 0;
      check();
    }
    parser.write(decoder.decode());
    if (!fatal) parser.close();
    yield* out;
    check();
    if (!sawItems) throw new ReadError('not a Burp Suite items export (no <items> element)', `line ${parser.line}`);
  },
};
