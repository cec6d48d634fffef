import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import {
  addRequestHeader, emptyExchange, intOrNull, numberOrNull, quoteShort, setExtra, setHostPort, setMethod, setTarget, statusOf,
  httpVersionOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { compileFormat } from './format.ts';
import { get, headRecords, missing, num, parseJsonLine, present, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { parseAnyTime } from './time.ts';

/**
 * AWS API Gateway access logs (REST, HTTP and WebSocket APIs). The JSON keys are whatever the
 * stage's access-log format named them, so each field is looked up under the names AWS's own
 * examples and the console presets use ($context.identity.sourceIp as `ip` or `sourceIp`…).
 * Also reads the CLF preset and CloudWatch exports (a timestamp before each event).
 */

function apiGatewayScore(r: JsonObject): number {
  // Direct property reads: this and the converter run once per record on a hot path.
  const signed = r['requestId'] !== undefined && r['requestTime'] !== undefined && r['status'] !== undefined;
  if (!signed && r['requestTimeEpoch'] === undefined) return 0;
  return r['httpMethod'] !== undefined || r['routeKey'] !== undefined || r['eventType'] !== undefined || r['resourcePath'] !== undefined ? 1 : 0;
}

export function apiGatewayToExchange(r: JsonObject): Exchange | string {
  const e = emptyExchange();
  e.time = parseAnyTime(present(r['requestTimeEpoch']) ?? present(r['requestTime']) ?? present(r['timestamp']));
  if (Number.isNaN(e.time)) return missing('readable requestTime', r);
  const routeKey = str(r['routeKey']);
  const eventType = str(r['eventType']);
  let method = str(present(r['httpMethod']) ?? present(r['method']));
  let template = str(r['resourcePath']);
  if (routeKey && routeKey.includes(' ')) {
    const sp = routeKey.indexOf(' ');
    method ??= routeKey.slice(0, sp);
    template ??= routeKey.slice(sp + 1);
  }
  if (method === null && (r['eventType'] !== undefined || r['connectionId'] !== undefined)) {
    // WebSocket API: $connect is the HTTP upgrade; messages and disconnects are not HTTP exchanges.
    if (eventType === 'MESSAGE' || eventType === 'DISCONNECT' || routeKey === '$disconnect' || routeKey === '$default') {
      return `WebSocket ${eventType ?? routeKey} event, not an HTTP exchange`;
    }
    method = 'GET';
    e.scheme = 'wss';
    setExtra(e, 'eventType', eventType);
    setExtra(e, 'connectionId', str(r['connectionId']));
  }
  const err = setMethod(e, method);
  if (err) return err;
  const path = str(present(r['path']) ?? present(r['requestPath']) ?? present(r['uri']));
  const target = path ?? template ?? '/';
  const bad = setTarget(e, target.startsWith('/') ? target : `/${target}`);
  if (bad) return bad;
  if (path === null && template !== null) setExtra(e, 'pathIsTemplate', true);
  setExtra(e, 'resourcePath', template);
  setExtra(e, 'routeKey', routeKey);
  if (e.scheme === 'http') e.scheme = 'https'; // API Gateway endpoints are TLS-only
  setHostPort(e, str(present(r['domainName']) ?? present(r['host'])));
  const status = statusOf(str(r['status']) ?? undefined);
  if (status === undefined) return `status ${quoteShort(String(r['status']))} is not an HTTP status`;
  e.status = status;
  e.responseSize = intOrNull(str(present(r['responseLength']) ?? present(r['responseSize'])));
  e.clientIp = str(present(r['ip']) ?? present(r['sourceIp']) ?? present(get(r, 'identity.sourceIp')) ?? present(r['clientIp']));
  const hv = httpVersionOf(str(r['protocol']));
  if (hv) e.httpVersion = hv;
  e.durationMs = numberOrNull(num(present(r['responseLatency']) ?? present(r['latency']) ?? present(r['integrationLatency'])));
  addRequestHeader(e, 'User-Agent', str(present(r['userAgent']) ?? present(get(r, 'identity.userAgent'))));
  setExtra(e, 'requestId', str(r['requestId']));
  setExtra(e, 'extendedRequestId', str(r['extendedRequestId']));
  setExtra(e, 'apiId', str(r['apiId']));
  setExtra(e, 'stage', str(r['stage']));
  setExtra(e, 'caller', str(r['caller']));
  setExtra(e, 'user', str(r['user']));
  setExtra(e, 'apiKeyId', str(present(r['apiKeyId']) ?? present(get(r, 'identity.apiKeyId'))));
  setExtra(e, 'principalId', str(present(r['principalId']) ?? present(get(r, 'authorizer.principalId'))));
  setExtra(e, 'integrationLatencyMs', num(r['integrationLatency']));
  setExtra(e, 'integrationStatus', str(r['integrationStatus']));
  setExtra(e, 'error', str(present(r['errorMessage']) ?? present(get(r, 'error.message'))));
  return e;
}

/** The console's CLF preset: `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId`. */
const CLF = compileFormat(
  '$remote_addr $apigw_caller $remote_user [$time_local] "$request" $status $body_bytes_sent $request_id',
  'nginx',
  {
    apigw_caller: (e, v) => {
      setExtra(e, 'caller', v);
      return null;
    },
  },
);

/** CloudWatch exports put the event's ingestion time before it. */
const CW_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z? /;

function parseLine(line: string, latin1: boolean): Exchange | string {
  const body = CW_PREFIX.test(line) ? line.slice(line.indexOf(' ') + 1) : line;
  if (body.charCodeAt(0) === 123 || body.indexOf('{') !== -1) {
    const r = parseJsonLine(body);
    if (typeof r === 'string') return r;
    if (apiGatewayScore(r) === 0) return missing('API Gateway fields (requestId, requestTime, status, httpMethod/routeKey)', r);
    return apiGatewayToExchange(r);
  }
  const values: string[] = [];
  if (CLF.match(body, values) !== -1) return 'neither a JSON nor a CLF API Gateway access-log line';
  const e = CLF.build(values, latin1);
  if (typeof e !== 'string' && e.scheme === 'http') e.scheme = 'https';
  return e;
}

export const apiGatewayReader: Reader = {
  id: 'aws-apigateway',
  label: 'AWS API Gateway access log',
  producers: ['Amazon API Gateway REST, HTTP and WebSocket API access logs (JSON and CLF presets, CloudWatch exports)'],
  extensions: ['.log', '.json', '.jsonl'],
  sniff(head: Uint8Array): number {
    const records = headRecords(head);
    if (records.length > 0) return 0.95 * (records.filter((r) => apiGatewayScore(r) > 0).length / records.length);
    const values: string[] = [];
    // The CLF preset ends with the request id, which tells it from an NGINX/Apache line.
    return 0.9 * fractionAccepted(headLines(head), (l) => CLF.match(l.replace(CW_PREFIX, ''), values) === -1 && /^[\w-]{20,}$/.test(values[values.length - 1] ?? ''));
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    return readLines(input, ctx, parseLine);
  },
};
