/**
 * The replay scope: which hosts and ports a workspace may send requests to. Nothing is sent
 * outside it. The default is loopback only, so a fresh workspace can never reach the network.
 */
import ipaddr from 'ipaddr.js';

export interface ScopeEntry {
  host: string;
  /** null = any port. */
  port: number | null;
}

/** The special entry "loopback" stands for every loopback address and name. */
export const LOOPBACK_ENTRY: ScopeEntry = { host: 'loopback', port: null };
export const DEFAULT_SCOPE: readonly ScopeEntry[] = [LOOPBACK_ENTRY];

export class ScopeError extends Error {
  override name = 'ScopeError';
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost']);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(h)) return false;
  const addr = ipaddr.process(h);
  return addr.range() === 'loopback';
}

/** Parses "host", "host:port", "[v6]:port" as given on the command line or in the UI. */
export function parseScopeEntry(text: string): ScopeEntry {
  const t = text.trim().toLowerCase();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  const plain = /^([a-z0-9.*-]+)(?::(\d+))?$/.exec(t);
  const m = v6 ?? plain;
  if (!m || (!v6 && t.split(':').length > 2)) throw new ScopeError(`not a host or host:port: ${JSON.stringify(text)}`);
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw new ScopeError(`port out of range in ${JSON.stringify(text)}`);
  if (m[1].includes('*') && !/^\*\.[a-z0-9.-]+$/.test(m[1])) throw new ScopeError(`wildcards are only allowed as a leading "*." in ${JSON.stringify(text)}`);
  return { host: m[1], port };
}

export function formatScopeEntry(e: ScopeEntry): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === null ? host : `${host}:${e.port}`;
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === 'loopback') return isLoopback(host);
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/**
 * Throws ScopeError unless the URL's host and port are in scope. Only http(s) is ever sent.
 */
export function assertInScope(scope: readonly ScopeEntry[], target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ScopeError(`not a URL: ${JSON.stringify(target.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ScopeError(`refused: only http and https are replayed, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (scope.some((e) => hostMatches(e.host, host) && (e.port === null || e.port === port))) return url;
  throw new ScopeError(`refused: ${host}:${port} is outside this workspace's replay scope (add it with \`cartograph scope add ${host}:${port}\`)`);
}
