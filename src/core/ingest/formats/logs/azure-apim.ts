import { emptyExchange, httpVersionOf, intOrNull, numberOrNull, setExtra, setMethod, setTarget, statusOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { get, jsonRecordReader, missing, num, pick, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { parseAnyTime } from './time.ts';

/**
 * Azure API Management gateway logs. Two shapes carry the same facts:
 * - diagnostic-settings records (`category: GatewayLogs`, fields under `properties`), streamed as
 *   `{"records": [...]}` to Event Hubs or as JSON lines to storage accounts;
 * - the resource-specific `ApiManagementGatewayLogs` table exported from Log Analytics
 *   (flat PascalCase columns: TimeGenerated, Method, Url, ResponseCode…).
 */

function isGatewayRecord(r: JsonObject): number {
  const category = str(get(r, 'category')) ?? str(get(r, 'Category'));
  const op = str(get(r, 'operationName')) ?? '';
  if (category === 'GatewayLogs' || op.endsWith('/GatewayLogs')) return 1;
  if (get(r, 'properties.responseCode') !== undefined && get(r, 'properties.url') !== undefined) return 0.9;
  if (get(r, 'Type') === 'ApiManagementGatewayLogs') return 1;
  if (get(r, 'ResponseCode') !== undefined && get(r, 'Url') !== undefined && get(r, 'ApiId') !== undefined) return 0.9;
  return 0;
}

function apimToExchange(r: JsonObject): Exchange | string {
  const flat = get(r, 'properties') === undefined;
  const p = flat ? r : (get(r, 'properties') as JsonObject);
  const f = (camel: string): unknown => (flat ? pick(r, camel.charAt(0).toUpperCase() + camel.slice(1), camel) : get(p, camel));
  const e = emptyExchange();
  e.time = parseAnyTime(pick(r, 'time', 'TimeGenerated', 'timeGenerated'));
  if (Number.isNaN(e.time)) return missing('readable time', r);
  const err = setMethod(e, str(f('method')));
  if (err) return err;
  const url = str(f('url'));
  if (!url) return missing('url', r);
  const bad = setTarget(e, url);
  if (bad) return bad;
  const hv = httpVersionOf(str(f('clientProtocol')));
  if (hv) e.httpVersion = hv;
  e.status = statusOf(num(f('responseCode')) ?? undefined) ?? null;
  e.responseSize = intOrNull(num(f('responseSize')));
  e.requestSize = intOrNull(num(f('requestSize')));
  e.durationMs = numberOrNull(num(pick(r, 'durationMs', 'TotalTime', 'properties.totalTime')));
  e.clientIp = str(pick(r, 'callerIpAddress', 'CallerIpAddress', 'properties.callerIpAddress'));
  e.error = str(pick(p, 'lastErrorMessage', 'LastErrorMessage', 'errors.0.message')) ?? null;
  setExtra(e, 'requestId', str(pick(r, 'correlationId', 'CorrelationId')));
  setExtra(e, 'api', str(f('apiId')));
  setExtra(e, 'operation', str(f('operationId')));
  setExtra(e, 'product', str(f('productId')));
  setExtra(e, 'consumer', str(f('userId')));
  setExtra(e, 'subscription', str(f('apimSubscriptionId')));
  setExtra(e, 'apiRevision', str(f('apiRevision')));
  setExtra(e, 'backendStatus', num(f('backendResponseCode')));
  setExtra(e, 'backendTimeMs', num(f('backendTime')));
  setExtra(e, 'upstream', str(f('backendUrl')));
  setExtra(e, 'cache', str(f('cache')));
  setExtra(e, 'tlsVersion', str(f('clientTlsVersion')));
  setExtra(e, 'region', str(pick(r, 'location', 'Region')));
  setExtra(e, 'errorSource', str(pick(p, 'lastErrorSource', 'LastErrorSource')));
  setExtra(e, 'errorReason', str(pick(p, 'lastErrorReason', 'LastErrorReason')));
  return e;
}

export const azureApimReader = jsonRecordReader({
  id: 'azure-apim',
  label: 'Azure API Management gateway log',
  producers: ['Azure API Management GatewayLogs (diagnostic settings: Event Hubs records[], storage JSON lines)', 'ApiManagementGatewayLogs (Log Analytics export)'],
  recognise: isGatewayRecord,
  toExchange: apimToExchange,
});
