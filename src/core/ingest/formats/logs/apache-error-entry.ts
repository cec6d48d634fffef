import { isIP } from 'node:net';
import { addRequestHeader, emptyExchange, encodeRawBytes, quoteShort, setExtra, setRequestLineOrRaw, setTarget } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { unescapeLogValue } from './format.ts';

/**
 * Apache httpd error-log entries (the `ErrorLog` default format) as exchanges.
 *
 * 2.4: `[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:51234] AH00126: Invalid URI in request GET /x HTTP/1.1`
 * 2.2: `[Wed Oct 11 14:32:52 2000] [error] [client 72.15.99.187] client denied by server configuration: /var/www/html/x`
 *
 * After the time come the module and level (2.2: the level only), the process and thread (2.4), at
 * debug level the source file (`core.c(5031): `), an operating-system error when there is one
 * (`(13)Permission denied: `; 2.2 writes it after the client), `[client ip:port]` (2.2: no port),
 * the message (2.4 numbers it: `AH00126: `) and `, referer: …` when the request had a Referer.
 * Apache escapes `"`, `\` and unprintable bytes (`\x16`) in the message.
 *
 * An entry naming a client and its request (the request line, the URI, or the file the URI mapped
 * to) is an exchange with the status Apache answers such a request with (400 for an invalid URI,
 * 401 for failed basic auth, 403 when denied, 404 for a missing file…), or none when the message
 * does not say. Entries about no client request (start-up, a backend `[remote …]`, a TLS handshake
 * with no request yet) are skipped with a reason, as the NGINX error-log reader does.
 */

const MONTHS: Readonly<Record<string, number>> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** Time (`%{u}t`, no zone: read as UTC like the NGINX error log's), then `[module:level]` or `[level]`. */
export const APACHE_ERROR_ENTRY = /^\[(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\d{4})\] \[(?:([^\]:\s]*):)?([a-z]+\d?)\] /;

const PID = /^\[pid (\d+)(?::tid (\d+))?\] /;
const SOURCE_FILE = /^[\w./-]+\(\d+\): /;
const OS_ERROR = /^(\(-?\d+\)[^:\]]*): /;
const CLIENT = /^\[(client|remote) ([^\]\s]+)\] /;
const CODE = /^(AH\d{5}): /;
const REFERER = ', referer: ';

type TargetKind = 'request-line' | 'uri' | 'file';
interface MessageRule {
  readonly re: RegExp;
  readonly kind: TargetKind;
  /** The status httpd answers with (the handler's return value in its source), null when it varies. */
  readonly status: number | null;
  /** Capture group of the target (default 1). */
  readonly target?: number;
  /** Capture group of the user name the client sent. */
  readonly user?: number;
  /** Capture group of a file path beside a URI. */
  readonly file?: number;
}

/** Messages that carry the client's request, from httpd's source (2.2 and 2.4 word them alike). */
const MESSAGES: readonly MessageRule[] = [
  // core: AH00126 (2.4.49: the request line; later: 'uri' 'request line').
  { re: /^Invalid URI in request '[^']*' '(.*)'$/, kind: 'request-line', status: 400 },
  { re: /^Invalid URI in request (.+)$/, kind: 'request-line', status: 400 },
  { re: /^Cannot map (.+) to file$/, kind: 'request-line', status: 403 },
  { re: /^Invalid method in request (.*?)(?: - possible attempt to establish SSL connection on non-SSL port)?$/, kind: 'request-line', status: 501 },
  { re: /^invalid URI path \((.+)\)$/, kind: 'uri', status: 400 },
  { re: /^client sent HTTP\/1\.1 request without hostname \(see RFC2616 section 14\.23\): (.+)$/, kind: 'uri', status: 400 },
  { re: /^File does not exist: (.+)$/, kind: 'file', status: 404 },
  { re: /^Attempt to serve directory: (.+)$/, kind: 'file', status: 404 },
  { re: /^file permissions deny server access: (.+)$/, kind: 'file', status: 403 },
  { re: /^Symbolic link not allowed or link target not accessible: (.+)$/, kind: 'file', status: 403 },
  // AH00035, AH00036 (2.2: without the filesystem path).
  { re: /^access to (.+?) (?:denied|failed)(?: \(filesystem path '(.*)'\))?/, kind: 'uri', status: 403, file: 2 },
  // mod_authz_core AH01630, mod_access_compat AH01797: the file, or `uri /x` before mapping.
  { re: /^client denied by server configuration: uri (.+)$/, kind: 'uri', status: 403 },
  { re: /^client denied by server configuration: (.+)$/, kind: 'file', status: 403 },
  // mod_auth_basic AH01614, AH01617, AH01618.
  { re: /^user (.*?) not found: (.+)$/, kind: 'uri', status: 401, target: 2, user: 1 },
  { re: /^user (.*?): authentication failure for \\?"(.+?)\\?": Password Mismatch$/, kind: 'uri', status: 401, target: 2, user: 1 },
  { re: /^client used wrong authentication scheme: (.+)$/, kind: 'uri', status: 401 },
  // mod_cgi AH01264, AH01263; mod_autoindex/mod_dir AH01276.
  { re: /^script not found or unable to stat: (.+)$/, kind: 'file', status: 404 },
  { re: /^attempt to invoke directory as script: (.+)$/, kind: 'file', status: 403 },
  { re: /^Cannot serve directory (.+?): No matching DirectoryIndex/, kind: 'file', status: 403 },
];

/**
 * Where the usual distributions' DocumentRoot and ScriptAlias point (the httpd image, Debian,
 * RHEL, SUSE, Gentoo, FreeBSD, macOS), so a file in a message becomes the URL path that reached it.
 * Longer prefixes first.
 */
const ROOTS: readonly [string, string][] = [
  ['/usr/local/apache2/htdocs', ''],
  ['/usr/local/apache2/cgi-bin', '/cgi-bin'],
  ['/usr/local/www/apache24/data', ''],
  ['/usr/local/www/apache24/cgi-bin', '/cgi-bin'],
  ['/var/www/localhost/htdocs', ''],
  ['/var/www/localhost/cgi-bin', '/cgi-bin'],
  ['/Library/WebServer/Documents', ''],
  ['/var/www/html', ''],
  ['/var/www/cgi-bin', '/cgi-bin'],
  ['/usr/lib/cgi-bin', '/cgi-bin'],
  ['/srv/www/htdocs', ''],
  ['/srv/www/cgi-bin', '/cgi-bin'],
  ['/var/www', ''],
];

/** The URL path a served file answers to under a usual root; the file path itself under any other. */
export function urlPathOfFile(file: string): string {
  for (const [root, prefix] of ROOTS) {
    if (file.startsWith(root) && (file.length === root.length || file.charCodeAt(root.length) === 47)) return prefix + file.slice(root.length) || '/';
  }
  return file.startsWith('/') ? file : `/${file}`;
}

/** The client address without the port 2.4 appends (`1.2.3.4:5678`, `2001:db8::1:5678`). */
function clientAddress(v: string, withPort: boolean): string {
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    return close > 0 ? v.slice(1, close) : v;
  }
  if (withPort) {
    const colon = v.lastIndexOf(':');
    if (colon > 0 && /^\d{1,5}$/.test(v.slice(colon + 1)) && isIP(v.slice(0, colon)) !== 0) return v.slice(0, colon);
  }
  return v;
}

function unescaped(v: string): { text: string; latin1: boolean } {
  return v.indexOf('\\') === -1 ? { text: v, latin1: false } : unescapeLogValue(v);
}

export function apacheErrorEntryToExchange(line: string, m: RegExpExecArray, latin1 = false): Exchange | string {
  const month = MONTHS[m[1] as string];
  if (month === undefined) return `unreadable time in ${quoteShort(line)}`;
  let rest = line.slice(m[0].length);
  const pid = PID.exec(rest);
  if (pid) rest = rest.slice(pid[0].length);
  const source = SOURCE_FILE.exec(rest);
  if (source) rest = rest.slice(source[0].length);
  let cause = OS_ERROR.exec(rest);
  if (cause) rest = rest.slice(cause[0].length);
  const client = CLIENT.exec(rest);
  if (client) rest = rest.slice(client[0].length);
  if (cause === null) {
    cause = OS_ERROR.exec(rest);
    if (cause) rest = rest.slice(cause[0].length);
  }
  const refAt = rest.lastIndexOf(REFERER);
  const referer = refAt === -1 ? undefined : rest.slice(refAt + REFERER.length);
  let message = (refAt === -1 ? rest : rest.slice(0, refAt)).trimEnd();
  const code = CODE.exec(message);
  if (code) message = message.slice(code[0].length);
  // ModSecurity 2 names the client again in its own message (`[client 1.2.3.4] ModSecurity: …`).
  const again = client === null ? null : CLIENT.exec(message);
  if (again) message = message.slice(again[0].length);
  if (client === null || client[1] !== 'client') return `error-log entry about no client request (${quoteShort(message)})`;

  let rule: MessageRule | undefined;
  let found: RegExpExecArray | null = null;
  let status: number | null = null;
  if (message.startsWith('ModSecurity: ')) {
    // ModSecurity 2 tags its entries: [hostname "…"] [uri "…"] …, and says the status it denied with.
    found = /\[uri "((?:[^"\\]|\\.)*)"\]/.exec(message);
    const denied = /Access denied with code (\d{3})\b/.exec(message);
    status = denied ? Number(denied[1]) : null;
    if (found) rule = { re: /^/, kind: 'uri', status };
  } else {
    for (const r of MESSAGES) {
      found = r.re.exec(message);
      if (found) {
        rule = r;
        status = r.status;
        break;
      }
    }
  }
  if (rule === undefined || found === null) return `error-log entry names no request (${quoteShort(message)})`;

  const e = emptyExchange();
  const micros = m[6] === undefined ? 0 : Number(m[6].padEnd(6, '0'));
  e.time = Date.UTC(Number(m[7]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) + Math.floor(micros / 1000);
  const target = unescaped(found[rule.target ?? 1] ?? '');
  const asLatin1 = latin1 || target.latin1;
  if (rule.kind === 'request-line') {
    setRequestLineOrRaw(e, target.text, asLatin1);
  } else {
    // Only the request line says the method; the entry still stands for a request.
    e.method = '-';
    if (rule.kind === 'file') e.path = encodeRawBytes(urlPathOfFile(target.text));
    else {
      const err = setTarget(e, encodeRawBytes(target.text), false);
      if (err !== null) return `${err} in ${quoteShort(message)}`;
    }
  }
  const withPort = m[8] !== undefined || pid !== null;
  e.clientIp = clientAddress(client[2] as string, withPort);
  e.status = status;
  addRequestHeader(e, 'Referer', referer);
  const host = message.startsWith('ModSecurity: ') ? /\[hostname "([^"\\]*)"\]/.exec(message) : null;
  if (host) e.host = host[1]!.toLowerCase();
  setExtra(e, 'errorLevel', m[9]);
  if (m[8] !== undefined && m[8] !== '-') setExtra(e, 'errorModule', m[8]);
  setExtra(e, 'errorCode', code?.[1]);
  setExtra(e, 'errorMessage', message);
  setExtra(e, 'errorCause', cause?.[1]);
  if (rule.kind === 'file') setExtra(e, 'filePath', target.text);
  else if (rule.file !== undefined && found[rule.file] !== undefined) setExtra(e, 'filePath', unescaped(found[rule.file]!).text);
  if (rule.user !== undefined) setExtra(e, 'user', found[rule.user]);
  return e;
}
