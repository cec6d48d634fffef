import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import {
  addRequestHeader, emptyExchange, intOrNull, numberOrNull, quoteShort, setExtra, setHostPort, setMethod, setTarget, statusOf,
  httpVersionOf,
} from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { compileFormat } from './format.ts';
import { get, headRecords, keyScore, missing, num, parseJsonLine, pick, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { parseAnyTime } from './time.ts';

/**
 * AWS API Gateway access logs (REST, HTTP and WebSocket APIs). The JSON keys are whatever the
 * stage's access-log format named them, so each field is looked up under the names AWS's own
 * examples and the console presets use ($context.identity.sourceIp as `ip` or `sourceIp`…).
 * Also reads the CLF preset and CloudWatch exports (a timestamp before each event).
 */

const SIGNATURE = ['requestId', 'requestTime', 'status'] as const;

function apiGatewayScore(r: JsonObject): number {
  const base = keyScore(r, SIGNATURE);
  if (base < 1 && get(r, 'requestTimeEpoch') === undefined) return 0;
  const has = (k: string): boolean => get(r, k) !== undefined;
  if (!(has('httpMethod') || has('routeKey') || has('eventType') || has('resourcePath'))) return 0;
  return 1;
}

export function apiGatewayToExchange(r: JsonObject): Exchange | string {
  const e = emptyExchange();
  e.time = parseAnyTime(pick(r, 'requestTimeEpoch', 'requestTime', 'timestamp'));
  if (Number.isNaN(e.time)) return missing('readable requestTime', r);
  const routeKey = str(get(r, 'routeKey'));
  const eventType = str(get(r, 'eventType'));
  let method = str(pick(r, 'httpMethod', 'method'));
  let template = str(get(r, 'resourcePath'));
  if (routeKey && routeKey.includes(' ')) {
    const sp = routeKey.indexOf(' ');
    method ??= routeKey.slice(0, sp);
    template ??= routeKey.slice(sp + 1);
  }
  if (method === null && (get(r, 'eventType') !== undefined || get(r, 'connectionId') !== undefined)) {
    // WebSocket API: $connect is the HTTP upgrade; messages and disconnects are not HTTP exchanges.
    if (eventType === 'MESSAGE' || eventType === 'DISCONNECT' || routeKey === '$disconnect' || routeKey === '$default') {
      return `WebSocket ${eventType ?? routeKey} event, not an HTTP exchange`;
    }
    method = 'GET';
    e.scheme = 'wss';
    setExtra(e, 'eventType', eventType);
    setExtra(e, 'connectionId', str(get(r, 'connectionId')));
  }
  const err = setMethod(e, method);
  if (err) return err;
  const path = str(pick(r, 'path', 'requestPath', 'uri'));
  const target = path ?? template ?? '/';
  const bad = setTarget(e, target.startsWith('/') ? target : `/${target}`);
  if (bad) return bad;
  if (path === null && template !== null) setExtra(e, 'pathIsTemplate', true);
  setExtra(e, 'resourcePath', template);
  setExtra(e, 'routeKey', routeKey);
  if (e.scheme === 'http') e.scheme = 'https'; // API Gateway endpoints are TLS-only
  setHostPort(e, str(pick(r, 'domainName', 'host')));
  const status = statusOf(str(get(r, 'status')) ?? undefined);
  if (status === undefined) return `status ${quoteShort(String(get(r, 'status')))} is not an HTTP status`;
  e.status = status;
  e.responseSize = intOrNull(str(pick(r, 'responseLength', 'responseSize')));
  e.clientIp = str(pick(r, 'ip', 'sourceIp', 'identity.sourceIp', 'clientIp'));
  const hv = httpVersionOf(str(get(r, 'protocol')));
  if (hv) e.httpVersion = hv;
  e.durationMs = numberOrNull(num(pick(r, 'responseLatency', 'latency', 'integrationLatency')));
  addRequestHeader(e, 'User-Agent', str(pick(r, 'userAgent', 'identity.userAgent')));
  setExtra(e, 'requestId', str(get(r, 'requestId')));
  setExtra(e, 'extendedRequestId', str(get(r, 'extendedRequestId')));
  setExtra(e, 'apiId', str(get(r, 'apiId')));
  setExtra(e, 'stage', str(get(r, 'stage')));
  setExtra(e, 'caller', str(get(r, 'caller')));
  setExtra(e, 'user', str(get(r, 'user')));
  setExtra(e, 'apiKeyId', str(pick(r, 'apiKeyId', 'identity.apiKeyId')));
  setExtra(e, 'principalId', str(pick(r, 'principalId', 'authorizer.principalId')));
  setExtra(e, 'integrationLatencyMs', num(get(r, 'integrationLatency')));
  setExtra(e, 'integrationStatus', str(get(r, 'integrationStatus')));
  setExtra(e, 'error', str(pick(r, 'errorMessage', 'error.message')));
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
