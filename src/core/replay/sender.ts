/**
 * Sends one replay request. The only code in Cartograph that talks to the network, and only for a
 * request the user asked to send, after the scope check. Bounded in time and size; TLS is verified
 * unless the target was explicitly marked insecure; HTTP(S)_PROXY / NO_PROXY are honoured.
 */
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { Header } from '../model/exchange.ts';
import type { ReplayRequest } from './http-text.ts';
import { assertInScope, type ScopeEntry } from './scope.ts';

export interface SendOptions {
  scope: readonly ScopeEntry[];
  timeoutMs?: number;
  /** Larger bodies are cut at this size and the response is marked truncated. */
  maxResponseBytes?: number;
  /** 0 = return redirects as they are (the default: replays show what the server said). */
  maxRedirects?: number;
  /** Hosts (host or host:port) whose TLS certificates are not verified: an explicit opt-out. */
  insecureHosts?: readonly string[];
  signal?: AbortSignal;
}

export interface ReplayResponse {
  status: number;
  statusText: string;
  headers: Header[];
  body: Uint8Array;
  truncated: boolean;
  durationMs: number;
  /** Final URL after redirects. */
  url: string;
}

/** Sending contract the engine depends on; tests and the CLI use the real one. */
export interface HttpSender {
  send(req: ReplayRequest, opts: SendOptions): Promise<ReplayResponse>;
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

const DEFAULTS = { timeoutMs: 30_000, maxResponseBytes: 10 * 1024 * 1024, maxRedirects: 0 };
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };
const FORBIDDEN_REQUEST_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer', 'expect']);

function dispatcherFor(url: URL, insecureHosts: readonly string[]): Dispatcher {
  const insecure = insecureHosts.some((h) => h === url.hostname || h === url.host);
  const connect = { rejectUnauthorized: !insecure };
  const proxied = process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy;
  return proxied ? new EnvHttpProxyAgent({ connect }) : new Agent({ connect });
}

export const undiciSender: HttpSender = {
  async send(req, opts) {
    const o = { ...DEFAULTS, ...opts };
    let url = assertInScope(o.scope, req.url);
    let method = req.method;
    let body = req.body;
    const started = performance.now();
    for (let hop = 0; ; hop++) {
      const dispatcher = dispatcherFor(url, o.insecureHosts ?? []);
      const signal = AbortSignal.any([AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])]);
      const headers: [string, string][] = [];
      for (const [n, v] of req.headers) if (!n.startsWith(':') && !FORBIDDEN_REQUEST_HEADERS.has(n.toLowerCase())) headers.push([n, v]);
      try {
        const res = await request(url, { method, headers: headers.flat(), body: body ?? undefined, dispatcher, signal });
        const location = res.headers.location;
        if (hop < o.maxRedirects && res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
          await res.body.dump();
          url = assertInScope(o.scope, new URL(location, url).href);
          if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
            method = 'GET';
            body = null;
          }
          continue;
        }
        const chunks: Uint8Array[] = [];
        let size = 0;
        let truncated = false;
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          if (size + chunk.length > o.maxResponseBytes) {
            chunks.push(chunk.subarray(0, o.maxResponseBytes - size));
            size = o.maxResponseBytes;
            truncated = true;
            res.body.destroy();
            break;
          }
          chunks.push(chunk);
          size += chunk.length;
        }
        const out: Header[] = [];
        for (const [n, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) out.push([n, one]);
        return { status: res.statusCode, statusText: STATUS_TEXT[res.statusCode] ?? '', headers: out, body: Buffer.concat(chunks), truncated, durationMs: performance.now() - started, url: url.href };
      } catch (err) {
        const e = err as Error & { code?: string };
        if (signal.aborted && !o.signal?.aborted) throw new ReplayError(`timed out after ${o.timeoutMs} ms waiting for ${url.host}`);
        if (o.signal?.aborted) throw new ReplayError('cancelled');
        throw new ReplayError(`${url.host}: ${e.code ? `${e.code} ` : ''}${e.message}`);
      } finally {
        void dispatcher.close();
      }
    }
  },
};
