/**
 * Packet decoding down to TCP: link layers (Ethernet with VLAN tags, Linux cooked v1/v2, raw IP,
 * BSD/OpenBSD loopback), IPv4 and IPv6 (extension headers skipped), TCP. Anything else is named
 * so the reader can count what it ignored.
 */

export interface TcpSegment {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly payload: Buffer;
}

export type Decoded =
  | { readonly kind: 'tcp'; readonly segment: TcpSegment }
  | { readonly kind: 'other'; readonly what: 'udp' | 'quic' | 'fragment' | 'non-ip' | 'other-ip' | 'malformed' | 'link'; readonly detail?: string };

const LINK_ETHERNET = 1;
const LINK_NULL = 0;
const LINK_RAW = 101;
const LINK_RAW_ALT = [12, 14];
const LINK_LOOP = 108;
const LINK_SLL = 113;
const LINK_SLL2 = 276;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;

function ipv4Text(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6Text(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(at + i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Offset of the IP header and its version, or null for non-IP frames. */
function linkPayload(linkType: number, b: Buffer): { at: number; etherType: number } | null | 'unknown' {
  switch (linkType) {
    case LINK_ETHERNET: {
      if (b.length < 14) return null;
      let at = 12;
      let type = b.readUInt16BE(at);
      while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && b.length >= at + 6) {
        at += 4;
        type = b.readUInt16BE(at);
      }
      return { at: at + 2, etherType: type };
    }
    case LINK_SLL:
      return b.length < 16 ? null : { at: 16, etherType: b.readUInt16BE(14) };
    case LINK_SLL2:
      return b.length < 20 ? null : { at: 20, etherType: b.readUInt16BE(0) };
    case LINK_NULL:
    case LINK_LOOP: {
      if (b.length < 4) return null;
      // Address family in host (NULL) or network (LOOP) order: 2 = IPv4; 24/28/30 = IPv6.
      const fam = linkType === LINK_LOOP ? b.readUInt32BE(0) : b.readUInt32LE(0) > 0xffff ? b.readUInt32BE(0) : b.readUInt32LE(0);
      return { at: 4, etherType: fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : 0 };
    }
    case LINK_RAW:
    case LINK_IPV4:
    case LINK_IPV6:
      return b.length < 1 ? null : { at: 0, etherType: b[0] >> 4 === 6 ? 0x86dd : 0x0800 };
    default:
      if (LINK_RAW_ALT.includes(linkType)) return b.length < 1 ? null : { at: 0, etherType: b[0] >> 4 === 6 ? 0x86dd : 0x0800 };
      return 'unknown';
  }
}

export function decodePacket(linkType: number, b: Buffer): Decoded {
  const link = linkPayload(linkType, b);
  if (link === 'unknown') return { kind: 'other', what: 'link', detail: `link type ${linkType}` };
  if (!link) return { kind: 'other', what: 'malformed' };
  let at = link.at;
  let proto: number;
  let src: string;
  let dst: string;
  let end: number;
  if (link.etherType === 0x0800) {
    if (b.length < at + 20 || b[at] >> 4 !== 4) return { kind: 'other', what: 'malformed' };
    const ihl = (b[at] & 0x0f) * 4;
    const total = b.readUInt16BE(at + 2);
    const frag = b.readUInt16BE(at + 6);
    if (ihl < 20 || b.length < at + ihl) return { kind: 'other', what: 'malformed' };
    if ((frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0) return { kind: 'other', what: 'fragment' };
    proto = b[at + 9];
    src = ipv4Text(b, at + 12);
    dst = ipv4Text(b, at + 16);
    // total = 0 happens with TSO captures; then the frame length is all we have.
    end = total >= ihl ? Math.min(b.length, at + total) : b.length;
    at += ihl;
  } else if (link.etherType === 0x86dd) {
    if (b.length < at + 40 || b[at] >> 4 !== 6) return { kind: 'other', what: 'malformed' };
    const payloadLen = b.readUInt16BE(at + 4);
    proto = b[at + 6];
    src = ipv6Text(b, at + 8);
    dst = ipv6Text(b, at + 24);
    end = payloadLen > 0 ? Math.min(b.length, at + 40 + payloadLen) : b.length;
    at += 40;
    // Hop-by-hop, routing, destination options; a fragment header means we cannot reassemble.
    for (let guard = 0; guard < 8 && (proto === 0 || proto === 43 || proto === 60 || proto === 44); guard++) {
      if (proto === 44) return { kind: 'other', what: 'fragment' };
      if (end < at + 8) return { kind: 'other', what: 'malformed' };
      const next = b[at];
      at += (b[at + 1] + 1) * 8;
      proto = next;
    }
  } else {
    return { kind: 'other', what: 'non-ip' };
  }
  if (proto === 17) {
    const dport = end >= at + 4 ? b.readUInt16BE(at + 2) : 0;
    const sport = end >= at + 4 ? b.readUInt16BE(at) : 0;
    return { kind: 'other', what: dport === 443 || sport === 443 ? 'quic' : 'udp' };
  }
  if (proto !== 6) return { kind: 'other', what: 'other-ip', detail: `IP protocol ${proto}` };
  if (end < at + 20) return { kind: 'other', what: 'malformed' };
  const off = (b[at + 12] >> 4) * 4;
  if (off < 20 || end < at + off) return { kind: 'other', what: 'malformed' };
  const flags = b[at + 13];
  return {
    kind: 'tcp',
    segment: {
      src,
      dst,
      srcPort: b.readUInt16BE(at),
      dstPort: b.readUInt16BE(at + 2),
      seq: b.readUInt32BE(at + 4),
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      ack: (flags & 0x10) !== 0,
      payload: b.subarray(at + off, end),
    },
  };
}
