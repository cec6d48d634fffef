import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { addRequestHeader, emptyExchange, intOrNull, ipOnly, portOf, setExtra, setRequestLine, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { parseIsoTime } from './time.ts';
import { splitFields } from './tokens.ts';

/**
 * AWS Elastic Load Balancing access logs: Application Load Balancer (first field is the request
 * type: http, https, h2, grpcs, ws, wss) and Classic Load Balancer (first field is the time).
 * Field order per the ELB documentation; ALB appends fields over time, all read by position.
 */

const ALB_TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);
const ISO_START = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;

function seconds(v: string | undefined): number | null {
  if (v === undefined || v === '-' || v === '-1') return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function parseLbLine(line: string, latin1: boolean): Exchange | string {
  const f = splitFields(line);
  const alb = ALB_TYPES.has(f[0] ?? '');
  const o = alb ? 1 : 0; // ALB fields are Classic's shifted by the leading type
  if (f.length < 12 + o || !ISO_START.test(f[o] ?? '')) return 'not an ELB/ALB access-log line';
  const e = emptyExchange();
  const at = parseIsoTime(f[o] as string);
  if (Number.isNaN(at)) return `unreadable time ${JSON.stringify(f[o])}`;
  const request = f[11 + o] as string;
  if (request === '- - - ' || request.startsWith('- ')) return 'TCP/SSL listener entry, not an HTTP request';
  const err = setRequestLine(e, request.trim(), latin1);
  if (err) return err;
  const times = [seconds(f[4 + o]), seconds(f[5 + o]), seconds(f[6 + o])];
  if (times.every((t) => t !== null)) e.durationMs = Math.round((times as number[]).reduce((a, b) => a + b, 0) * 1e6) / 1e3;
  // ALB's `time` is when the response went out; request_creation_time is when the request came in.
  const created = alb ? parseIsoTime(f[21] ?? '') : NaN;
  // (ALB's idle timeout caps a request at 4,000 s; a creation time further off is not this request's.)
  const plausible = !Number.isNaN(created) && at - created >= 0 && at - created <= 4_000_000;
  e.time = plausible ? created : e.durationMs !== null ? Math.round(at - e.durationMs) : at;
  const status = statusOf(f[7 + o]);
  if (status === undefined) return `status ${JSON.stringify(f[7 + o])} is not an HTTP status`;
  e.status = status;
  e.requestSize = intOrNull(f[9 + o]);
  e.responseSize = intOrNull(f[10 + o]);
  e.clientIp = ipOnly(f[2 + o]);
  setExtra(e, 'clientPort', portOf(f[2 + o]));
  addRequestHeader(e, 'User-Agent', f[12 + o]);
  setExtra(e, 'loadBalancer', f[1 + o]);
  setExtra(e, 'upstream', f[3 + o]);
  setExtra(e, 'targetStatus', f[8 + o]);
  setExtra(e, 'tlsCipher', f[13 + o]);
  setExtra(e, 'tlsProtocol', f[14 + o]);
  if (alb) {
    setExtra(e, 'requestType', f[0]);
    setExtra(e, 'targetGroup', f[16]);
    setExtra(e, 'traceId', f[17]);
    setExtra(e, 'sni', f[18]);
    setExtra(e, 'actions', f[22]);
    setExtra(e, 'redirectUrl', f[23]);
    setExtra(e, 'error', f[24]);
    setExtra(e, 'classification', f[27]);
    setExtra(e, 'classificationReason', f[28]);
    const action = f[22] ?? '';
    if (action.includes('waf')) setExtra(e, 'blockedBy', 'waf');
  }
  return e;
}

export const awsLbReader: Reader = {
  id: 'aws-elb',
  label: 'AWS ALB / ELB access log',
  producers: ['AWS Application Load Balancer access logs', 'AWS Classic Load Balancer access logs'],
  extensions: ['.log'],
  sniff(head: Uint8Array): number {
    return 0.95 * fractionAccepted(headLines(head), (l) => {
      const f = splitFields(l);
      const o = ALB_TYPES.has(f[0] ?? '') ? 1 : 0;
      return f.length >= 14 + o && ISO_START.test(f[o] ?? '') && /:\d+$/.test(f[2 + o] ?? '');
    });
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    return readLines(input, ctx, parseLbLine);
  },
};
