import { isUtf8 } from 'node:buffer';
import { emptyExchange, headerValue } from '../../model/exchange.ts';
import type { Exchange, Header, Scheme, WebSocketMessage } from '../../model/exchange.ts';
import { ReadError } from '../reader.ts';
import type { ReadItem, Reader } from '../reader.ts';
import { asBuffer, DEFAULT_MAX_RECORD_BYTES, sizeOption } from './lib/bytes.ts';
import { decodeContent } from './lib/content.ts';
import { splitAuthority } from './lib/http1.ts';
import { ipOrNull } from './lib/net.ts';
import { parseTnetstring, TnetstringError, TnetstringSplitter } from './tnetstring.ts';
import type { TDict, TValue } from './tnetstring.ts';

/**
 * mitmproxy flow dumps (`mitmdump -w`, the .mitm / .flows files): one tnetstring dict per flow.
 * The field layout changed across flow-format versions (mitmproxy's io/compat.py migrates them one
 * step at a time); rather than replaying every migration we read each fact from wherever the
 * versions put it:
 *
 * - 0.10–0.13: `httpversion` tuples, response `code`/`msg`; 0.14–0.15 call the body `body`.
 * - ≤ 1.0: addresses wrapped as `{address: [host, port]}`; 2.0–18 plain `[host, port]`.
 * - server IP: `peer_address` (0.17), `ip_address` (0.18–18), `peername` (19+).
 * - client address: `address` (≤ 18), `peername` (19+); 0.10 keeps it inside the request.
 * - ≤ 11: WebSocket messages live in a separate `websocket` flow that names its handshake
 *   (`metadata.websocket_handshake`); 12+ keep them on the HTTP flow (`websocket.messages`).
 * - < 9 (HTTP/2): `:authority` etc. appear among the headers; 9+ have a separate `authority`.
 */

/** Newest flow-format version this reader was written against (mitmproxy's FLOW_FORMAT_VERSION). */
export const NEWEST_FLOW_FORMAT = 21;
/** Handshakes (format ≤ 11) held while waiting for their WebSocket flows. */
const MAX_PENDING_HANDSHAKES = 1024;

function isDict(v: TValue | undefined): v is TDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function text(v: TValue | undefined): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return isUtf8(v) ? v.toString('utf8') : v.toString('latin1');
  if (typeof v === 'number') return String(v);
  return '';
}

function num(v: TValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function bytes(v: TValue | undefined): Uint8Array | null {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return null;
}

/** `(0, 10, 1)` → "0.10"; 21 → "21". */
function formatVersion(v: TValue | undefined): string {
  if (Array.isArray(v)) return v.slice(0, 2).map((x) => text(x)).join('.');
  if (typeof v === 'number') return String(v);
  return 'unknown';
}

function httpVersion(v: TValue | undefined, tuple: TValue | undefined): string {
  if (Array.isArray(tuple)) return `HTTP/${tuple.map((x) => text(x)).join('.')}`;
  const t = text(v).toUpperCase();
  if (t === 'HTTP/2.0' || t === 'HTTP/2') return 'HTTP/2';
  if (t === 'HTTP/3' || t === 'HTTP/3.0') return 'HTTP/3';
  return t || 'HTTP/1.1';
}

/** Headers as `[[name, value], …]`; HTTP/2 pseudo-headers (old formats) are returned apart. */
function headers(v: TValue | undefined): { headers: Header[]; pseudo: Map<string, string> } {
  const out: Header[] = [];
  const pseudo = new Map<string, string>();
  if (!Array.isArray(v)) return { headers: out, pseudo };
  for (const pair of v) {
    if (!Array.isArray(pair) || pair.length < 2) continue;
    const name = text(pair[0]);
    const value = text(pair[1]);
    if (name.startsWith(':')) pseudo.set(name, value);
    else if (name) out.push([name, value]);
  }
  return { headers: out, pseudo };
}

/** An address in any of its historic shapes: `[host, port…]` or `{address: [host, port]}`. */
function address(v: TValue | undefined): string | null {
  const inner = isDict(v) ? v.address : v;
  if (!Array.isArray(inner) || inner.length === 0) return null;
  return text(inner[0]) || null;
}

function websocketMessages(v: TValue | undefined): WebSocketMessage[] {
  if (!Array.isArray(v)) return [];
  const out: WebSocketMessage[] = [];
  for (const m of v) {
    // (opcode, from_client, content, timestamp, …): the first four never moved.
    if (!Array.isArray(m) || m.length < 4) continue;
    const opcode = num(m[0]) ?? 1;
    const content = bytes(m[2]) ?? new Uint8Array();
    out.push({
      direction: m[1] === true ? 'send' : 'receive',
      time: Math.round((num(m[3]) ?? 0) * 1000),
      opcode,
      data: opcode === 1 ? asBuffer(content).toString('utf8') : asBuffer(content).toString('base64'),
    });
  }
  return out;
}

/** The scheme, host and port the client addressed (mitmproxy's `pretty_host` logic). */
function target(req: TDict, reqHeaders: Header[], pseudo: Map<string, string>): Pick<Exchange, 'scheme' | 'host' | 'port'> {
  const scheme: Scheme = text(req.scheme).toLowerCase() === 'https' ? 'https' : 'http';
  const rawHost = text(req.host).toLowerCase().replace(/^\[|\]$/g, '');
  const rawPort = num(req.port);
  const authority = text(req.authority) || pseudo.get(':authority') || headerValue(reqHeaders, 'host') || '';
  const named = splitAuthority(authority.trim(), scheme);
  const defaultPort = scheme === 'https' ? 443 : 80;
  let host = rawHost;
  let port = rawPort;
  if (named) {
    host = named.host;
    // "Host: example.com" names no port: it is the connection's when that went to the same host.
    port = named.port ?? (named.host === rawHost ? rawPort : defaultPort);
  }
  return { scheme, host, port: port !== null && port !== defaultPort ? port : null };
}

export function flowToExchange(flow: TDict): Exchange {
  const req = flow.request;
  if (!isDict(req)) throw new Error('flow has no request');
  const x = emptyExchange();
  const version = formatVersion(flow.version);
  const { headers: reqHeaders, pseudo } = headers(req.headers);
  Object.assign(x, target(req, reqHeaders, pseudo));
  x.method = (text(req.method) || pseudo.get(':method') || 'GET').toUpperCase();
  const rawPath = text(req.path) || pseudo.get(':path') || '/';
  if (x.method === 'CONNECT' || rawPath === '*' || !rawPath.startsWith('/')) {
    x.path = '/';
  } else {
    const q = rawPath.indexOf('?');
    x.path = q === -1 ? rawPath : rawPath.slice(0, q) || '/';
    x.query = q === -1 || q === rawPath.length - 1 ? '' : rawPath.slice(q);
  }
  x.httpVersion = httpVersion(req.http_version, req.httpversion);
  x.requestHeaders = reqHeaders;
  const started = num(req.timestamp_start) ?? num(flow.timestamp_created);
  x.time = started !== null ? Math.round(started * 1000) : 0;
  const errors: string[] = [];

  const reqBody = bytes(req.content ?? req.body);
  if (reqBody && reqBody.length > 0) {
    const d = decodeContent(reqBody, reqHeaders);
    x.requestBody = d.body;
    x.requestSize = d.body.length;
    if (d.error) errors.push(`request ${d.error}`);
  } else if (reqBody) {
    x.requestSize = 0;
  }

  const res = flow.response;
  if (isDict(res)) {
    x.status = num(res.status_code ?? res.code);
    x.statusText = text(res.reason ?? res.msg);
    x.responseHeaders = headers(res.headers).headers;
    const body = bytes(res.content ?? res.body);
    if (body) {
      const d = decodeContent(body, x.responseHeaders);
      x.responseBody = d.body;
      x.responseSize = d.body.length;
      if (d.error) errors.push(d.error);
    }
    const ended = num(res.timestamp_end) ?? num(res.timestamp_start);
    if (started !== null && ended !== null && ended >= started) x.durationMs = Math.round((ended - started) * 1000 * 1000) / 1000;
  }

  const client = isDict(flow.client_conn) ? flow.client_conn : isDict(req.client_conn) ? req.client_conn : null;
  if (client) x.clientIp = ipOrNull(address(client.peername ?? client.address));
  const server = isDict(flow.server_conn) ? flow.server_conn : null;
  if (server) x.serverIp = ipOrNull(address(server.peername ?? server.ip_address ?? server.peer_address));

  const error = isDict(flow.error) ? text(flow.error.msg) : '';
  if (error) errors.push(error);
  else if (!isDict(res)) errors.push('no response captured');
  x.error = errors.length > 0 ? errors.join('; ') : null;

  const extra: Record<string, string | number | boolean> = { mitmproxyFlowFormat: version };
  if (isDict(flow.websocket)) {
    x.websocket = websocketMessages(flow.websocket.messages);
    x.scheme = x.scheme === 'https' ? 'wss' : 'ws';
    const code = num(flow.websocket.close_code);
    if (code !== null) extra.websocketCloseCode = code;
  }
  const id = text(flow.id);
  if (id) extra.mitmproxyFlowId = id;
  const comment = text(flow.comment);
  if (comment) extra.comment = comment;
  const replay = text(flow.is_replay);
  if (replay) extra.replay = replay;
  x.extra = extra;
  return x;
}

interface Pending {
  index: number;
  exchange: Exchange;
}

function sniffMitmproxy(head: Uint8Array): number {
  const t = asBuffer(head).toString('latin1', 0, Math.min(head.length, 4096));
  // A top-level dict whose first key is a short ASCII name: `1234:7:version;…` / `…:4:type,…`.
  if (!/^\d{1,12}:\d{1,3}:[a-z_]{1,30}[,;]/.test(t)) return 0;
  if (/\d:(client_conn|server_conn|request|response)[,;]/.test(t)) return 0.95;
  return 0.5;
}

export const mitmproxyReader: Reader = {
  id: 'mitmproxy',
  label: 'mitmproxy flow dump',
  producers: ['mitmproxy / mitmdump -w (flow formats 0.10–0.19, 1–21)'],
  extensions: ['.mitm', '.flows', '.flow', '.dump'],
  sniff: (head) => sniffMitmproxy(head),
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const splitter = new TnetstringSplitter(sizeOption(ctx, 'maxRecordBytes', DEFAULT_MAX_RECORD_BYTES));
    let index = 0;
    // Format ≤ 11: handshake flows wait here for their separate WebSocket flows.
    const handshakes = new Map<string, Pending>();
    const held: Pending[] = [];
    const flushHeld = function* (all: boolean): Generator<ReadItem> {
      while (held.length > 0 && (all || held.length > MAX_PENDING_HANDSHAKES)) {
        const p = held.shift() as Pending;
        for (const [k, v] of handshakes) if (v === p) handshakes.delete(k);
        yield { kind: 'exchange', index: p.index, exchange: p.exchange };
      }
    };
    const convert = function* (offset: number, raw: Buffer): Generator<ReadItem> {
      index++;
      const at = `flow ${index} (offset ${offset})`;
      let flow: TValue;
      try {
        flow = parseTnetstring(raw);
      } catch (err) {
        const e = err as TnetstringError;
        yield { kind: 'skip', index, at: `flow ${index} (offset ${offset + (e.offset ?? 0)})`, message: `corrupt flow: ${e.message}` };
        return;
      }
      if (!isDict(flow)) {
        yield { kind: 'skip', index, at, message: 'record is not a flow (not a dict)' };
        return;
      }
      const type = text(flow.type) || (isDict(flow.request) ? 'http' : '');
      if (type === 'websocket') {
        const meta = isDict(flow.metadata) ? flow.metadata : null;
        const handshake = handshakes.get(text(meta?.websocket_handshake));
        if (!handshake) {
          yield { kind: 'skip', index, at, message: 'WebSocket flow whose handshake flow is not in the file; messages skipped' };
          return;
        }
        const x = handshake.exchange;
        x.websocket = [...(x.websocket ?? []), ...websocketMessages(flow.messages)];
        const code = num(flow.close_code);
        if (code !== null) x.extra = { ...x.extra, websocketCloseCode: code };
        return;
      }
      if (type !== 'http') {
        yield { kind: 'skip', index, at, message: `mitmproxy ${type || 'untyped'} flow carries no HTTP exchange` };
        return;
      }
      let exchange: Exchange;
      try {
        exchange = flowToExchange(flow);
      } catch (err) {
        yield { kind: 'skip', index, at, message: (err as Error).message };
        return;
      }
      const meta = isDict(flow.metadata) ? flow.metadata : null;
      if (meta?.websocket === true && !isDict(flow.websocket)) {
        exchange.scheme = exchange.scheme === 'https' ? 'wss' : 'ws';
        const p = { index, exchange };
        handshakes.set(text(flow.id), p);
        held.push(p);
        yield* flushHeld(false);
        return;
      }
      if (held.length > 0) {
        // Keep the file's order: a held handshake goes out before anything after it.
        held.push({ index, exchange });
        yield* flushHeld(false);
        return;
      }
      yield { kind: 'exchange', index, exchange };
    };

    try {
      for await (const chunk of input.chunks()) {
        ctx.signal.throwIfAborted();
        for (const item of splitter.push(asBuffer(chunk))) {
          if (item.kind === 'oversize') {
            index++;
            yield { kind: 'skip', index, at: `flow ${index} (offset ${item.offset})`, message: `flow of ${item.length.toLocaleString('en-US')} bytes exceeds the record limit (option maxRecordBytes); skipped` };
          } else {
            yield* convert(item.offset, item.bytes);
          }
        }
      }
      splitter.end();
    } catch (err) {
      if (!(err instanceof TnetstringError)) throw err;
      yield* flushHeld(true);
      const what = index === 0 ? 'not a mitmproxy flow file' : `flow file is corrupt after ${index} flow${index === 1 ? '' : 's'}`;
      throw new ReadError(`${what}: ${err.message}`, `offset ${err.offset}`);
    }
    yield* flushHeld(true);
  },
};
