import { emptyExchange } from '../../model/exchange.ts';
import type { Exchange } from '../../model/exchange.ts';
import { ReadError } from '../reader.ts';
import type { ReadItem, Reader } from '../reader.ts';
import { asBuffer, DEFAULT_MAX_RECORD_BYTES, sizeOption } from './lib/bytes.ts';
import { decodeContent } from './lib/content.ts';
import { applyRequestHead, applyResponseHead, HttpParseError } from './lib/http1.ts';
import type { RequestHead, ResponseHead } from './lib/http1.ts';
import { HttpStreamParser } from './lib/http1-stream.ts';
import type { StreamMessage } from './lib/http1-stream.ts';
import { decodePacket } from './lib/packet.ts';
import type { TcpSegment } from './lib/packet.ts';
import { CaptureError, captureKind, CaptureSplitter } from './lib/pcap-file.ts';
import type { Packet } from './lib/pcap-file.ts';
import { TcpDirection } from './lib/tcp.ts';
import type { Delivered } from './lib/tcp.ts';

/**
 * Packet captures (pcap / pcapng) of cleartext HTTP/1.x: TCP streams are reassembled per
 * connection, requests and responses framed (Content-Length, chunked, until close) and paired in
 * order, content coding undone. TLS connections cannot be read without keys and are reported, one
 * skip per connection; other non-HTTP traffic is summarised at the end. Memory is bounded by the
 * per-direction reorder buffer, the per-message cap and the number of open connections.
 */

const MAX_CONNECTIONS = 20_000;
const MAX_REORDER_BYTES = 8 * 1024 * 1024;
const HTTP_REQUEST_START = /^[A-Z][A-Z0-9_-]{1,19} [^\s]+ HTTP\/1\.[01]\r?$/;

type State = 'unknown' | 'http' | 'tls' | 'other' | 'broken' | 'upgraded';

interface Side {
  ip: string;
  port: number;
}

interface PendingRequest {
  msg: StreamMessage & { head: RequestHead };
  time: number;
}

interface Conn {
  sides: [Side, Side];
  dirs: [TcpDirection, TcpDirection];
  /** Marks of (stream offset, packet time) per direction, to time messages. */
  marks: [[number, number][], [number, number][]];
  client: 0 | 1 | null;
  state: State;
  parsers: [HttpStreamParser, HttpStreamParser] | null;
  queue: PendingRequest[];
  eof: [boolean, boolean];
  firstPacket: number;
}

function endpoint(s: Side): string {
  return s.ip.includes(':') ? `[${s.ip}]:${s.port}` : `${s.ip}:${s.port}`;
}

function firstLine(data: Buffer): string {
  const nl = data.indexOf(0x0a);
  return data.toString('latin1', 0, nl === -1 ? Math.min(data.length, 64) : Math.min(nl, 200));
}

function isTls(data: Buffer): boolean {
  // TLS record: handshake (22), application data (23) or alert (21), version 3.x.
  return data.length >= 3 && (data[0] === 22 || data[0] === 23 || data[0] === 21) && data[1] === 3 && data[2] <= 4;
}

function timeAt(marks: [number, number][], offset: number): number {
  let t = marks[0]?.[1] ?? 0;
  for (const [o, time] of marks) {
    if (o > offset) break;
    t = time;
  }
  return t;
}

/** Drops marks wholly before `offset` (keeping the one that covers it). */
function pruneMarks(marks: [number, number][], offset: number): void {
  let i = 0;
  while (i + 1 < marks.length && marks[i + 1][0] <= offset) i++;
  if (i > 0) marks.splice(0, i);
}

class PcapSession {
  readonly out: ReadItem[] = [];
  private index = 0;
  private readonly conns = new Map<string, Conn>();
  private readonly ignored = new Map<string, number>();
  private nonHttp = 0;
  private nonHttpExample = '';
  private readonly maxMessage: number;

  constructor(maxMessage: number) {
    this.maxMessage = maxMessage;
  }

  private skip(at: string, message: string): void {
    this.index++;
    this.out.push({ kind: 'skip', index: this.index, at, message });
  }

  private count(what: string): void {
    this.ignored.set(what, (this.ignored.get(what) ?? 0) + 1);
  }

  packet(p: Packet): void {
    let decoded;
    try {
      decoded = decodePacket(p.linkType, p.data);
    } catch {
      this.count('malformed');
      return;
    }
    if (decoded.kind === 'other') {
      this.count(decoded.detail ?? decoded.what);
      return;
    }
    this.segment(decoded.segment, p);
  }

  private segment(seg: TcpSegment, p: Packet): void {
    const a = `${seg.src}|${seg.srcPort}`;
    const b = `${seg.dst}|${seg.dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let conn = this.conns.get(key);
    if (conn) {
      // Keep the map in least-recently-used order for eviction.
      this.conns.delete(key);
      this.conns.set(key, conn);
    } else {
      if (seg.rst || (seg.payload.length === 0 && !seg.syn)) return; // stray ACK/RST of an unseen connection
      conn = {
        sides: [
          { ip: seg.src, port: seg.srcPort },
          { ip: seg.dst, port: seg.dstPort },
        ],
        dirs: [new TcpDirection(MAX_REORDER_BYTES), new TcpDirection(MAX_REORDER_BYTES)],
        marks: [[], []],
        client: null,
        state: 'unknown',
        parsers: null,
        queue: [],
        eof: [false, false],
        firstPacket: p.number,
      };
      this.conns.set(key, conn);
      if (this.conns.size > MAX_CONNECTIONS) {
        const [oldKey, oldest] = this.conns.entries().next().value as [string, Conn];
        this.finish(oldest);
        this.conns.delete(oldKey);
      }
    }
    const side: 0 | 1 = conn.sides[0].ip === seg.src && conn.sides[0].port === seg.srcPort ? 0 : 1;
    if (seg.syn && conn.client === null) conn.client = seg.ack ? ((1 - side) as 0 | 1) : side;
    for (const d of conn.dirs[side].add(seg.seq, seg.payload, p.time, seg.syn, seg.fin)) this.data(conn, side, d);
    if (seg.rst) {
      this.finish(conn);
      this.conns.delete(key);
      return;
    }
    if (conn.dirs[side].ended && !conn.eof[side]) this.eof(conn, side);
    if (conn.eof[0] && conn.eof[1]) {
      this.finish(conn);
      this.conns.delete(key);
    }
  }

  private label(conn: Conn): string {
    const c = conn.client ?? 0;
    return `${endpoint(conn.sides[c])} → ${endpoint(conn.sides[1 - c])}`;
  }

  private at(conn: Conn): string {
    return `TCP ${this.label(conn)} (from packet ${conn.firstPacket})`;
  }

  private classify(conn: Conn, side: 0 | 1, data: Buffer): void {
    if (isTls(data)) {
      conn.state = 'tls';
      const server = conn.client !== null ? conn.sides[1 - conn.client] : data[0] === 22 && data[5] === 1 ? conn.sides[1 - side] : conn.sides[side];
      const client = conn.sides[0] === server ? conn.sides[1] : conn.sides[0];
      this.skip(this.at(conn), `TLS traffic on ${endpoint(server)} → ${endpoint(client)} cannot be decrypted (the capture holds no keys); connection skipped`);
      return;
    }
    const line = firstLine(data);
    if (line.startsWith('PRI * HTTP/2.0')) {
      conn.state = 'other';
      this.skip(this.at(conn), 'cleartext HTTP/2 (prior knowledge) is not read; connection skipped');
      return;
    }
    if (HTTP_REQUEST_START.test(line) || /^[A-Z][A-Z0-9_-]{1,19} [^\s]+ HTTP\/1\.[01]/.test(line)) {
      if (conn.client === null) conn.client = side;
    } else if (/^HTTP\/1\.[01] \d{3}/.test(line)) {
      if (conn.client === null) conn.client = (1 - side) as 0 | 1;
    } else {
      conn.state = 'other';
      this.nonHttp++;
      if (!this.nonHttpExample) this.nonHttpExample = `${endpoint(conn.sides[side])} → ${endpoint(conn.sides[1 - side])}`;
      return;
    }
    conn.state = 'http';
    conn.parsers = conn.client === 0 ? [new HttpStreamParser('request', this.maxMessage), new HttpStreamParser('response', this.maxMessage)] : [new HttpStreamParser('response', this.maxMessage), new HttpStreamParser('request', this.maxMessage)];
  }

  private data(conn: Conn, side: 0 | 1, d: Delivered): void {
    if (conn.state === 'unknown') this.classify(conn, side, d.data);
    if (conn.state !== 'http') return;
    if (d.gap > 0) {
      this.broken(conn, `${d.gap.toLocaleString('en-US')} bytes of the ${side === conn.client ? 'client' : 'server'} stream were not captured (at stream offset ${d.offset - d.gap}); rest of the connection skipped`);
      return;
    }
    conn.marks[side].push([d.offset, d.time]);
    try {
      (conn.parsers as [HttpStreamParser, HttpStreamParser])[side].push(d.data);
      this.drain(conn, side, false);
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.broken(conn, `${err.message}; rest of the connection skipped`);
    }
  }

  private drain(conn: Conn, side: 0 | 1, eof: boolean): void {
    const parser = (conn.parsers as [HttpStreamParser, HttpStreamParser])[side];
    for (;;) {
      if (conn.state !== 'http') return;
      if (side === conn.client) {
        const msg = parser.next(undefined, eof);
        if (!msg) break;
        conn.queue.push({ msg: msg as PendingRequest['msg'], time: timeAt(conn.marks[side], msg.start) });
      } else {
        const pending = conn.queue[0];
        const msg = parser.next(pending?.msg.head.method, eof);
        if (!msg) break;
        const head = msg.head as ResponseHead;
        if (head.status >= 100 && head.status < 200 && head.status !== 101) continue; // interim response
        if (!pending) {
          this.skip(this.at(conn), `HTTP response ${head.status} without a request (the capture started mid-connection?)`);
          continue;
        }
        conn.queue.shift();
        this.emit(conn, pending, msg, timeAt(conn.marks[side], Math.max(msg.start, msg.end - 1)));
        if (head.status === 101 || (pending.msg.head.method === 'CONNECT' && head.status < 300)) {
          conn.state = 'upgraded'; // WebSocket or tunnel: no more HTTP/1.x on this connection
          return;
        }
      }
      pruneMarks(conn.marks[side], parser.offset);
    }
  }

  private emit(conn: Conn, req: PendingRequest, res: StreamMessage | null, endTime: number | null, error: string | null = null): void {
    const client = conn.sides[conn.client ?? 0];
    const server = conn.sides[1 - (conn.client ?? 0)];
    const x: Exchange = emptyExchange();
    const errors: string[] = [];
    try {
      applyRequestHead(x, req.msg.head, { scheme: 'http', host: server.ip, port: server.port });
    } catch (err) {
      this.skip(this.at(conn), (err as Error).message);
      return;
    }
    x.time = Math.round(req.time);
    x.clientIp = client.ip;
    x.serverIp = server.ip;
    if (req.msg.body.length > 0) {
      const d = decodeContent(req.msg.body, x.requestHeaders);
      x.requestBody = d.body;
      if (d.error) errors.push(`request ${d.error}`);
    }
    x.requestSize = x.requestBody?.length ?? 0;
    if (res) {
      const head = res.head as ResponseHead;
      applyResponseHead(x, head);
      const d = decodeContent(res.body, x.responseHeaders);
      x.responseBody = d.body;
      x.responseSize = d.body.length;
      if (d.error) errors.push(d.error);
      if (endTime !== null && endTime >= req.time) x.durationMs = Math.round((endTime - req.time) * 1000) / 1000;
      if (head.status === 101) x.extra = { upgraded: headerOf(head, 'upgrade') };
    } else {
      errors.push(error ?? 'no response captured');
    }
    x.error = errors.length > 0 ? errors.join('; ') : null;
    x.extra = { ...x.extra, tcpStream: `${endpoint(client)} → ${endpoint(server)}` };
    this.index++;
    this.out.push({ kind: 'exchange', index: this.index, exchange: x });
  }

  private broken(conn: Conn, why: string): void {
    conn.state = 'broken';
    this.skip(this.at(conn), why);
    this.flushQueue(conn, `response not readable: ${why.replace(/; rest of the connection skipped$/, '')}`);
  }

  private flushQueue(conn: Conn, error: string): void {
    for (const req of conn.queue.splice(0)) this.emit(conn, req, null, null, error);
  }

  private eof(conn: Conn, side: 0 | 1): void {
    conn.eof[side] = true;
    if (conn.state !== 'http') return;
    try {
      this.drain(conn, side, true);
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.broken(conn, err.message);
    }
  }

  /** Connection closed, evicted or capture ended: deliver what is held, close both sides. */
  finish(conn: Conn): void {
    for (const side of [0, 1] as const) {
      for (const d of conn.dirs[side].flush()) this.data(conn, side, d);
    }
    for (const side of [1, 0] as const) if (!conn.eof[side]) this.eof(conn, side);
    if (conn.client !== null && conn.parsers) {
      // Close-delimited responses complete at the end; requests left unanswered still count.
      this.flushQueue(conn, 'no response captured');
    }
  }

  end(): void {
    for (const conn of this.conns.values()) this.finish(conn);
    this.conns.clear();
    if (this.nonHttp > 0) this.skip('capture', `${this.nonHttp} TCP connection${this.nonHttp === 1 ? '' : 's'} carried something other than HTTP/1.x (e.g. ${this.nonHttpExample}) and ${this.nonHttp === 1 ? 'was' : 'were'} ignored`);
    const quic = this.ignored.get('quic') ?? 0;
    if (quic > 0) this.skip('capture', `${quic} UDP packet${quic === 1 ? '' : 's'} on port 443 (QUIC / HTTP/3) cannot be decrypted and ${quic === 1 ? 'was' : 'were'} ignored`);
    const other = [...this.ignored].filter(([k]) => k !== 'quic');
    if (other.length > 0) {
      const total = other.reduce((n, [, v]) => n + v, 0);
      this.skip('capture', `${total} packet${total === 1 ? '' : 's'} ignored (${other.map(([k, v]) => `${v} ${k}`).join(', ')})`);
    }
  }
}

function headerOf(head: ResponseHead, name: string): string {
  const lower = name.toLowerCase();
  return head.headers.find(([n]) => n.toLowerCase() === lower)?.[1] ?? '';
}

export const pcapReader: Reader = {
  id: 'pcap',
  label: 'Packet capture (pcap / pcapng, cleartext HTTP/1.x)',
  producers: ['tcpdump', 'Wireshark / tshark / dumpcap', 'any libpcap or pcapng writer'],
  extensions: ['.pcap', '.pcapng', '.cap', '.dmp'],
  sniff(head) {
    return captureKind(head) ? 0.99 : 0;
  },
  async *read(input, ctx): AsyncGenerator<ReadItem> {
    const splitter = new CaptureSplitter();
    const session = new PcapSession(sizeOption(ctx, 'maxRecordBytes', DEFAULT_MAX_RECORD_BYTES));
    try {
      for await (const chunk of input.chunks()) {
        ctx.signal.throwIfAborted();
        for (const p of splitter.push(asBuffer(chunk))) session.packet(p);
        yield* session.out.splice(0);
      }
      splitter.end();
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      // What was reassembled so far is still worth having; then the reason the rest is not.
      session.end();
      yield* session.out.splice(0);
      throw new ReadError(err.message, `offset ${err.offset}`);
    }
    session.end();
    yield* session.out.splice(0);
  },
};
