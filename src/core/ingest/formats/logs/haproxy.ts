import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { emptyExchange, intOrNull, ipOnly, portOf, setExtra, setRequestLine, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { stripEnvelope } from './envelope.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { parseClfTime } from './time.ts';
import { splitFields } from './tokens.ts';

/**
 * HAProxy's HTTP log format (`option httplog`):
 * client:port [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes_read
 * req_cookie res_cookie termination_state actconn/feconn/beconn/srv_conn/retries
 * srv_queue/backend_queue [{captured request headers}] [{captured response headers}] "request",
 * usually behind a syslog header. Accept dates carry no zone: they are read as UTC.
 */

const CLIENT = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?):\d+$/;

export function parseHaproxyLine(raw: string, latin1: boolean): Exchange | string {
  const line = stripEnvelope(raw);
  const f = splitFields(line);
  if (f.length < 13 || !CLIENT.test(f[0] ?? '') || !(f[4] ?? '').includes('/')) {
    return CLIENT.test(f[0] ?? '') ? 'HAProxy connection event, not an HTTP request' : 'not an HAProxy HTTP log line';
  }
  const e = emptyExchange();
  e.time = parseClfTime(f[1] as string);
  if (Number.isNaN(e.time)) return `unreadable accept date ${JSON.stringify(f[1])}`;
  const err = setRequestLine(e, f[f.length - 1] as string, latin1);
  if (err) return err;
  const status = statusOf(f[5]);
  if (status === undefined) return `status ${JSON.stringify(f[5])} is not an HTTP status`;
  e.status = status === null || status < 0 ? null : status;
  e.responseSize = intOrNull(f[6]);
  const timers = (f[4] as string).split('/');
  const total = Number(timers[timers.length - 1]);
  if (Number.isFinite(total) && total >= 0) e.durationMs = total;
  e.clientIp = ipOnly(f[0]);
  setExtra(e, 'clientPort', portOf(f[0]));
  const frontend = f[2] as string;
  if (frontend.endsWith('~')) e.scheme = 'https';
  setExtra(e, 'frontend', frontend.replace(/~$/, ''));
  setExtra(e, 'upstream', f[3]);
  setExtra(e, 'terminationState', f[9]);
  setExtra(e, 'timers', f[4]);
  if (f.length > 13) setExtra(e, 'captured', f.slice(12, -1).join(' '));
  return e;
}

export const haproxyReader: Reader = {
  id: 'haproxy',
  label: 'HAProxy HTTP log',
  producers: ['HAProxy 1.x–3.x option httplog (plain or via syslog)'],
  extensions: ['.log'],
  sniff(head: Uint8Array): number {
    return 0.95 * fractionAccepted(headLines(head), (l) => {
      const f = splitFields(stripEnvelope(l));
      return CLIENT.test(f[0] ?? '') && !Number.isNaN(parseClfTime(f[1] ?? ''));
    });
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    return readLines(input, ctx, parseHaproxyLine);
  },
};
