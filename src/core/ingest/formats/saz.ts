import { SaxesParser } from 'saxes';
import * as yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import type { Scheme } from '../../model/exchange.ts';
import { ReadError } from '../reader.ts';
import type { ReadItem, Reader, ReaderContext } from '../reader.ts';
import { asBuffer, DEFAULT_MAX_RECORD_BYTES, sizeOption } from './lib/bytes.ts';
import { HttpParseError, parseHead } from './lib/http1.ts';
import { ipOrNull } from './lib/net.ts';
import { rawPairToExchange } from './lib/raw-exchange.ts';
import { spool } from './lib/spool.ts';

/**
 * Fiddler Session Archive (.saz): a zip holding, per session NN, `raw/NN_c.txt` (the request as
 * sent), `raw/NN_s.txt` (the response) and `raw/NN_m.xml` (timers and session flags such as the
 * client and server IP). The zip's central directory is read first to group the files by session;
 * sessions are then read one at a time, each file's decompressed size capped so a zip bomb ends in
 * a skipped session rather than an exhausted machine.
 */

const SESSION_FILE = /^raw\/0*(\d+)_([csm])\.(txt|xml)$/i;
const MAX_SESSIONS = 2_000_000;
/** Total decompressed bytes allowed per archive byte (and at least 1 GiB), as for gzip inputs. */
const MAX_EXPANSION = 200;
const MIN_TOTAL = 1024 * 1024 * 1024;

interface SessionFiles {
  c?: yauzl.Entry;
  s?: yauzl.Entry;
  m?: yauzl.Entry;
}

interface Meta {
  https: boolean;
  begin: number;
  end: number;
  clientIp: string | null;
  serverIp: string | null;
  comment: string;
  aborted: boolean;
}

function fiddlerTime(v: string | undefined): number {
  if (!v || v.startsWith('0001-01-01')) return NaN;
  // Fiddler writes 7 fractional digits; Date.parse accepts at most 3.
  return Date.parse(v.replace(/(\.\d{3})\d+/, '$1'));
}

export function parseSessionMeta(xml: string): Meta {
  const meta: Meta = { https: false, begin: NaN, end: NaN, clientIp: null, serverIp: null, comment: '', aborted: false };
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    if (tag.name === 'Session') {
      const flags = Number(a.BitFlags);
      // SessionFlags.IsHTTPS = 1, ProtocolViolationInResponse… see Fiddler's SessionFlags enum.
      meta.https = Number.isInteger(flags) && (flags & 1) === 1;
    } else if (tag.name === 'SessionTimers') {
      meta.begin = fiddlerTime(a.ClientBeginRequest) || fiddlerTime(a.ClientConnected);
      meta.end = fiddlerTime(a.ClientDoneResponse) || fiddlerTime(a.ServerDoneResponse);
    } else if (tag.name === 'SessionFlag') {
      const n = (a.N ?? '').toLowerCase();
      if (n === 'x-clientip') meta.clientIp = ipOrNull(a.V);
      else if (n === 'x-hostip') meta.serverIp = ipOrNull(a.V);
      else if (n === 'ui-comments') meta.comment = a.V ?? '';
      else if (n === 'x-aborted' || n === 'x-failed') meta.aborted = true;
    }
  });
  parser.on('error', () => {
    // A damaged metadata file only costs timings; the request and response still stand.
  });
  parser.write(xml.replace(/^\uFEFF/, '')).close();
  return meta;
}

/**
 * An archive held in memory is read synchronously: one inflateRawSync per file costs a fraction of
 * a zlib stream's setup, which dominated reading archives of many small sessions.
 */
function readEntryFromBuffer(buffer: Buffer, entry: yauzl.Entry, max: number): Buffer {
  const local = entry.relativeOffsetOfLocalHeader;
  if (local + 30 > buffer.length || buffer.readUInt32LE(local) !== 0x04034b50) throw new HttpParseError(`${entry.fileName}: no local file header where the central directory points`);
  const fileDataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
  const end = fileDataStart + entry.compressedSize;
  if (end > buffer.length) throw new HttpParseError(`${entry.fileName} runs past the end of the archive`);
  const packed = buffer.subarray(fileDataStart, end);
  let out: Buffer;
  if (entry.compressionMethod === 0) out = Buffer.from(packed);
  else if (entry.compressionMethod === 8) {
    try {
      out = inflateRawSync(packed, { maxOutputLength: max + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpParseError(`${entry.fileName} decompresses past the record limit`);
      throw new HttpParseError(`${entry.fileName}: corrupt deflate data (${(err as Error).message})`);
    }
  } else throw new HttpParseError(`${entry.fileName}: unsupported zip compression method ${entry.compressionMethod}`);
  if (out.length > max) throw new HttpParseError(`${entry.fileName} decompresses past the record limit`);
  if (out.length !== entry.uncompressedSize) throw new HttpParseError(`${entry.fileName}: decompressed to ${out.length} bytes, the archive says ${entry.uncompressedSize}`);
  return out;
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number, budget: { left: number }, buffer: Buffer | null): Promise<Buffer> {
  if (entry.uncompressedSize > max) throw new HttpParseError(`${entry.fileName} declares ${entry.uncompressedSize.toLocaleString('en-US')} bytes, over the record limit (option maxRecordBytes)`);
  if (entry.uncompressedSize > budget.left) throw new ReadError('the archive decompresses to far more than its size: refusing a likely zip bomb', entry.fileName);
  if (buffer) {
    const out = readEntryFromBuffer(buffer, entry, max);
    budget.left -= out.length;
    return out;
  }
  const stream: Readable = await zip.openReadStreamPromise(entry);
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      n += (chunk as Buffer).length;
      // yauzl also checks the declared size; this guards a lying header before it gets there.
      if (n > max) throw new HttpParseError(`${entry.fileName} decompresses past the record limit`);
      parts.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  budget.left -= n;
  return Buffer.concat(parts, n);
}

async function listSessions(zip: yauzl.ZipFile): Promise<Map<number, SessionFiles>> {
  const sessions = new Map<number, SessionFiles>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const m = SESSION_FILE.exec(entry.fileName);
      if (m) {
        const id = Number(m[1]);
        let s = sessions.get(id);
        if (!s) {
          if (sessions.size >= MAX_SESSIONS) {
            reject(new ReadError(`more than ${MAX_SESSIONS.toLocaleString('en-US')} sessions`, entry.fileName));
            return;
          }
          s = {};
          sessions.set(id, s);
        }
        s[m[2].toLowerCase() as 'c' | 's' | 'm'] = entry;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: Error) => reject(err));
    zip.readEntry();
  });
  return sessions;
}

async function sessionToItem(zip: yauzl.ZipFile, buffer: Buffer | null, id: number, files: SessionFiles, index: number, max: number, budget: { left: number }): Promise<ReadItem> {
  const at = `session ${id} (raw/${id}_c.txt)`;
  if (!files.c) return { kind: 'skip', index, at, message: 'session has no request file (raw/NN_c.txt)' };
  try {
    const request = await readEntry(zip, files.c, max, budget, buffer);
    const head = parseHead(request, 0, 'request');
    if (head?.kind === 'request' && head.method === 'CONNECT') {
      return { kind: 'skip', index, at, message: `CONNECT tunnel to ${head.target} (not decrypted by Fiddler): no HTTP exchange inside` };
    }
    const response = files.s ? await readEntry(zip, files.s, max, budget, buffer) : null;
    const meta = files.m ? parseSessionMeta((await readEntry(zip, files.m, max, budget, buffer)).toString('utf8')) : null;
    const scheme: Scheme = meta?.https ? 'https' : 'http';
    const x = rawPairToExchange({ request, response, defaults: { scheme } });
    if (meta) {
      x.time = Number.isNaN(meta.begin) ? 0 : meta.begin;
      if (!Number.isNaN(meta.begin) && !Number.isNaN(meta.end) && meta.end >= meta.begin) x.durationMs = meta.end - meta.begin;
      x.clientIp = meta.clientIp;
      x.serverIp = meta.serverIp;
      if (meta.aborted && x.status === null) x.error = 'session aborted (Fiddler x-aborted)';
    }
    x.extra = { ...x.extra, fiddlerSession: id, ...(meta?.comment ? { comment: meta.comment } : {}) };
    return { kind: 'exchange', index, exchange: x };
  } catch (err) {
    if (err instanceof ReadError) throw err;
    return { kind: 'skip', index, at, message: (err as Error).message };
  }
}

async function openZip(source: Buffer | string): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false };
  return typeof source === 'string' ? yauzl.openPromise(source, options) : yauzl.fromBufferPromise(source, options);
}

async function* readSaz(input: Parameters<Reader['read']>[0], ctx: ReaderContext): AsyncGenerator<ReadItem> {
  const max = sizeOption(ctx, 'maxRecordBytes', DEFAULT_MAX_RECORD_BYTES);
  const spooled = await spool(input, ctx);
  let zip: yauzl.ZipFile | null = null;
  try {
    const size = spooled.kind === 'buffer' ? spooled.buffer.length : (input.size ?? 0);
    try {
      zip = await openZip(spooled.kind === 'buffer' ? spooled.buffer : spooled.path);
    } catch (err) {
      throw new ReadError(`not a readable zip archive: ${(err as Error).message}`, 'zip central directory');
    }
    let sessions: Map<number, SessionFiles>;
    try {
      sessions = await listSessions(zip);
    } catch (err) {
      if (err instanceof ReadError) throw err;
      throw new ReadError(`corrupt zip archive: ${(err as Error).message}`, 'zip central directory');
    }
    if (sessions.size === 0) throw new ReadError('zip archive holds no Fiddler sessions (raw/NN_c.txt)', 'zip central directory');
    const budget = { left: Math.max(MIN_TOTAL, size * MAX_EXPANSION) };
    let index = 0;
    for (const id of [...sessions.keys()].sort((a, b) => a - b)) {
      ctx.signal.throwIfAborted();
      index++;
      yield await sessionToItem(zip, spooled.kind === 'buffer' ? spooled.buffer : null, id, sessions.get(id) as SessionFiles, index, max, budget);
    }
  } finally {
    zip?.close();
    spooled.dispose();
  }
}

export const sazReader: Reader = {
  id: 'saz',
  label: 'Fiddler session archive (.saz)',
  producers: ['Fiddler Classic 2.x–5.x', 'Fiddler Everywhere (SAZ export)'],
  extensions: ['.saz'],
  sniff(head, name) {
    if (head[0] !== 0x50 || head[1] !== 0x4b || head[2] !== 0x03 || head[3] !== 0x04) return 0;
    const t = asBuffer(head).toString('latin1');
    if (/raw\/0*\d+_[csm]\.(txt|xml)/i.test(t)) return 0.95;
    if (/\.saz$/i.test(name)) return 0.7;
    return t.includes('raw/') ? 0.5 : 0;
  },
  read: readSaz,
};
