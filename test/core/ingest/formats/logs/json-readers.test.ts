import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiGatewayReader } from '../../../../../src/core/ingest/formats/logs/aws.ts';
import { azureApimReader } from '../../../../../src/core/ingest/formats/logs/azure-apim.ts';
import { caddyReader } from '../../../../../src/core/ingest/formats/logs/caddy.ts';
import { cloudflareReader } from '../../../../../src/core/ingest/formats/logs/cloudflare.ts';
import { envoyReader } from '../../../../../src/core/ingest/formats/logs/envoy.ts';
import { fastlyReader } from '../../../../../src/core/ingest/formats/logs/fastly.ts';
import { jsonLinesReader } from '../../../../../src/core/ingest/formats/logs/jsonlines.ts';
import { kongReader } from '../../../../../src/core/ingest/formats/logs/kong.ts';
import { traefikJsonReader } from '../../../../../src/core/ingest/formats/logs/traefik.ts';
import { ReadError } from '../../../../../src/core/ingest/reader.ts';
import { bytesOf, expectGolden, header, logFile, readAll } from './helpers.ts';

const fixture = (f: string): Buffer => readFileSync(resolve(import.meta.dirname, 'fixtures', f));
const xffFirst = (e: { requestHeaders: [string, string][] | readonly (readonly [string, string])[] }): string | null =>
  (e.requestHeaders.find(([n]) => n === 'X-Forwarded-For')?.[1] ?? '').split(',')[0]?.trim().replace(/^\[|\]$/g, '') ?? null;

describe('Kong http-log / file-log', () => {
  it('maps the documented record field for field', async () => {
    const res = await readAll(kongReader, fixture('kong-http-log.jsonl'));
    expect(res.exchanges).toHaveLength(2);
    const [a, b] = res.exchanges;
    expect(a).toMatchObject({
      time: 1573762484064,
      method: 'GET',
      scheme: 'http',
      host: 'localhost',
      port: 8000,
      path: '/log',
      query: '',
      status: 200,
      responseSize: 9982,
      requestSize: 138,
      durationMs: 191,
      clientIp: '127.0.0.1',
      requestBody: null,
      responseBody: null,
      extra: {
        consumer: 'alice',
        consumerId: '8e5c9e6a-0d30-4e4f-8c0e-3e10c3e6d0b1',
        upstream: 'example-service',
        upstreamHost: 'httpbin.org:80',
        route: '75818c5f-202d-4b82-a553-6a46e7c9a19e',
        routePaths: '/example-path',
        upstreamUri: '/anything',
        upstreamStatus: '200',
        upstreamIp: '34.237.7.194',
        kongLatencyMs: 0,
        proxyLatencyMs: 191,
        source: 'upstream',
      },
    });
    expect(header(a!, 'apikey')).toBe('REDACTED');
    expect(a!.responseHeaders).toContainEqual(['x-kong-upstream-latency', '191']);
    expect(b).toMatchObject({ method: 'POST', scheme: 'https', host: 'api.example.com', port: 8443, path: '/example-path/orders', query: '?page=2', status: 401, extra: { route: 'example-route', upstream: 'example-service', source: 'kong' } });
    expect(b!.extra?.['consumer']).toBeUndefined();
    expect(res.skips).toEqual([
      { index: 3, at: 'line 3', message: expect.stringMatching(/^record has no request\.url or request\.uri/) as unknown as string },
      { index: 4, at: 'line 4', message: 'not a JSON record' },
    ]);
  });
});

describe('AWS API Gateway', () => {
  it('reads REST API JSON access logs (5 records) with their context fields', async () => {
    const res = await readAll(apiGatewayReader, bytesOf(logFile('elastic__integrations', 'aws_apigateway', 'test-apigateway-rest.log')));
    expect(res.skips).toEqual([]);
    expect(res.exchanges).toHaveLength(5);
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2023, 5, 10, 15, 36, 28), method: 'GET', scheme: 'https', path: '/pets', status: 200, responseSize: 184, clientIp: '1.128.0.0', httpVersion: 'HTTP/1.1' });
    expect(res.exchanges[1]).toMatchObject({ path: '/pets/{petId}', extra: { pathIsTemplate: true, resourcePath: '/pets/{petId}' } });
    expect(res.exchanges[3]).toMatchObject({ host: 'asad15n3p0.execute-api.us-east-1.amazonaws.com', extra: { apiId: 'asad15n3p0', stage: 'prod', requestId: 'c12d1542-b79e-4e79-a158-fdf36452a81b' } });
  });

  it('reads HTTP API routeKey records and WebSocket $connect events', async () => {
    const http = await readAll(apiGatewayReader, bytesOf(logFile('elastic__integrations', 'aws_apigateway', 'test-apigateway.log')));
    expect(http.exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['GET / 200', 'GET /pets 200']);
    const ws = await readAll(apiGatewayReader, bytesOf(logFile('elastic__integrations', 'aws_apigateway', 'test-apigateway-websocket.log')));
    expect(ws.skips).toEqual([]);
    expect(ws.exchanges.map((e) => [e.scheme, e.status, e.extra?.['eventType'] ?? null])).toEqual([
      ['wss', 500, 'CONNECT'],
      ['wss', 403, null],
      ['wss', 500, 'CONNECT'],
      ['wss', 500, 'CONNECT'],
    ]);
  });

  it('reads the CLF preset and CloudWatch-exported lines, and skips messages', async () => {
    const text = [
      '2023-06-10T15:36:28.000Z 1.128.0.0 - - [10/Jun/2023:15:36:28 +0000] "GET /pets HTTP/1.1" 200 184 48752d0f-c99d-4cfa-a5a7-f3c6834d19e5',
      '2023-06-10T15:36:29.000Z {"requestId":"r2","ip":"1.128.0.1","requestTimeEpoch":1686411389000,"httpMethod":"POST","resourcePath":"/pets","path":"/prod/pets","status":"201","protocol":"HTTP/1.1","responseLength":"12"}',
      '{"requestId":"m1","ip":"1.128.0.2","requestTime":"26/Jul/2023:12:20:46 +0000","eventType":"MESSAGE","routeKey":"$default","status":"200","connectionId":"x"}',
    ].join('\n');
    const res = await readAll(apiGatewayReader, Buffer.from(text));
    expect(res.exchanges[0]).toMatchObject({ method: 'GET', path: '/pets', status: 200, responseSize: 184, clientIp: '1.128.0.0', scheme: 'https', extra: { requestId: '48752d0f-c99d-4cfa-a5a7-f3c6834d19e5' } });
    expect(res.exchanges[1]).toMatchObject({ time: 1686411389000, method: 'POST', path: '/prod/pets', status: 201, extra: { resourcePath: '/pets' } });
    expect(res.skips).toEqual([{ index: 3, at: 'line 3', message: 'WebSocket MESSAGE event, not an HTTP exchange' }]);
  });
});

describe('Envoy', () => {
  it('matches crowdsec golden fields for default-format and JSON lines behind the container runtime prefix', async () => {
    const res = await expectGolden(expect, envoyReader, 'envoy-logs', 'envoy.log', 'yanis-kouidri/envoy-logs', (e) => (e.clientIp ?? xffFirst(e)));
    expect(res.exchanges).toHaveLength(10);
    expect(res.byIndex.get(4)).toMatchObject({
      time: Date.UTC(2016, 3, 15, 20, 17, 0, 310),
      method: 'POST',
      httpVersion: 'HTTP/2',
      status: 204,
      requestSize: 154,
      responseSize: 0,
      durationMs: 226,
      host: 'locations',
      extra: { upstreamServiceTimeMs: '100', requestId: 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2', upstream: 'tcp://10.0.2.1:80' },
    });
    expect(res.byIndex.get(1)).toMatchObject({ clientIp: '10.0.0.12', serverIp: '10.42.0.77', scheme: 'https', durationMs: 11, responseSize: 121258 });
  });
});

describe('Traefik JSON', () => {
  it('matches crowdsec golden fields and skips the plugin debug line', async () => {
    const res = await expectGolden(expect, traefikJsonReader, 'traefik_json', 'traefik_json.log', 'crowdsecurity/traefik-logs');
    expect(res.exchanges).toHaveLength(6);
    expect(res.byIndex.get(1)).toMatchObject({ time: Date.parse('2021-12-08T14:02:43.587Z'), durationMs: 0.357, status: 200, responseSize: 357, extra: { router: 'test@docker', upstream: '172.17.0.3:80' } });
  });

  it('reads the Matomo sample (origin status kept apart from the status sent)', async () => {
    const res = await readAll(traefikJsonReader, bytesOf(logFile('matomo-org__matomo-log-analytics', 'traefik_json.log')));
    expect(res.exchanges[0]).toMatchObject({ host: 'localhost', path: '/my/app/auth', query: '?id=1234&user=dude', status: 200, durationMs: 10002.425, extra: { originStatus: 504 } });
  });
});

describe('Caddy', () => {
  it('matches crowdsec golden fields; non-access loggers are skipped', async () => {
    const res = await expectGolden(expect, caddyReader, 'caddy-logs', 'caddy-logs.log', 'crowdsecurity/caddy-logs', (e) => (e.extra?.['resolvedClientIp'] as string | undefined) ?? e.clientIp);
    expect(res.skips.map((s) => s.message)).toContain('not an access-log entry (logger http.handlers.reverse_proxy: selected upstream)');
    const matomo = await readAll(caddyReader, bytesOf(logFile('matomo-org__matomo-log-analytics', 'caddy_json.log')));
    expect(matomo.exchanges).toHaveLength(3);
    expect(matomo.exchanges[1]).toMatchObject({ scheme: 'https', host: 'example.com', path: '/beta/assets/index-mMaLXldj.css', responseSize: 34534, durationMs: 1.437, httpVersion: 'HTTP/2.0' });
  });
});

describe('Fastly', () => {
  it('matches crowdsec golden fields behind the syslog prefix', async () => {
    const res = await expectGolden(expect, fastlyReader, 'fastly-logs', 'fastly-logs.log', 'crowdsecurity/fastly-logs');
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2021, 10, 12, 16, 59, 45), host: 'fastly.mydomain.com', statusText: 'Not Found', responseSize: 564 });
  });
});

describe('Azure API Management', () => {
  it('streams GatewayLogs out of a records[] document', async () => {
    const res = await readAll(azureApimReader, fixture('azure-apim-records.json'), {}, 97);
    expect(res.exchanges).toHaveLength(2);
    expect(res.exchanges[0]).toMatchObject({
      time: Date.parse('2024-02-01T09:15:04.572Z'),
      method: 'GET',
      scheme: 'https',
      host: 'contoso.azure-api.net',
      path: '/echo/resource',
      query: '?param1=sample',
      status: 200,
      responseSize: 2521,
      requestSize: 0,
      durationMs: 243,
      clientIp: '198.51.100.22',
      extra: { api: 'echo-api', operation: 'retrieve-resource', product: 'starter', consumer: '1', subscription: 'master', backendStatus: 200, backendTimeMs: 198, upstream: 'http://echoapi.cloudapp.net/api/resource?param1=sample', region: 'West Europe' },
    });
    expect(res.exchanges[1]).toMatchObject({ method: 'POST', status: 401, httpVersion: 'HTTP/2', error: 'Access denied due to missing subscription key.', extra: { errorReason: 'SubscriptionKeyNotFound' } });
    expect(res.skips).toEqual([{ index: 3, at: 'record 3', message: 'no request method recorded' }]);
  });

  it('reads the Log Analytics table export (flat columns) as JSON lines', async () => {
    const res = await readAll(azureApimReader, fixture('azure-apim-table.jsonl'));
    expect(res.exchanges[0]).toMatchObject({ method: 'DELETE', path: '/users/v1/users/42', status: 204, responseSize: 160, requestSize: 310, durationMs: 57, clientIp: '192.0.2.10', extra: { api: 'users-api', consumer: 'bob' } });
  });

  it('says where a truncated records document ends', async () => {
    const text = fixture('azure-apim-records.json').toString('utf8');
    await expect(readAll(azureApimReader, Buffer.from(text.slice(0, text.indexOf('"properties": {', 1500))))).rejects.toThrow(/ends early \(truncated after 1 record\)/);
  });
});

describe('Cloudflare Logpush', () => {
  it('reads http_requests records with RFC 3339, nanosecond and second timestamps', async () => {
    const res = await readAll(cloudflareReader, fixture('cloudflare-http-requests.jsonl'));
    expect(res.skips).toEqual([]);
    expect(res.exchanges[0]).toMatchObject({
      time: Date.parse('2024-03-05T12:00:00.125Z'),
      method: 'POST',
      scheme: 'https',
      host: 'api.example.com',
      path: '/v1/login',
      query: '?next=%2Fhome',
      httpVersion: 'HTTP/2',
      status: 403,
      responseSize: 812,
      requestSize: 2280,
      durationMs: 125,
      clientIp: '198.51.100.77',
      extra: { requestId: '7f3e2a1b0c9d8e7f', securityAction: 'block', securityRules: 'efb7b8c949ac4650a09736fc376e9aee', country: 'de', botScore: 1 },
    });
    expect(res.exchanges[1]).toMatchObject({ time: 1709640000990, scheme: 'http', clientIp: '2001:db8::5', durationMs: 10 });
    expect(res.exchanges[2]).toMatchObject({ time: 1709640002000, status: 200 });
  });
});

describe('generic JSON lines with a field mapping', () => {
  const lines = [
    '{"ts":"2024-01-02T03:04:05Z","req":{"method":"PATCH","url":"/v2/items/5?dry=1","headers":{"user-agent":"ua/1"}},"res":{"status":202},"ms":12.5,"who":{"id":"u7"}}',
    '{"ts":"2024-01-02T03:04:06Z","req":{"method":"GET"},"res":{"status":200}}',
  ].join('\n');

  it('follows dotted paths from options.mapping', async () => {
    const mapping = JSON.stringify({ time: 'ts', method: 'req.method', url: 'req.url', status: 'res.status', durationMs: 'ms', userAgent: 'req.headers.user-agent', 'extra.user': 'who.id' });
    const res = await readAll(jsonLinesReader, Buffer.from(lines), { mapping });
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2024, 0, 2, 3, 4, 5), method: 'PATCH', path: '/v2/items/5', query: '?dry=1', status: 202, durationMs: 12.5, extra: { user: 'u7' } });
    expect(header(res.exchanges[0]!, 'User-Agent')).toBe('ua/1');
    expect(res.skips).toEqual([{ index: 2, at: 'line 2', message: 'record has no url or path (map one with {"url": "<path>"} or {"path": "<path>"})' }]);
  });

  it('guesses common field names without a mapping (Matomo nginx_json)', async () => {
    const res = await readAll(jsonLinesReader, bytesOf(logFile('matomo-org__matomo-log-analytics', 'nginx_json.log')));
    expect(res.exchanges).toHaveLength(2);
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2013, 9, 10, 14, 52, 0), host: 'www.piwik.org', path: '/piwik.php', status: 200, responseSize: 192, durationMs: 0.008, clientIp: '1.2.3.4', extra: { methodAssumed: true } });
  });

  it('takes, per field, the first guessed name in its list that has a value, whatever the key order', async () => {
    // Keys in reverse of the guess order, empty values on the better-ranked names, shapes changing line to line.
    const guessed = [
      '{"request_uri":"/b","uri":"/c","url":"","timestamp":"2024-03-04T05:06:07.5Z","time":"","status_code":500,"status":201,"remote_addr":"10.0.0.2","ip":null}',
      '{"time":"2024-03-04T05:06:08Z","uri":"/not-this","request":{"url":"https://Api.Example.com:8443/x?q=1"},"statusCode":204,"http":{"method":"delete"}}',
      '{"request_uri":"/b","uri":"/c","url":"","timestamp":"2024-03-04T05:06:07.5Z","time":"","status_code":500,"status":201,"remote_addr":"10.0.0.2","ip":null}',
    ].join('\n');
    const res = await readAll(jsonLinesReader, Buffer.from(guessed));
    expect(res.skips).toEqual([]);
    const first = { time: Date.UTC(2024, 2, 4, 5, 6, 7, 500), path: '/c', status: 201, clientIp: '10.0.0.2', method: 'GET' };
    expect(res.exchanges[0]).toMatchObject(first);
    expect(res.exchanges[1]).toMatchObject({ method: 'DELETE', scheme: 'https', host: 'api.example.com', port: 8443, path: '/x', query: '?q=1', status: 204 });
    expect(res.exchanges[2]).toMatchObject(first);
  });

  it('rejects a malformed mapping with a ReadError naming the option', async () => {
    await expect(readAll(jsonLinesReader, Buffer.from(lines), { mapping: '{nope' })).rejects.toThrow(ReadError);
    await expect(readAll(jsonLinesReader, Buffer.from(lines), { mapping: '{"colour":"x"}' })).rejects.toThrow(/unknown field "colour"/);
  });
});
