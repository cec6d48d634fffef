/**
 * Exports a selection of stored exchanges as a HAR 1.2 document: the traffic matching a
 * filter-language expression, or a finding's evidence requests. Written as a stream, a small batch
 * of exchanges at a time (no SQLite iterator stays open across a write, so the service can keep
 * writing to the workspace meanwhile), so memory is bounded whatever the selection's size.
 * Secrets are redacted unless the caller explicitly keeps them.
 */
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { isUtf8 } from 'node:buffer';
import type { Writable } from 'node:stream';
import { ApiError } from '../../shared/api.ts';
import { headerValue, headerValues } from '../model/exchange.ts';
import type { Header, StoredExchange } from '../model/exchange.ts';
import type { Db } from '../store/db.ts';
import { compileForApi, iterateExchanges, readExchange } from '../store/exchanges.ts';
import { redactBodyText, redactHeaders, redactQuery, redactTokens, REDACTED } from './redact.ts';

export interface HarExportOptions {
  /** Filter-language expression; empty means every exchange. Ignored when `ids` is given. */
  filter?: string;
  /** Exact exchanges to export (a finding's evidence), in this order. */
  ids?: readonly number[];
  /** Keep credentials and tokens as captured (default: redacted). */
  keepSecrets?: boolean;
  /** Creator recorded in the HAR log. */
  creator?: { name: string; version: string };
  signal?: AbortSignal;
}

export interface HarExportResult {
  entries: number;
  bytes: number;
  redacted: boolean;
}

const BATCH = 64;
const DEFAULT_CREATOR = { name: 'Cartograph', version: '0.1.0' };

interface HarNameValue {
  name: string;
  value: string;
}

const pairs = (headers: readonly Header[]): HarNameValue[] => headers.map(([name, value]) => ({ name, value }));

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function queryString(query: string): HarNameValue[] {
  if (!query || query === '?') return [];
  return query
    .slice(query.startsWith('?') ? 1 : 0)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq === -1 ? { name: decodeComponent(p), value: '' } : { name: decodeComponent(p.slice(0, eq)), value: decodeComponent(p.slice(eq + 1)) };
    });
}

function cookiesOf(headers: readonly Header[], name: 'cookie' | 'set-cookie'): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const v of headerValues(headers, name)) {
    const parts = name === 'cookie' ? v.split(/;\s*/) : [v.split(';', 1)[0] ?? ''];
    for (const part of parts) {
      const eq = part.indexOf('=');
      if (eq > 0) out.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
    }
  }
  return out;
}

function bodyText(body: Uint8Array, mime: string, redact: boolean): { text: string; encoding?: 'base64' } {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!isUtf8(buf)) return { text: buf.toString('base64'), encoding: 'base64' };
  const text = buf.toString('utf8');
  return { text: redact ? redactBodyText(text, mime) : text };
}

/** Stands in for the host of an exchange whose capture never named one (many access logs). */
export const UNKNOWN_HOST = 'host.invalid';

function url(x: StoredExchange, query: string): string {
  // HAR needs an absolute URL; RFC 2606's .invalid says plainly that the capture had no host.
  const name = x.host || x.serverIp || UNKNOWN_HOST;
  const host = name.includes(':') ? `[${name}]` : name;
  return `${x.scheme}://${host}${x.port === null ? '' : `:${x.port}`}${x.path}${query}`;
}

/** One exchange as a HAR 1.2 entry (with `_cartograph*` extension fields for provenance). */
export function harEntry(x: StoredExchange, keepSecrets = false): Record<string, unknown> {
  const redact = !keepSecrets;
  const reqHeaders = redact ? redactHeaders(x.requestHeaders) : x.requestHeaders;
  const resHeaders = redact ? redactHeaders(x.responseHeaders) : x.responseHeaders;
  const query = redact ? redactQuery(x.query) : x.query;
  const reqMime = headerValue(x.requestHeaders, 'content-type') ?? 'application/octet-stream';
  const resMime = headerValue(x.responseHeaders, 'content-type') ?? (x.responseBody?.length ? 'application/octet-stream' : '');
  const request: Record<string, unknown> = {
    method: x.method,
    url: url(x, query),
    httpVersion: x.httpVersion || 'HTTP/1.1',
    cookies: cookiesOf(reqHeaders, 'cookie'),
    headers: pairs(reqHeaders),
    queryString: queryString(query),
    headersSize: -1,
    bodySize: x.requestBody ? x.requestBody.length : (x.requestSize ?? -1),
  };
  if (x.requestBody && x.requestBody.length > 0) {
    const b = bodyText(x.requestBody, reqMime, redact);
    request.postData = { mimeType: reqMime, text: b.text, ...(b.encoding ? { _encoding: b.encoding } : {}) };
  }
  const content: Record<string, unknown> = { size: x.responseBody ? x.responseBody.length : (x.responseSize ?? 0), mimeType: resMime };
  if (x.responseBody && x.responseBody.length > 0) Object.assign(content, bodyText(x.responseBody, resMime, redact));
  const location = headerValue(resHeaders, 'location') ?? '';
  const duration = x.durationMs !== null && x.durationMs >= 0 ? x.durationMs : 0;
  const entry: Record<string, unknown> = {
    startedDateTime: new Date(Number.isFinite(x.time) ? x.time : 0).toISOString(),
    time: duration,
    request,
    response: {
      status: x.status ?? 0,
      statusText: x.statusText ?? '',
      httpVersion: x.httpVersion || 'HTTP/1.1',
      cookies: cookiesOf(resHeaders, 'set-cookie'),
      headers: pairs(resHeaders),
      content,
      redirectURL: redact ? redactTokens(location) : location,
      headersSize: -1,
      bodySize: x.responseBody ? x.responseBody.length : (x.responseSize ?? -1),
      ...(x.error ? { _error: x.error } : {}),
    },
    cache: {},
    timings: { send: 0, wait: duration, receive: 0 },
    _cartographId: x.id,
  };
  if (x.serverIp) entry.serverIPAddress = x.serverIp;
  if (x.websocket?.length) entry._webSocketMessages = x.websocket.map((m) => ({ type: m.direction, time: m.time / 1000, opcode: m.opcode, data: redact ? redactTokens(m.data) : m.data }));
  return entry;
}

/** Exchanges in batches, each batch read with no iterator left open. */
function* batches(db: Db, opts: HarExportOptions): Generator<StoredExchange[]> {
  if (opts.ids) {
    for (let i = 0; i < opts.ids.length; i += BATCH) {
      const batch: StoredExchange[] = [];
      for (const id of opts.ids.slice(i, i + BATCH)) {
        try {
          batch.push(readExchange(db, id));
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'not-found')) throw err;
          // evidence of a finding whose exchange was since deleted: nothing to export
        }
      }
      yield batch;
    }
    return;
  }
  const user = opts.filter?.trim() ? `(${opts.filter}) and ` : '';
  let last = 0;
  for (;;) {
    const batch: StoredExchange[] = [];
    for (const x of iterateExchanges(db, { filter: `${user}id > ${last}`, withBodies: true, order: 'id' })) {
      batch.push(x);
      if (batch.length === BATCH) break; // leaving the loop closes the statement
    }
    if (batch.length === 0) return;
    last = batch[batch.length - 1]!.id;
    yield batch;
    if (batch.length < BATCH) return;
  }
}

/** The evidence exchange ids of a stored finding, in id order. */
export function findingExchangeIds(db: Db, findingId: string): number[] {
  const found = db.prepare('SELECT 1 FROM findings WHERE id = ?').get(findingId);
  if (!found) throw new ApiError('not-found', `no finding with id ${findingId}`);
  return (db.prepare('SELECT exchange_id AS id FROM finding_requests WHERE finding_id = ? ORDER BY exchange_id').all(findingId) as { id: number }[]).map((r) => r.id);
}

async function write(out: Writable, text: string): Promise<number> {
  const bytes = Buffer.byteLength(text);
  if (!out.write(text)) await once(out, 'drain');
  return bytes;
}

/** Streams the selection as HAR 1.2 to a writable; the caller ends it. */
export async function writeHar(db: Db, out: Writable, opts: HarExportOptions = {}): Promise<HarExportResult> {
  if (!opts.ids) compileForApi(opts.filter); // a bad filter fails here, before a byte is written
  const redacted = opts.keepSecrets !== true;
  const comment = redacted ? `Exported by Cartograph; credentials and tokens replaced by ${REDACTED}.` : 'Exported by Cartograph with secrets kept as captured.';
  let bytes = await write(out, `{"log":{"version":"1.2","creator":${JSON.stringify(opts.creator ?? DEFAULT_CREATOR)},"comment":${JSON.stringify(comment)},"pages":[],"entries":[`);
  let entries = 0;
  for (const batch of batches(db, opts)) {
    opts.signal?.throwIfAborted();
    let chunk = '';
    for (const x of batch) chunk += `${entries++ === 0 ? '\n' : ',\n'}${JSON.stringify(harEntry(x, !redacted))}`;
    bytes += await write(out, chunk);
  }
  bytes += await write(out, '\n]}}\n');
  return { entries, bytes, redacted };
}

/** Writes the selection to a file (created or replaced); on failure no partial file is left. */
export async function exportHarFile(db: Db, path: string, opts: HarExportOptions = {}): Promise<HarExportResult> {
  if (!opts.ids) compileForApi(opts.filter);
  const out = createWriteStream(path, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {}); // observed through the races below
  try {
    const result = await Promise.race([writeHar(db, out, opts), failed]);
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return result;
  } catch (err) {
    out.destroy();
    rmSync(path, { force: true }); // half a HAR is not a HAR
    throw err;
  }
}
