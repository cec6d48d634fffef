import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { addRequestHeader, emptyExchange, intOrNull, setExtra, setHostPort, setRequestLine, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { parseClfTime } from './time.ts';
import { splitFields } from './tokens.ts';

/**
 * Amazon S3 server access logs: bucket_owner bucket [time] remote_ip requester request_id
 * operation key "request_uri" status error_code bytes_sent object_size total_time turnaround
 * "referer" "user_agent" version_id host_id sig_version cipher auth_type host_header tls_version…
 */

const OWNER = /^[0-9a-f]{64}$|^-$/;

export function parseS3Line(line: string, latin1: boolean): Exchange | string {
  const f = splitFields(line);
  if (f.length < 17 || !OWNER.test(f[0] ?? '')) return 'not an S3 server access-log line';
  const e = emptyExchange();
  e.time = parseClfTime(f[2] as string);
  if (Number.isNaN(e.time)) return `unreadable time ${JSON.stringify(f[2])}`;
  const err = setRequestLine(e, f[8] as string, latin1);
  if (err) return err;
  const status = statusOf(f[9]);
  if (status === undefined) return `status ${JSON.stringify(f[9])} is not an HTTP status`;
  e.status = status;
  e.responseSize = intOrNull(f[11]);
  e.durationMs = intOrNull(f[13]);
  e.clientIp = f[3] ?? null;
  const hostHeader = f[22];
  if (hostHeader && hostHeader !== '-') setHostPort(e, hostHeader);
  else e.host = `${f[1]}.s3.amazonaws.com`;
  if (f[20] !== undefined && f[20] !== '-') e.scheme = 'https';
  addRequestHeader(e, 'Referer', f[15]);
  addRequestHeader(e, 'User-Agent', f[16]);
  setExtra(e, 'bucket', f[1]);
  setExtra(e, 'requester', f[4]);
  setExtra(e, 'requestId', f[5]);
  setExtra(e, 'operation', f[6]);
  setExtra(e, 'key', f[7]);
  setExtra(e, 'error', f[10]);
  setExtra(e, 'objectSize', intOrNull(f[12]));
  setExtra(e, 'turnaroundMs', intOrNull(f[14]));
  setExtra(e, 'authType', f[21]);
  setExtra(e, 'tlsVersion', f[23]);
  return e;
}

export const awsS3Reader: Reader = {
  id: 'aws-s3',
  label: 'Amazon S3 server access log',
  producers: ['Amazon S3 server access logging'],
  extensions: ['.log'],
  sniff(head: Uint8Array): number {
    return 0.95 * fractionAccepted(headLines(head), (l) => {
      const f = splitFields(l);
      return f.length >= 17 && OWNER.test(f[0] ?? '') && !Number.isNaN(parseClfTime(f[2] ?? ''));
    });
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    return readLines(input, ctx, parseS3Line);
  },
};
