import { exchangeUrl, type Exchange } from '../model/exchange.ts';
import type { ReplayRequest } from './http-text.ts';

/** The request half of a stored exchange, ready to edit or re-send (HTTP/2 pseudo-headers dropped). */
export function requestOf(e: Pick<Exchange, 'method' | 'scheme' | 'host' | 'port' | 'path' | 'query' | 'requestHeaders' | 'requestBody'>): ReplayRequest {
  const scheme = e.scheme === 'wss' ? 'https' : e.scheme === 'ws' ? 'http' : e.scheme;
  return {
    method: e.method,
    url: exchangeUrl({ ...e, scheme }),
    headers: e.requestHeaders.filter(([n]) => !n.startsWith(':')).map(([n, v]) => [n, v] as const),
    body: e.requestBody,
  };
}

/** The same request aimed at another origin (a staging copy, a local instance): path and query kept. */
export function retarget(req: ReplayRequest, target: string): ReplayRequest {
  const from = new URL(req.url);
  const to = new URL(target);
  const url = new URL(`${from.pathname}${from.search}`, to.origin);
  if (to.pathname !== '/' && to.pathname !== '') url.pathname = `${to.pathname.replace(/\/$/, '')}${from.pathname}`;
  const headers = req.headers.map(([n, v]) => (n.toLowerCase() === 'host' ? ([n, url.host] as const) : ([n, v] as const)));
  return { ...req, url: url.href, headers };
}
