import { addRequestHeader, emptyExchange, quoteShort, setExtra, setHostPort, setRequestLineOrRaw } from './exchange.ts';
import type { Exchange } from './exchange.ts';

/**
 * NGINX error-log entries as exchanges. Entries about a client request (`limiting requests`, failed basic auth,
 * forbidden paths, upstream failures…) name it with `client:`, `server:`, `request:`, `host:`;
 * each such entry is an exchange with what it carries and the status NGINX answers such a request
 * with by default (503 for limit_req/limit_conn rejections, 401, 403, 404, 413, 502, 504), or none
 * when the entry does not say. Entries about no request (start-up, workers) are skipped with a
 * reason. Apart from the NGINX error-log reader, the access-log reader reads such entries met
 * among its lines.
 *
 * `2021/12/02 11:53:15 [error] 4065777#4065777: *42952950 limiting requests, excess: 5.428 by zone "z", client: ::1, server: , request: "GET / HTTP/1.1", host: "la03.d.sb"`
 */

export const NGINX_ERROR_ENTRY = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] \d+#\d+: (?:\*(\d+) )?/;

/** Default answers to the requests an entry reports, first match wins. */
const STATUS_RULES: readonly [RegExp, number][] = [
  [/^limiting (?:requests|connections)(?!, dry run)/, 503],
  [/^user ".*?"(?: was not found in|: password mismatch)|^no user\/password was provided for basic authentication/, 401],
  [/^access forbidden by rule|^directory index of .* is forbidden/, 403],
  [/^open\(\) ".*" failed \(2: No such file or directory\)/, 404],
  [/^client intended to send too large body/, 413],
  [/upstream timed out/, 504],
  [/^(?:connect\(\) failed|no live upstreams|upstream prematurely closed|recv\(\) failed)/, 502],
];

/** The status the entry says or implies the request was answered with; null when it does not tell. */
function statusFor(message: string): number | null {
  // ModSecurity (and other modules) name the status they denied the request with.
  const denied = /Access denied with code (\d{3})\b/.exec(message);
  if (denied) return Number(denied[1]);
  for (const [re, status] of STATUS_RULES) if (re.test(message)) return status;
  return null;
}

/** The `, key: value` pairs NGINX appends to an entry about a request (values quoted or bare). */
function contextOf(text: string, from: number): Map<string, string> {
  const out = new Map<string, string>();
  let i = from;
  while (i < text.length) {
    const colon = text.indexOf(': ', i);
    if (colon === -1) break;
    const key = text.slice(i, colon);
    let j = colon + 2;
    let value: string;
    if (text.charCodeAt(j) === 34) {
      // A quoted value ends at the quote that is followed by the next `, key:` or the line's end.
      let q = text.indexOf('"', j + 1);
      while (q !== -1 && q !== text.length - 1 && !/^, [a-z_]+: /.test(text.slice(q + 1, q + 40))) q = text.indexOf('"', q + 1);
      if (q === -1) q = text.length;
      value = text.slice(j + 1, q);
      j = q + 1;
    } else {
      let end = text.indexOf(', ', j);
      if (end === -1) end = text.length;
      value = text.slice(j, end);
      j = end;
    }
    out.set(key, value);
    if (!text.startsWith(', ', j)) break;
    i = j + 2;
  }
  return out;
}

export function nginxErrorEntryToExchange(line: string, m: RegExpExecArray, latin1 = false): Exchange | string {
  const rest = line.slice(m[0].length);
  const at = rest.indexOf(', client: ');
  const ctx = at === -1 ? null : contextOf(rest, at + 2);
  const request = ctx?.get('request');
  const client = ctx?.get('client');
  const message = at === -1 ? rest : rest.slice(0, at);
  if (request === undefined || client === undefined) return `error-log entry about no client request (${quoteShort(message)})`;
  const e = emptyExchange();
  e.time = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  setRequestLineOrRaw(e, request, latin1);
  e.clientIp = client;
  const host = ctx?.get('host');
  const server = ctx?.get('server');
  if (host !== undefined && host !== '') setHostPort(e, host);
  else if (server !== undefined && server !== '' && server !== '_') setHostPort(e, server);
  e.status = statusFor(message);
  addRequestHeader(e, 'Referer', ctx?.get('referrer'));
  setExtra(e, 'errorLevel', m[7]);
  setExtra(e, 'errorMessage', message);
  setExtra(e, 'connection', m[8]);
  setExtra(e, 'server', server);
  setExtra(e, 'upstream', ctx?.get('upstream'));
  const zone = /\bby zone "([^"]*)"/.exec(message);
  if (zone) setExtra(e, 'limitZone', zone[1]);
  return e;
}
