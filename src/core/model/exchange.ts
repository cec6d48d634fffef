/**
 * The vocabulary every reader produces and every later stage consumes: one HTTP exchange
 * (request, and response when there was one), as close to what the capture said as possible.
 * Logs carry no bodies or headers; readers leave those empty rather than inventing them.
 */

/** Header as written on the wire: order and duplicates matter (Set-Cookie). */
export type Header = readonly [name: string, value: string];

export type Scheme = 'http' | 'https' | 'ws' | 'wss';

export interface WebSocketMessage {
  /** 'send' = client to server. */
  direction: 'send' | 'receive';
  time: number;
  opcode: number;
  data: string;
}

export interface Exchange {
  /** Start of the request, epoch milliseconds (traffic's own clock, never the importer's). */
  time: number;
  method: string;
  scheme: Scheme;
  /** Lower-cased host name without port. */
  host: string;
  /** Explicit port only when it is not the scheme's default. */
  port: number | null;
  /** Path as sent, percent-encoding preserved, always starting with '/'. */
  path: string;
  /** Query string including the leading '?', or '' when there is none. */
  query: string;
  httpVersion: string;
  requestHeaders: Header[];
  requestBody: Uint8Array | null;
  /** null when the capture holds no response (aborted, error, incomplete flow). */
  status: number | null;
  statusText: string;
  responseHeaders: Header[];
  /** Decoded body (content-encoding removed where possible); null when not captured. */
  responseBody: Uint8Array | null;
  /** Size the producer reported when the body itself is absent (logs, Firefox without content). */
  responseSize: number | null;
  requestSize: number | null;
  durationMs: number | null;
  /** Address of the client as the capture saw it (before X-Forwarded-For is honoured). */
  clientIp: string | null;
  serverIp: string | null;
  /** Connection or protocol error the producer recorded. */
  error: string | null;
  websocket: WebSocketMessage[] | null;
  /** Format-specific facts worth keeping (gateway consumer, upstream, route id…). */
  extra: Record<string, string | number | boolean> | null;
}

/** An exchange with every optional part defaulted: readers start from this. */
export function emptyExchange(): Exchange {
  return {
    time: 0,
    method: 'GET',
    scheme: 'http',
    host: '',
    port: null,
    path: '/',
    query: '',
    httpVersion: 'HTTP/1.1',
    requestHeaders: [],
    requestBody: null,
    status: null,
    statusText: '',
    responseHeaders: [],
    responseBody: null,
    responseSize: null,
    requestSize: null,
    durationMs: null,
    clientIp: null,
    serverIp: null,
    error: null,
    websocket: null,
    extra: null,
  };
}

export function headerValue(headers: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

export function headerValues(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v);
  return out;
}

const DEFAULT_PORTS: Record<Scheme, number> = { http: 80, https: 443, ws: 80, wss: 443 };

/**
 * Splits an absolute URL into the exchange's URL fields. Uses WHATWG URL for the authority
 * but keeps the path and query exactly as written (URL would re-encode them).
 */
export function splitUrl(raw: string): Pick<Exchange, 'scheme' | 'host' | 'port' | 'path' | 'query'> {
  const url = new URL(raw);
  const protocol = url.protocol.slice(0, -1);
  const scheme: Scheme = protocol === 'https' || protocol === 'ws' || protocol === 'wss' ? protocol : 'http';
  const port = url.port === '' ? null : Number(url.port);
  const afterAuthority = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const noFragment = afterAuthority.split('#', 1)[0] ?? '';
  const q = noFragment.indexOf('?');
  const path = (q === -1 ? noFragment : noFragment.slice(0, q)) || '/';
  const query = q === -1 ? '' : noFragment.slice(q);
  return {
    scheme,
    host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    port: port !== null && port !== DEFAULT_PORTS[scheme] ? port : null,
    path: path.startsWith('/') ? path : `/${path}`,
    query: query === '?' ? '' : query,
  };
}

export function exchangeUrl(e: Pick<Exchange, 'scheme' | 'host' | 'port' | 'path' | 'query'>): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.scheme}://${host}${e.port === null ? '' : `:${e.port}`}${e.path}${e.query}`;
}

export type PrincipalKind = 'jwt' | 'basic' | 'api-key' | 'bearer' | 'session' | 'consumer';

/** Who made a request, as far as the traffic tells (see detection-categories.md, "actor"). */
export interface Identity {
  /** Stable principal id: JWT sub, Basic user, API key fingerprint, session cookie name+hash… */
  principal: string | null;
  principalKind: PrincipalKind | null;
  /** Client IP after honouring X-Forwarded-For (first untrusted hop). */
  ip: string | null;
}

/** An exchange as stored in a workspace: what every analysis stage iterates over. */
export interface StoredExchange extends Exchange, Identity {
  id: number;
  sourceId: number;
}
