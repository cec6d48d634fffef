import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logReaders } from '../../../../../src/core/ingest/formats/logs.ts';
import { bytesOf, logFile } from './helpers.ts';

function best(head: Uint8Array): { id: string; score: number } {
  const scored = logReaders.map((r) => ({ id: r.id, score: r.sniff(head.subarray(0, 65536), 'file') }));
  scored.sort((a, b) => b.score - a.score);
  return scored[0]!;
}

const CASES: [string[], string][] = [
  [['elastic__examples', 'apache_logs'], 'access-log'],
  [['crowdsecurity__hub', 'apache2-logs', 'apache2-logs.log'], 'access-log'],
  [['crowdsecurity__hub', 'nginx_http-logs', 'nginx_http-logs.log'], 'access-log'],
  [['crowdsecurity__hub', 'traefik_clf', 'traefik_clf.log'], 'access-log'],
  [['matomo-org__matomo-log-analytics', 'common.log.gz'], 'access-log'],
  [['matomo-org__matomo-log-analytics', 'common_vhost.log'], 'access-log'],
  [['matomo-org__matomo-log-analytics', 'common_encoding_big5.log'], 'access-log'],
  [['matomo-org__matomo-log-analytics', 'ovh.log'], 'access-log'],
  [['matomo-org__matomo-log-analytics', 'gandi.log'], 'access-log'],
  [['matomo-org__matomo-log-analytics', 'ncsa_extended.log'], 'access-log'],
  [['elastic__integrations', 'aws_apigateway', 'test-apigateway-rest.log'], 'aws-apigateway'],
  [['elastic__integrations', 'aws_apigateway', 'test-apigateway-websocket.log'], 'aws-apigateway'],
  [['elastic__integrations', 'aws_apigateway', 'test-apigateway.log'], 'aws-apigateway'],
  [['crowdsecurity__hub', 'aws-alb-logs', 'aws-alb-logs.log'], 'aws-elb'],
  [['matomo-org__matomo-log-analytics', 'alb.log'], 'aws-elb'],
  [['matomo-org__matomo-log-analytics', 'elb.log'], 'aws-elb'],
  [['matomo-org__matomo-log-analytics', 's3.log'], 'aws-s3'],
  [['crowdsecurity__hub', 'aws-cloudfront-logs', 'aws-cloudfront-logs.log'], 'w3c'],
  [['matomo-org__matomo-log-analytics', 'amazon_cloudfront_web.log'], 'w3c'],
  [['matomo-org__matomo-log-analytics', 'iis.log'], 'w3c'],
  [['matomo-org__matomo-log-analytics', 'iis_custom.log'], 'w3c'],
  [['matomo-org__matomo-log-analytics', 'netscaler.log'], 'w3c'],
  [['matomo-org__matomo-log-analytics', 'incapsula_w3c.log'], 'w3c'],
  [['crowdsecurity__hub', 'envoy-logs', 'envoy.log'], 'envoy'],
  [['crowdsecurity__hub', 'traefik_json', 'traefik_json.log'], 'traefik-json'],
  [['matomo-org__matomo-log-analytics', 'traefik_json.log'], 'traefik-json'],
  [['crowdsecurity__hub', 'caddy-logs', 'caddy-logs.log'], 'caddy'],
  [['matomo-org__matomo-log-analytics', 'caddy_json.log'], 'caddy'],
  [['crowdsecurity__hub', 'haproxy-logs', 'haproxy-logs.log'], 'haproxy'],
  [['matomo-org__matomo-log-analytics', 'haproxy.log'], 'haproxy'],
  [['crowdsecurity__hub', 'fastly-logs', 'fastly-logs.log'], 'fastly'],
  [['matomo-org__matomo-log-analytics', 'nginx_json.log'], 'jsonlines'],
];

const fixture = (f: string): Buffer => readFileSync(resolve(import.meta.dirname, 'fixtures', f));

describe('sniffing picks the best-fitting log reader', () => {
  it.each(CASES)('%j → %s', (parts, id) => {
    const b = best(bytesOf(logFile(...parts)));
    expect(b.id).toBe(id);
    expect(b.score).toBeGreaterThan(0.2);
  });

  it.each([
    ['kong-http-log.jsonl', 'kong'],
    ['azure-apim-records.json', 'azure-apim'],
    ['azure-apim-table.jsonl', 'azure-apim'],
    ['cloudflare-http-requests.jsonl', 'cloudflare'],
  ])('fixture %s → %s', (file, id) => {
    expect(best(fixture(file)).id).toBe(id);
  });

  it('claims nothing that is not a log (HAR, binary, prose)', () => {
    const har = Buffer.from('{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}\n');
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const prose = Buffer.from('Dear reader,\nthis is a letter, not a log.\n');
    for (const head of [har, binary, prose]) expect(best(head).score).toBeLessThan(0.1);
  });
});
