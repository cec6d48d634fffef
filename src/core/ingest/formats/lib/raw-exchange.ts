import { emptyExchange, splitUrl } from '../../../model/exchange.ts';
import type { Exchange } from '../../../model/exchange.ts';
import { applyRequestHead, applyResponseHead, completeBody, HttpParseError, parseHead } from './http1.ts';
import type { TargetDefaults } from './http1.ts';

/**
 * One exchange from a raw request and (optionally) a raw response, both captured whole: what
 * Burp items, Fiddler sessions and ZAP message exports hold. The request must parse; a response
 * that does not is reported on the exchange (error) rather than dropping the request.
 */
export interface RawPair {
  request: Buffer;
  response: Buffer | null;
  defaults: TargetDefaults;
  /** The producer's own absolute URL for the request, preferred over the request line. */
  url?: string;
}

export function rawPairToExchange(pair: RawPair): Exchange {
  const x = emptyExchange();
  const reqHead = parseHead(pair.request, 0, 'request');
  if (!reqHead || reqHead.kind !== 'request') throw new HttpParseError('request has no complete header block (truncated)');
  applyRequestHead(x, reqHead, pair.defaults);
  if (pair.url) {
    try {
      Object.assign(x, splitUrl(pair.url));
    } catch {
      // The request line already gave a URL; a malformed producer URL is not worth losing it for.
    }
  }
  const errors: string[] = [];
  const reqBody = completeBody(pair.request, reqHead);
  if (reqBody.decoded.length > 0) x.requestBody = reqBody.decoded;
  x.requestSize = reqBody.decoded.length;
  errors.push(...reqBody.errors.map((e) => `request ${e}`));
  if (pair.response && pair.response.length > 0) {
    try {
      const resHead = parseHead(pair.response, 0, 'response');
      if (!resHead || resHead.kind !== 'response') throw new HttpParseError('response has no complete header block (truncated)');
      applyResponseHead(x, resHead);
      const body = completeBody(pair.response, resHead, x.method);
      x.responseBody = body.decoded;
      x.responseSize = body.decoded.length;
      errors.push(...body.errors);
    } catch (err) {
      errors.push(`response unreadable: ${(err as Error).message}`);
    }
  }
  if (x.status === null && errors.length === 0) errors.push('no response captured');
  x.error = errors.length > 0 ? errors.join('; ') : null;
  return x;
}
