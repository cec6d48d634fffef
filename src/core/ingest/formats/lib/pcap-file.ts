/**
 * Capture file framing: classic pcap (either byte order, micro- or nanosecond timestamps) and
 * pcapng (section header, interface description with if_tsresol, enhanced / simple / obsolete
 * packet blocks; byte order per section). Streams packets from chunks holding at most one block
 * beyond what is consumed; an implausible block length is fatal (nothing after it can be framed).
 */

export interface Packet {
  /** Epoch milliseconds (fractional). */
  readonly time: number;
  readonly linkType: number;
  readonly data: Buffer;
  /** 1-based packet number, for messages. */
  readonly number: number;
}

export class CaptureError extends Error {
  override name = 'CaptureError';
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export type CaptureKind = 'pcap' | 'pcapng';

export function captureKind(head: Uint8Array): CaptureKind | null {
  if (head.length < 4) return null;
  const m = Buffer.from(head.buffer, head.byteOffset, 4).readUInt32BE(0);
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
  if (m === 0x0a0d0d0a) return 'pcapng';
  return null;
}

/** Largest block accepted; real packets are ≤ 256 KiB (snaplen), offloaded segments ≤ 64 KiB. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

interface Iface {
  linkType: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
}

export class CaptureSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private base = 0;
  private kind: CaptureKind | null = null;
  private little = true;
  private nano = false;
  private linkType = 0;
  private ifaces: Iface[] = [];
  private count = 0;

  push(chunk: Buffer): Packet[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Packet[] = [];
    let pos = 0;
    for (;;) {
      const used = this.kind === 'pcapng' ? this.ngBlock(pos, out) : this.pcapRecord(pos, out);
      if (used === 0) break;
      pos += used;
    }
    this.base += pos;
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(pos));
    return out;
  }

  end(): void {
    if (this.buf.length > 0) throw new CaptureError(`capture ends inside a ${this.kind === 'pcapng' ? 'block' : 'packet record'} (truncated; ${this.buf.length} bytes left over)`, this.base);
    if (this.kind === null) throw new CaptureError('empty capture file', 0);
  }

  private u32(at: number): number {
    return this.little ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  private u16(at: number): number {
    return this.little ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
  }

  /** Classic pcap: the 24-byte global header, then 16-byte record headers. Returns bytes used. */
  private pcapRecord(pos: number, out: Packet[]): number {
    const b = this.buf;
    if (this.kind === null) {
      if (b.length - pos < 4) return 0;
      const magic = b.readUInt32BE(pos);
      if (magic === 0x0a0d0d0a) {
        this.kind = 'pcapng';
        return this.ngBlock(pos, out);
      }
      if (b.length - pos < 24) return 0;
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.little = false;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.little = true;
      else throw new CaptureError(`not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`, this.base + pos);
      this.nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
      this.linkType = this.u32(pos + 20) & 0x0fffffff;
      this.kind = 'pcap';
      return 24;
    }
    if (b.length - pos < 16) return 0;
    const sec = this.u32(pos);
    const frac = this.u32(pos + 4);
    const incl = this.u32(pos + 8);
    if (incl > MAX_BLOCK_BYTES) throw new CaptureError(`packet record claims ${incl} captured bytes: the file is corrupt`, this.base + pos);
    if (b.length - pos < 16 + incl) return 0;
    this.count++;
    out.push({ time: sec * 1000 + (this.nano ? frac / 1e6 : frac / 1e3), linkType: this.linkType, data: Buffer.from(b.subarray(pos + 16, pos + 16 + incl)), number: this.count });
    return 16 + incl;
  }

  /** pcapng: generic block framing (type, total length, body, total length). */
  private ngBlock(pos: number, out: Packet[]): number {
    const b = this.buf;
    if (b.length - pos < 12) return 0;
    const type = b.readUInt32BE(pos) === 0x0a0d0d0a ? 0x0a0d0d0a : this.u32(pos);
    if (type === 0x0a0d0d0a) {
      // Section header: its byte-order magic decides how everything in the section is read.
      const bom = b.readUInt32LE(pos + 8);
      if (bom === 0x1a2b3c4d) this.little = true;
      else if (bom === 0x4d3c2b1a) this.little = false;
      else throw new CaptureError('pcapng section header has an unknown byte-order magic', this.base + pos);
      this.ifaces = [];
    }
    const len = this.u32(pos + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES) throw new CaptureError(`pcapng block of type 0x${type.toString(16)} claims length ${len}: the file is corrupt`, this.base + pos);
    if (b.length - pos < len) return 0;
    if (this.u32(pos + len - 4) !== len) throw new CaptureError('pcapng block length fields disagree: the file is corrupt', this.base + pos);
    const body = pos + 8;
    const bodyEnd = pos + len - 4;
    if (type === 1) {
      // Interface description: link type, snaplen, options (if_tsresol = 9).
      const iface: Iface = { linkType: this.u16(body), unitsPerSecond: 1e6 };
      let o = body + 8;
      while (o + 4 <= bodyEnd) {
        const code = this.u16(o);
        const olen = this.u16(o + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1 && o + 4 < bodyEnd) {
          const v = b[o + 4];
          iface.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** (v & 0x7f);
        }
        o += 4 + Math.ceil(olen / 4) * 4;
      }
      this.ifaces.push(iface);
    } else if (type === 6 || type === 2) {
      // Enhanced packet (6) and the obsolete packet block (2, 16-bit interface id + drops).
      const ifaceId = type === 6 ? this.u32(body) : this.u16(body);
      const iface = this.ifaces[ifaceId];
      if (!iface) throw new CaptureError(`packet refers to interface ${ifaceId}, which the section never described`, this.base + pos);
      const ts = this.u32(body + 4) * 2 ** 32 + this.u32(body + 8);
      const capLen = this.u32(body + 12);
      if (body + 20 + capLen > bodyEnd) throw new CaptureError('pcapng packet data runs past its block', this.base + pos);
      this.count++;
      out.push({ time: (ts / iface.unitsPerSecond) * 1000, linkType: iface.linkType, data: Buffer.from(b.subarray(body + 20, body + 20 + capLen)), number: this.count });
    } else if (type === 3) {
      // Simple packet: no timestamp, interface 0.
      const iface = this.ifaces[0];
      if (!iface) throw new CaptureError('simple packet block before any interface description', this.base + pos);
      const orig = this.u32(body);
      this.count++;
      out.push({ time: 0, linkType: iface.linkType, data: Buffer.from(b.subarray(body + 4, Math.min(bodyEnd, body + 4 + orig))), number: this.count });
    }
    return len;
  }
}
