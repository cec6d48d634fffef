import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logReaders } from '../../../../../src/core/ingest/formats/logs.ts';
import { ReadError } from '../../../../../src/core/ingest/reader.ts';
import type { Reader } from '../../../../../src/core/ingest/reader.ts';
import { bytesOf, inputOf, logFile } from './helpers.ts';
import { shared } from '../../../../helpers/paths.ts';
import { rng } from '../../../detect/generator.ts';

/**
 * Property: whatever bytes a log reader is given (truncated, bit-flipped, re-encoded, with huge
 * lines), reading ends, and every item is a well-formed exchange or a skip with a location, or
 * the read stops with a ReadError. Nothing else may be thrown.
 */


const fixture = (f: string): Buffer => readFileSync(resolve(import.meta.dirname, 'fixtures', f));
const SAMPLES: Record<string, Buffer> = {
  'access-log': Buffer.concat([bytesOf(logFile('crowdsecurity__hub', 'nginx_http-logs', 'nginx_http-logs.log')), bytesOf(logFile('matomo-org__matomo-log-analytics', 'gandi.log'))]),
  kong: fixture('kong-http-log.jsonl'),
  'aws-apigateway': bytesOf(logFile('elastic__integrations', 'aws_apigateway', 'test-apigateway-rest.log')),
  'aws-elb': bytesOf(logFile('crowdsecurity__hub', 'aws-alb-logs', 'aws-alb-logs.log')),
  'aws-s3': bytesOf(logFile('matomo-org__matomo-log-analytics', 's3.log')),
  w3c: bytesOf(logFile('matomo-org__matomo-log-analytics', 'iis_custom.log')),
  envoy: bytesOf(logFile('crowdsecurity__hub', 'envoy-logs', 'envoy.log')),
  'traefik-json': bytesOf(logFile('crowdsecurity__hub', 'traefik_json', 'traefik_json.log')),
  caddy: bytesOf(logFile('matomo-org__matomo-log-analytics', 'caddy_json.log')),
  haproxy: bytesOf(logFile('crowdsecurity__hub', 'haproxy-logs', 'haproxy-logs.log')),
  fastly: bytesOf(logFile('crowdsecurity__hub', 'fastly-logs', 'fastly-logs.log')),
  'azure-apim': fixture('azure-apim-records.json'),
  cloudflare: fixture('cloudflare-http-requests.jsonl'),
  jsonlines: bytesOf(logFile('matomo-org__matomo-log-analytics', 'nginx_json.log')),
  'nginx-error': bytesOf(shared('attacks', 'crowdsecurity__hub', 'nginx-http-generic-bf', 'nginx-http-generic-bf.log')),
  'apache-error': Buffer.concat([fixture('apache-error.log'), bytesOf(shared('attacks', 'crowdsecurity__hub', 'apache-cve-2021-41773', 'apache-cve-2021-41773.log'))]),
};

function mutations(base: Buffer, r: () => number): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (let k = 0; k < 6; k++) out.push([`truncated ${k}`, base.subarray(0, Math.floor(r() * base.length))]);
  for (let k = 0; k < 6; k++) {
    const b = Buffer.from(base);
    const flips = 1 + Math.floor(r() * 40);
    for (let f = 0; f < flips; f++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    out.push([`${flips} bytes flipped`, b]);
  }
  const at = base.indexOf(0x0a) + 1;
  out.push(['huge line inside', Buffer.concat([base.subarray(0, at), Buffer.alloc(3 * 1024 * 1024, 0x7b), base.subarray(at)])]);
  out.push(['UTF-16LE', Buffer.from(base.toString('latin1'), 'utf16le')]);
  out.push(['Latin-1 re-encoded', Buffer.from(base.toString('utf8').replace(/[a-z]/g, 'é'), 'latin1')]);
  out.push(['NUL bytes', Buffer.alloc(5000)]);
  out.push(['empty', Buffer.alloc(0)]);
  return out;
}

async function readSafely(reader: Reader, bytes: Buffer, chunk: number): Promise<{ items: number; error: string | null }> {
  let items = 0;
  try {
    for await (const it of reader.read(inputOf(bytes, chunk), { signal: new AbortController().signal, options: {} })) {
      items++;
      if (it.kind === 'skip') {
        expect(it.at).toMatch(/^(line|record) \d+$/);
        expect(it.message.length).toBeGreaterThan(0);
      } else {
        const e = it.exchange;
        expect(Number.isFinite(e.time)).toBe(true);
        expect(e.method).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
        expect(e.path === '*' || e.path.startsWith('/')).toBe(true);
        expect(e.status === null || (e.status >= 100 && e.status <= 999)).toBe(true);
        expect(e.requestBody).toBeNull();
        expect(e.responseBody).toBeNull();
      }
    }
    return { items, error: null };
  } catch (err) {
    expect(err).toBeInstanceOf(ReadError);
    return { items, error: (err as Error).message };
  }
}

describe('log readers under hostile input', () => {
  it.each(logReaders.map((r) => [r.id, r] as const))('%s ends in exchanges, skips or a ReadError', async (id, reader) => {
    const base = SAMPLES[id];
    expect(base, `a sample for ${id}`).toBeDefined();
    const r = rng(id.length * 7919 + 17);
    for (const [, bytes] of mutations(base!, r)) {
      await readSafely(reader, bytes, 1 + Math.floor(r() * 9000));
      expect(reader.sniff(bytes.subarray(0, 65536), 'x')).toBeGreaterThanOrEqual(0);
    }
  });
});
