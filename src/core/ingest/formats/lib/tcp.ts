/**
 * One direction of a TCP connection put back in order: segments are placed by sequence number
 * (32-bit wrap handled by unwrapping near the expected position), retransmitted and overlapping
 * bytes are delivered once, and out-of-order segments wait in a bounded buffer. When that buffer
 * overflows, or the capture ends with holes, the missing range is skipped and reported as a gap.
 */

export interface Delivered {
  /** Stream offset of data[0] (0 = first byte after the SYN, or the first byte seen). */
  readonly offset: number;
  readonly data: Buffer;
  readonly time: number;
  /** Bytes known to be missing just before this data. */
  readonly gap: number;
}

const TWO32 = 2 ** 32;

export class TcpDirection {
  private isn: number | null = null;
  private next = 0;
  private readonly pending = new Map<number, { data: Buffer; time: number }>();
  private pendingBytes = 0;
  private finAt: number | null = null;
  private readonly maxPending: number;

  constructor(maxPendingBytes: number) {
    this.maxPending = maxPendingBytes;
  }

  /** All bytes up to the FIN have been delivered. */
  get ended(): boolean {
    return this.finAt !== null && this.next >= this.finAt;
  }

  get delivered(): number {
    return this.next;
  }

  /** Absolute stream position of a 32-bit sequence number, taken as the one nearest `next`. */
  private position(seq: number): number {
    const rel = (seq - (this.isn as number) + TWO32) % TWO32;
    const diff = ((rel - (this.next % TWO32) + TWO32 + TWO32 / 2) % TWO32) - TWO32 / 2;
    return this.next + diff;
  }

  add(seq: number, payload: Buffer, time: number, syn: boolean, fin: boolean): Delivered[] {
    const out: Delivered[] = [];
    if (syn) {
      if (this.isn === null) this.isn = (seq + 1) % TWO32;
      if (payload.length === 0 && !fin) return out;
      seq = (seq + 1) % TWO32;
    }
    if (this.isn === null) {
      if (payload.length === 0 && !fin) return out;
      this.isn = seq;
    }
    const at = this.position(seq);
    if (fin) this.finAt = Math.max(this.finAt ?? 0, at + payload.length);
    if (payload.length === 0) return out;
    if (at + payload.length <= this.next) return out; // retransmission of delivered bytes
    if (at <= this.next) {
      this.emit(payload.subarray(this.next - at), time, 0, out);
      this.drain(out);
      return out;
    }
    const held = this.pending.get(at);
    if (!held || held.data.length < payload.length) {
      if (held) this.pendingBytes -= held.data.length;
      this.pending.set(at, { data: Buffer.from(payload), time });
      this.pendingBytes += payload.length;
    }
    if (this.pendingBytes > this.maxPending) this.skipGap(out);
    return out;
  }

  /** Delivers whatever is held, across holes (end of capture or connection). */
  flush(): Delivered[] {
    const out: Delivered[] = [];
    while (this.pending.size > 0) this.skipGap(out);
    return out;
  }

  private emit(data: Buffer, time: number, gap: number, out: Delivered[]): void {
    out.push({ offset: this.next, data, time, gap });
    this.next += data.length;
  }

  private drain(out: Delivered[]): void {
    for (let progressed = true; progressed && this.pending.size > 0; ) {
      progressed = false;
      for (const [at, seg] of this.pending) {
        if (at > this.next) continue;
        this.pending.delete(at);
        this.pendingBytes -= seg.data.length;
        if (at + seg.data.length > this.next) this.emit(seg.data.subarray(this.next - at), seg.time, 0, out);
        progressed = true;
      }
    }
  }

  private skipGap(out: Delivered[]): void {
    let first = Infinity;
    for (const at of this.pending.keys()) first = Math.min(first, at);
    if (first === Infinity) return;
    const seg = this.pending.get(first) as { data: Buffer; time: number };
    this.pending.delete(first);
    this.pendingBytes -= seg.data.length;
    const gap = first - this.next;
    this.next = first;
    this.emit(seg.data, seg.time, gap, out);
    this.drain(out);
  }
}
