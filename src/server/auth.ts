/**
 * Who may talk to the loopback server: the holder of the per-run token, from a page of the
 * server's own origin, addressed by a loopback name (so a DNS-rebound hostile site is refused).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 256 random bits, hex encoded. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Caller-chosen tokens must be as hard to guess as generated ones. */
export function checkTokenStrength(token: string): void {
  if (!/^[A-Za-z0-9_-]{43,}$/.test(token)) throw new Error('web server token must be at least 43 URL-safe characters (256 bits)');
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison; hashing first makes the length of the guess irrelevant too. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

/** The Host values a browser sends when it really is talking to us on this port. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && allowedHosts(port).has(host);
}

/** A request with no Origin (navigation, same-origin GET) is fine; a foreign one is not. */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const ok = [...allowedHosts(port)].map((h) => `http://${h}`);
  return ok.includes(origin.toLowerCase());
}
