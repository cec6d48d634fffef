import { isIP } from 'node:net';

/** An IP address as text, IPv4-mapped IPv6 folded to IPv4; null for anything that is not an IP. */
export function ipOrNull(v: string | null | undefined): string | null {
  if (!v) return null;
  const t = v.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(t);
  if (mapped) return mapped[1];
  return isIP(t) ? t : null;
}
