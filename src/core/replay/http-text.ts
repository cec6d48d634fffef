/**
 * Raw HTTP/1.1 text for the request editor: what an analyst reads and edits in Monaco
 * ("GET /path HTTP/1.1", headers, blank line, body), and back.
 */
import type { Header } from '../model/exchange.ts';

export interface ReplayRequest {
  method: string;
  url: string;
  headers: Header[];
  body: Uint8Array | null;
}

export class HttpTextError extends Error {
  override name = 'HttpTextError';
  readonly line: number;
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`);
    this.line = line;
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length']);

export function toHttpText(req: ReplayRequest): string {
  const url = new URL(req.url);
  const lines = [`${req.method} ${url.pathname}${url.search} HTTP/1.1`];
  if (!req.headers.some(([n]) => n.toLowerCase() === 'host' || n === ':authority')) lines.push(`Host: ${url.host}`);
  for (const [n, v] of req.headers) {
    if (n.startsWith(':')) {
      if (n === ':authority') lines.push(`Host: ${v}`);
      continue;
    }
    if (n.toLowerCase() === 'content-length') continue;
    lines.push(`${n}: ${v}`);
  }
  const body = req.body ? new TextDecoder().decode(req.body) : '';
  return `${lines.join('\n')}\n\n${body}`;
}

/**
 * Parses edited text back into a request. `base` supplies the scheme (and the host when the text
 * carries no Host header); the request line may also hold an absolute URL.
 */
export function fromHttpText(text: string, base: string): ReplayRequest {
  const normalised = text.replace(/\r\n/g, '\n');
  const split = normalised.indexOf('\n\n');
  const head = split === -1 ? normalised : normalised.slice(0, split);
  const bodyText = split === -1 ? '' : normalised.slice(split + 2);
  const lines = head.split('\n');
  const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S+)(?:\s+HTTP\/[\d.]+)?\s*$/.exec(lines[0] ?? '');
  if (!m) throw new HttpTextError('expected a request line like "GET /path HTTP/1.1"', 1);
  const headers: Header[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpTextError(`expected "Name: value", got ${JSON.stringify(line.slice(0, 60))}`, i + 1);
    const name = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new HttpTextError(`invalid header name ${JSON.stringify(name)}`, i + 1);
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  const baseUrl = new URL(base);
  let url: URL;
  if (/^https?:\/\//i.test(m[2])) url = new URL(m[2]);
  else {
    const host = headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? baseUrl.host;
    try {
      url = new URL(`${baseUrl.protocol}//${host}${m[2].startsWith('/') ? m[2] : `/${m[2]}`}`);
    } catch {
      throw new HttpTextError(`invalid target ${JSON.stringify(m[2].slice(0, 80))}`, 1);
    }
  }
  return { method: m[1].toUpperCase(), url: url.href, headers, body: bodyText === '' ? null : new TextEncoder().encode(bodyText) };
}
