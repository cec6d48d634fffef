import { ReadError } from '../../reader.ts';
import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import type { Exchange } from '../../../model/exchange.ts';
import { absent, addRequestHeader, emptyExchange, intOrNull, setExtra, setHostPort, setRequestLineOrRaw, statusOf } from './exchange.ts';
import { FormatError, compileFormat } from './format.ts';
import type { CompiledFormat, FormatKind } from './format.ts';
import { deferred, fractionAccepted, headLines, readLines } from './lines.ts';
import { APACHE_ERROR_ENTRY, apacheErrorEntryToExchange } from './apache-error-entry.ts';
import { NGINX_ERROR_ENTRY, nginxErrorEntryToExchange } from './nginx-error-entry.ts';
import { parseClfTime, secondsToMs } from './time.ts';

/**
 * NGINX and Apache access logs. Without configuration it recognises the common and combined
 * formats, their virtual-host variants, Traefik's and Gandi's extensions and the usual extra
 * trailing fields; with `options.logFormat` it reads exactly the pasted `log_format`/`LogFormat`.
 */

export interface Candidate {
  readonly name: string;
  readonly format: CompiledFormat;
}

/** `$__trailing` takes whatever follows the combined fields (request times, upstreams, XFF…). */
const BUILTIN: readonly [string, string][] = [
  ['traefik', '$remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $traefik_request_count "$traefik_router" "$traefik_server_url" ${traefik_duration_ms}ms'],
  ['gandi', '$vhost $remote_addr $ident $remote_user [$time_local] ($request_time s) "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'],
  ['combined', '$remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"$__trailing'],
  ['vhost_combined', '$vhost $remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"$__trailing'],
  ['common', '$remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent'],
  ['vhost_common', '$vhost $remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent'],
  ['combined_no_ident', '$remote_addr $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"$__trailing'],
];

let builtins: readonly Candidate[] | null = null;
/** The compiled built-in `combined` format, which `readCombinedFast` reads without the generic matcher. */
let combinedFormat: CompiledFormat | null = null;
function builtinCandidates(): readonly Candidate[] {
  if (builtins === null) {
    builtins = BUILTIN.map(([name, f]) => ({ name, format: compileFormat(f, 'nginx', { __trailing: applyTrailing }) }));
    combinedFormat = builtins.find((c) => c.name === 'combined')?.format ?? null;
  }
  return builtins;
}

// ---------------------------------------------------------------------------------------------
// The usual extra fields people append to combined, told apart by their shape.

const FLOAT = /^\d+\.\d+$/;
const MS = /^(\d+(?:\.\d+)?)ms$/;
const IP_LIST = /^(?:[0-9a-fA-F.:[\]]+)(?:,\s*[0-9a-fA-F.:[\]]+)*$/;
const UPSTREAM = /^(?:[a-z][a-z0-9+.-]*:\/\/\S+|(?:[\w.-]+|\[[0-9a-fA-F:]+\]):\d+(?:,\s*\S+)*)$/i;

function trailingTokens(rest: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < rest.length) {
    const c = rest.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34) {
      let j = i + 1;
      while (j < rest.length && !(rest.charCodeAt(j) === 34 && rest.charCodeAt(j - 1) !== 92)) j++;
      out.push(rest.slice(i + 1, j));
      i = j + 1;
    } else {
      let j = rest.indexOf(' ', i);
      if (j === -1) j = rest.length;
      out.push(rest.slice(i, j));
      i = j;
    }
  }
  return out;
}

function applyTrailing(e: Exchange, rest: string): string | null {
  if (rest === '') return null;
  if (rest.charCodeAt(0) !== 32 && rest.charCodeAt(0) !== 9) return 'unexpected text right after the user agent';
  const unknown: string[] = [];
  let sawFloat = false;
  for (const t of trailingTokens(rest)) {
    if (t === '-' || t === '') continue;
    const eq = t.indexOf('=');
    if (eq > 0 && /^[a-z_]+$/i.test(t.slice(0, eq))) {
      const key = t.slice(0, eq);
      const v = t.slice(eq + 1).replace(/^"|"$/g, '');
      if ((key === 'rt' || key === 'request_time') && e.durationMs === null) e.durationMs = secondsToMs(v);
      else setExtra(e, key, v);
      continue;
    }
    const ms = MS.exec(t);
    if (ms) {
      e.durationMs = Number(ms[1]);
    } else if (FLOAT.test(t)) {
      // NGINX's $request_time comes first, $upstream_response_time after it.
      if (!sawFloat && e.durationMs === null) e.durationMs = secondsToMs(t);
      else setExtra(e, 'upstreamResponseTime', t);
      sawFloat = true;
    } else if (UPSTREAM.test(t)) {
      setExtra(e, 'upstream', t);
    } else if (IP_LIST.test(t) && /[.:]/.test(t)) {
      addRequestHeader(e, 'X-Forwarded-For', t);
    } else unknown.push(t);
  }
  if (unknown.length > 0) setExtra(e, 'trailing', unknown.join(' '));
  return null;
}

// ---------------------------------------------------------------------------------------------

/** Parses lines with a fixed list of formats, trying first the one that fit the previous line. */
export class AccessLogParser {
  private readonly candidates: readonly Candidate[];
  private last = 0;
  private readonly values: string[] = [];
  private readonly custom: boolean;

  constructor(candidates: readonly Candidate[], custom: boolean) {
    this.candidates = candidates;
    this.custom = custom;
  }

  /** The built-in formats (combined, common and their variants), compiled once. */
  static builtins(): readonly Candidate[] {
    return builtinCandidates();
  }

  static forOptions(options: Readonly<Record<string, string>>): AccessLogParser {
    const format = options['logFormat'];
    if (format === undefined || format.trim() === '') return new AccessLogParser(builtinCandidates(), false);
    const kindOpt = options['logFormatKind'];
    const kind: FormatKind | undefined = kindOpt === 'nginx' || kindOpt === 'apache' ? kindOpt : undefined;
    return new AccessLogParser([{ name: 'custom', format: compileFormat(format, kind) }], true);
  }

  parse(line: string, latin1: boolean): Exchange | string {
    return this.read(line, latin1, true);
  }

  /** Whether the line is an access-log line (not an error-log entry read beside them), for sniffing. */
  accepts(line: string): boolean {
    return typeof this.read(line, false, false) !== 'string';
  }

  private read(line: string, latin1: boolean, errorEntries: boolean): Exchange | string {
    const n = this.candidates.length;
    let firstError: string | null = null;
    let stoppedAt = -1;
    for (let k = 0; k < n; k++) {
      const idx = (this.last + k) % n;
      const c = this.candidates[idx] as Candidate;
      if (c.format === combinedFormat) {
        const fast = readCombinedFast(line, latin1);
        if (fast !== null) {
          this.last = idx;
          return fast;
        }
      }
      const failed = c.format.match(line, this.values);
      if (failed !== -1) {
        stoppedAt = Math.max(stoppedAt, failed);
        continue;
      }
      const out = c.format.build(this.values, latin1);
      if (typeof out !== 'string') {
        this.last = idx;
        return out;
      }
      firstError ??= out;
    }
    const entry = errorEntries ? errorLogEntry(line, latin1) : null;
    if (entry !== null) return entry;
    if (!balancedQuotes(line)) return 'a quoted field is not closed (the line looks truncated)';
    if (firstError !== null) return firstError;
    if (this.custom) {
      const f = (this.candidates[0] as Candidate).format;
      return `line does not fit the log format (it stops fitting at ${f.fields[stoppedAt]?.label ?? 'the start'})`;
    }
    return describeMismatch(line);
  }

}

/**
 * The built-in `combined` format read in one pass, the exchange built in place: the same result
 * as its compiled format's match + build (same helpers, same order), without the per-field
 * closures and value array, because nearly every access log is combined. Returns null, leaving
 * the line to the generic path, for anything it does not handle identically: escapes (a
 * backslash anywhere), a field opening with `[`, a line that does not fit or a value in error.
 */
export function readCombinedFast(line: string, latin1: boolean): Exchange | null {
  if (line.indexOf('\\') !== -1) return null;
  const sp1 = line.indexOf(' ');
  if (sp1 === -1 || line.charCodeAt(0) === 91) return null;
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || line.charCodeAt(sp1 + 1) === 91) return null;
  const sp3 = line.indexOf(' ', sp2 + 1);
  if (sp3 === -1 || line.charCodeAt(sp2 + 1) === 91 || line.charCodeAt(sp3 + 1) !== 91) return null;
  const timeEnd = line.indexOf(']', sp3 + 2);
  if (timeEnd === -1 || !line.startsWith('] "', timeEnd)) return null;
  const reqStart = timeEnd + 3;
  const reqEnd = line.indexOf('" ', reqStart);
  if (reqEnd === -1) return null;
  const statusStart = reqEnd + 2;
  const statusEnd = line.indexOf(' ', statusStart);
  if (statusEnd === -1 || line.charCodeAt(statusStart) === 91) return null;
  const sizeEnd = line.indexOf(' ', statusEnd + 1);
  if (sizeEnd === -1 || line.charCodeAt(statusEnd + 1) === 91 || line.charCodeAt(sizeEnd + 1) !== 34) return null;
  const refStart = sizeEnd + 2;
  const refEnd = line.indexOf('" "', refStart);
  if (refEnd === -1) return null;
  const uaStart = refEnd + 3;
  const uaEnd = line.indexOf('"', uaStart);
  if (uaEnd === -1) return null;

  const e = emptyExchange();
  const addr = line.slice(0, sp1);
  if (!absent(addr)) e.clientIp = addr;
  const ident = line.slice(sp1 + 1, sp2);
  let host: string | null = null;
  if (!absent(ident)) {
    if (ident.includes('.')) host = ident;
    else setExtra(e, 'ident', ident);
  }
  setExtra(e, 'user', line.slice(sp2 + 1, sp3));
  e.time = parseClfTime(line.slice(sp3 + 2, timeEnd));
  if (Number.isNaN(e.time)) return null;
  setRequestLineOrRaw(e, line.slice(reqStart, reqEnd), latin1);
  const status = statusOf(line.slice(statusStart, statusEnd));
  if (status === undefined) return null;
  e.status = status;
  const size = line.slice(statusEnd + 1, sizeEnd);
  if (!absent(size)) {
    e.responseSize = intOrNull(size);
    if (e.responseSize === null) return null;
  }
  addRequestHeader(e, 'Referer', line.slice(refStart, refEnd));
  addRequestHeader(e, 'User-Agent', line.slice(uaStart, uaEnd));
  if (uaEnd + 1 < line.length && applyTrailing(e, line.slice(uaEnd + 1)) !== null) return null;
  if (host !== null) setHostPort(e, host);
  if (latin1) setExtra(e, 'encoding', 'latin1 (not valid UTF-8)');
  return e;
}

function balancedQuotes(line: string): boolean {
  let n = 0;
  for (let i = line.indexOf('"'); i !== -1; i = line.indexOf('"', i + 1)) if (line.charCodeAt(i - 1) !== 92) n++;
  return n % 2 === 0;
}

/**
 * An Apache or NGINX error-log entry met among access-log lines, read as the error-log readers
 * read it: a server container's stdout and stderr interleave both logs, and crowdsec's apache2
 * and nginx parsers take both from one file. Null when the line is no such entry.
 */
function errorLogEntry(line: string, latin1: boolean): Exchange | string | null {
  const c = line.charCodeAt(0);
  if (c === 91 /* [ */) {
    const m = APACHE_ERROR_ENTRY.exec(line);
    return m === null ? null : apacheErrorEntryToExchange(line, m, latin1);
  }
  if (c >= 48 && c <= 57) {
    const m = NGINX_ERROR_ENTRY.exec(line);
    return m === null ? null : nginxErrorEntryToExchange(line, m, latin1);
  }
  return null;
}

function describeMismatch(line: string): string {
  if (/^\[\w{3} \w{3} [ \d]\d /.test(line) || /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[/.test(line)) {
    return 'an error-log entry in a form not read (truncated, or not the Apache or NGINX default format)';
  }
  return 'not a common/combined access-log line (pass the server\'s log format to read custom lines)';
}

export const accessLogReader: Reader = {
  id: 'access-log',
  label: 'NGINX / Apache access log',
  producers: [
    'NGINX (combined, main, custom log_format)',
    'Apache httpd (common, combined, vhost_combined, custom LogFormat)',
    'Traefik (CLF)',
    'OVH, Gandi hosting',
    'any server writing NCSA common/combined',
  ],
  extensions: ['.log', '.access', '.txt'],
  sniff(head: Uint8Array): number {
    const lines = headLines(head);
    const parser = new AccessLogParser(builtinCandidates(), false);
    return 0.85 * fractionAccepted(lines, (l) => parser.accepts(l));
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    return deferred(() => {
      let parser: AccessLogParser;
      try {
        parser = AccessLogParser.forOptions(ctx.options);
      } catch (err) {
        if (err instanceof FormatError) throw new ReadError(`log format: ${err.message}`, 'option logFormat');
        throw err;
      }
      return readLines(input, ctx, (line, latin1) => parser.parse(line, latin1));
    });
  },
};
