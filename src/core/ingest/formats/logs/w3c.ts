import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import {
  addRequestHeader, emptyExchange, httpVersionOf, intOrNull, schemeOf, setExtra, setHostPort, setMethod, setPort, setTarget, statusOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { headLines, readLines } from './lines.ts';
import { parseIsoTime } from './time.ts';
import { safeDecode, splitFields } from './tokens.ts';

/**
 * W3C extended log files: the `#Fields:` directive names the columns of the lines after it.
 * Written by IIS (ms `time-taken`, `+` for spaces), CloudFront (tab-separated, URL-encoded values,
 * `time-taken` in seconds; its header-less exports get CloudFront's documented columns), NetScaler
 * and Incapsula (quoted values). Times are UTC, as the W3C draft and these producers define them.
 */

/** CloudFront standard log columns, for files whose `#Fields` header was cut off. */
const CLOUDFRONT_FIELDS = 'date time x-edge-location sc-bytes c-ip cs-method cs(host) cs-uri-stem sc-status cs(referer) cs(user-agent) cs-uri-query cs(cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end'.split(' ');

type Producer = 'iis' | 'cloudfront' | 'generic';

class W3cParser {
  private fields: string[] | null = null;
  private index = new Map<string, number>();
  private producer: Producer = 'generic';
  private software = '';

  private setFields(names: string[]): void {
    this.fields = names.map((n) => n.toLowerCase());
    this.index = new Map(this.fields.map((n, i) => [n, i]));
    if (/internet information services|iis/i.test(this.software) || this.index.has('s-sitename') || this.index.has('timetakenms')) this.producer = 'iis';
    else if (this.index.has('x-edge-location')) this.producer = 'cloudfront';
  }

  parse(line: string, latin1: boolean): Exchange | string | null {
    if (line.charCodeAt(0) === 35 /* # */) {
      const m = /^#\s*([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m?.[1]?.toLowerCase() === 'fields') this.setFields((m[2] ?? '').trim().split(/\s+/));
      else if (m?.[1]?.toLowerCase() === 'software') this.software = m[2] ?? '';
      return null;
    }
    const tabbed = line.includes('\t');
    if (this.fields === null) {
      if (tabbed && line.split('\t').length >= 19) this.setFields(CLOUDFRONT_FIELDS);
      else return 'W3C log line before any #Fields directive';
    }
    const values = tabbed ? line.split('\t') : splitFields(line);
    if (values.length < (this.fields as string[]).length) return `${values.length} values for ${(this.fields as string[]).length} #Fields columns`;
    return this.build(values, latin1);
  }

  private v(values: string[], ...names: string[]): string | null {
    for (const n of names) {
      const i = this.index.get(n);
      if (i === undefined) continue;
      const raw = values[i];
      if (raw === undefined || raw === '-' || raw === '') continue;
      return this.producer === 'cloudfront' ? safeDecode(raw) : this.producer === 'iis' ? raw.replace(/\+/g, ' ') : raw;
    }
    return null;
  }

  private build(values: string[], latin1: boolean): Exchange | string {
    const e = emptyExchange();
    const raw = (n: string): string | null => {
      const i = this.index.get(n);
      const r = i === undefined ? undefined : values[i];
      return r === undefined || r === '-' || r === '' ? null : r;
    };
    const date = raw('date') ?? raw('date-local');
    const time = raw('time') ?? raw('time-local');
    e.time = date && time ? parseIsoTime(`${date}T${time}Z`) : NaN;
    if (Number.isNaN(e.time)) return `unreadable date/time ${JSON.stringify(`${date} ${time}`)}`;
    if (raw('date') === null && raw('date-local') !== null) setExtra(e, 'timeZone', 'server local time, read as UTC');
    const err = setMethod(e, raw('cs-method'));
    if (err) return err;
    const stem = raw('cs-uri-stem');
    const uri = raw('cs-uri');
    let target = stem ?? uri;
    if (target === null) return 'no cs-uri-stem or cs-uri column';
    if (stem === null && uri !== null && !uri.startsWith('/')) {
      // Incapsula writes host and path together.
      const slash = uri.indexOf('/');
      setHostPort(e, slash === -1 ? uri : uri.slice(0, slash));
      target = slash === -1 ? '/' : uri.slice(slash);
    }
    const query = raw('cs-uri-query');
    const bad = setTarget(e, query ? `${target}?${query}` : target, latin1);
    if (bad) return bad;
    const scheme = schemeOf(raw('cs-protocol'));
    if (scheme) e.scheme = scheme;
    const host = this.v(values, 'x-host-header', 'cs-host', 'cs(host)', 's-computername');
    if (host !== null && e.host === '') setHostPort(e, host);
    setPort(e, intOrNull(raw('s-port')));
    const hv = httpVersionOf(raw('cs-protocol-version') ?? raw('cs-version'));
    if (hv) e.httpVersion = hv;
    const status = statusOf(raw('sc-status'));
    if (status === undefined) return `sc-status ${JSON.stringify(raw('sc-status'))} is not an HTTP status`;
    e.status = status;
    e.responseSize = intOrNull(raw('sc-bytes'));
    e.requestSize = intOrNull(raw('cs-bytes'));
    const taken = raw('timetakenms') ?? raw('time-taken');
    if (taken !== null) {
      const n = Number(taken);
      const inMs = raw('timetakenms') !== null || (this.producer === 'iis' && !taken.includes('.'));
      if (Number.isFinite(n) && n >= 0) e.durationMs = inMs ? n : Math.round(n * 1e6) / 1e3;
    }
    e.clientIp = raw('c-ip');
    e.serverIp = raw('s-ip');
    addRequestHeader(e, 'User-Agent', this.v(values, 'cs(user-agent)'));
    addRequestHeader(e, 'Referer', this.v(values, 'cs(referer)', 'cs(referrer)'));
    addRequestHeader(e, 'Cookie', this.v(values, 'cs(cookie)'));
    addRequestHeader(e, 'X-Forwarded-For', this.v(values, 'x-forwarded-for', 's-xff'));
    setExtra(e, 'user', this.v(values, 'cs-username'));
    setExtra(e, 'site', raw('s-sitename'));
    setExtra(e, 'substatus', raw('sc-substatus'));
    setExtra(e, 'win32Status', raw('sc-win32-status'));
    setExtra(e, 'edgeLocation', raw('x-edge-location'));
    setExtra(e, 'requestId', raw('x-edge-request-id'));
    setExtra(e, 'edgeResult', raw('x-edge-result-type'));
    setExtra(e, 'tlsProtocol', raw('ssl-protocol'));
    setExtra(e, 'tlsCipher', raw('ssl-cipher'));
    setExtra(e, 'action', raw('sc-action'));
    setExtra(e, 'attackType', raw('cs-attacktype'));
    setExtra(e, 'rule', raw('cs-rule') ?? raw('s-rulename'));
    setExtra(e, 'service', raw('sc-servicename'));
    setExtra(e, 'country', raw('cs-countrycode'));
    return e;
  }
}

export const w3cReader: Reader = {
  id: 'w3c',
  label: 'W3C extended log (IIS, CloudFront, NetScaler, Incapsula)',
  producers: ['Microsoft IIS 6–10 (W3C, Advanced Logging)', 'Amazon CloudFront standard logs', 'Citrix NetScaler web logging', 'Imperva Incapsula W3C logs'],
  extensions: ['.log', '.gz'],
  sniff(head: Uint8Array): number {
    const lines = headLines(head);
    if (lines.some((l) => /^#\s*Fields:/i.test(l))) return 0.97;
    // CloudFront exports without their header: tab-separated, date and time first.
    const data = lines.filter((l) => !l.startsWith('#'));
    if (data.length === 0) return 0;
    const ok = data.filter((l) => {
      const v = l.split('\t');
      return v.length >= 19 && /^\d{4}-\d\d-\d\d$/.test(v[0] ?? '') && /^\d\d:\d\d:\d\d$/.test(v[1] ?? '');
    }).length;
    return 0.9 * (ok / data.length);
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    const parser = new W3cParser();
    return readLines(input, ctx, (line, latin1) => parser.parse(line, latin1));
  },
};
