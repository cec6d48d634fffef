/**
 * Property tests over every registered reader and the import pipeline: whatever bytes arrive
 * (truncated, flipped, re-encoded, huge lines, deep nesting, another format's content, bombs),
 * reading ends with exchanges, located skips, or one ReadError naming where. Nothing else escapes,
 * nothing hangs (vitest's timeout), and inputs past the caps are refused rather than held.
 * Iterations are bounded and seeded (mulberry32) so a failure reproduces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readers } from '../../../src/core/ingest/formats/index.ts';
import { importPath } from '../../../src/core/ingest/import.ts';
import { openSource } from '../../../src/core/ingest/open.ts';
import { ReadError } from '../../../src/core/ingest/reader.ts';
import type { Reader } from '../../../src/core/ingest/reader.ts';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { shared } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { bytesInput, rng, zip } from './formats/proxy/helpers.ts';

const fixture = (f: string): Buffer => readFileSync(join(import.meta.dirname, 'formats', 'proxy', 'fixtures', f));
const logFixture = (f: string): Buffer => readFileSync(join(import.meta.dirname, 'formats', 'logs', 'fixtures', f));
const log = (...p: string[]): Buffer => readFileSync(shared('logs', ...p));

/** A minimal classic pcap (Ethernet / IPv4 / TCP) of one HTTP exchange, as tcpdump lays it out. */
function pcapOf(payloads: { fromClient: boolean; data: string }[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20);
  const seq = [1000, 5000];
  const records = payloads.map((p, i) => {
    const data = Buffer.from(p.data, 'latin1');
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + data.length, 2);
    ip[8] = 64;
    ip[9] = 6;
    const [src, dst] = p.fromClient ? [[10, 0, 0, 1], [10, 0, 0, 2]] : [[10, 0, 0, 2], [10, 0, 0, 1]];
    ip.set(src, 12);
    ip.set(dst, 16);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(p.fromClient ? 40000 : 80, 0);
    tcp.writeUInt16BE(p.fromClient ? 80 : 40000, 2);
    const side = p.fromClient ? 0 : 1;
    tcp.writeUInt32BE(seq[side], 4);
    seq[side] += data.length;
    tcp[12] = 0x50;
    tcp[13] = 0x18; // PSH ACK
    const frame = Buffer.concat([eth, ip, tcp, data]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    return Buffer.concat([rec, frame]);
  });
  return Buffer.concat([global, ...records]);
}

const PCAP = pcapOf([
  { fromClient: true, data: 'POST /api/login HTTP/1.1\r\nHost: shop.local\r\nContent-Length: 13\r\n\r\n{"user":"ab"}' },
  { fromClient: false, data: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}' },
  { fromClient: true, data: 'GET /api/me HTTP/1.1\r\nHost: shop.local\r\n\r\n' },
  { fromClient: false, data: 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' },
]);

/** One valid sample per reader; the big real files are cut to keep the suite quick. */
const SEEDS: Record<string, () => Buffer> = {
  har: () => readFileSync(shared('proxy', 'zaproxy__zaproxy', 'seq-simple.har')),
  mitmproxy: () => readFileSync(shared('proxy', 'mitmproxy__mitmproxy', 'successful_log.mitm')),
  burp: () => smallestBurpItems(),
  'zap-messages': () => fixture('zap-messages.txt'),
  charles: () => fixture('charles-session.chlsj'),
  saz: () => readFileSync(shared('proxy', 'mingyuchoo__real-saz2har', 'demo.saz')),
  postman: () => readFileSync(shared('proxy', 'erev0s__VAmPI', 'VAmPI.postman_collection.json')),
  insomnia: () => fixture('insomnia-export.json'),
  apiclarity: () => readFileSync(shared('proxy', 'openclarity__apiclarity', 'trace_files', 'httpbin_post_anything.json')),
  pcap: () => PCAP,
  'access-log': () => log('crowdsecurity__hub', 'nginx_http-logs', 'nginx_http-logs.log'),
  kong: () => logFixture('kong-http-log.jsonl'),
  'aws-apigateway': () => log('elastic__integrations', 'aws_apigateway', 'test-apigateway-rest.log'),
  'aws-elb': () => log('crowdsecurity__hub', 'aws-alb-logs', 'aws-alb-logs.log'),
  'aws-s3': () => log('matomo-org__matomo-log-analytics', 's3.log'),
  w3c: () => log('matomo-org__matomo-log-analytics', 'iis_custom.log'),
  envoy: () => log('crowdsecurity__hub', 'envoy-logs', 'envoy.log'),
  'traefik-json': () => log('crowdsecurity__hub', 'traefik_json', 'traefik_json.log'),
  caddy: () => log('matomo-org__matomo-log-analytics', 'caddy_json.log'),
  haproxy: () => log('crowdsecurity__hub', 'haproxy-logs', 'haproxy-logs.log'),
  fastly: () => log('crowdsecurity__hub', 'fastly-logs', 'fastly-logs.log'),
  'azure-apim': () => logFixture('azure-apim-records.json'),
  cloudflare: () => logFixture('cloudflare-http-requests.jsonl'),
  jsonlines: () => log('matomo-org__matomo-log-analytics', 'nginx_json.log'),
  'nginx-error': () => readFileSync(shared('attacks', 'crowdsecurity__hub', 'nginx-http-generic-bf', 'nginx-http-generic-bf.log')),
  'apache-error': () => logFixture('apache-error.log'),
};

/** The real Burp export reduced to its three smallest items (its first carries a 197 KB body). */
function smallestBurpItems(): Buffer {
  const xml = readFileSync(shared('proxy', 'hrbrmstr__burrp', 'hottest_year.xml'), 'utf8');
  const start = xml.indexOf('<item>');
  const items = xml.slice(start, xml.lastIndexOf('</item>') + 7).split(/(?<=<\/item>)\s*/);
  const small = items.sort((a, b) => a.length - b.length).slice(0, 3);
  return Buffer.from(`${xml.slice(0, start)}${small.join('\n')}\n</items>\n`);
}

const LIMITS = { maxRecordBytes: String(1024 * 1024), maxDocumentBytes: String(8 * 1024 * 1024), maxLineBytes: String(1024 * 1024) };

function hostile(seed: Buffer, random: () => number): { what: string; bytes: Buffer }[] {
  const out: { what: string; bytes: Buffer }[] = [];
  for (let k = 0; k < 3; k++) {
    const cut = Math.floor(random() * seed.length);
    out.push({ what: `truncated at ${cut}`, bytes: seed.subarray(0, cut) });
    const b = Buffer.from(seed);
    const flips = 1 + Math.floor(random() * 16);
    for (let f = 0; f < flips; f++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
    out.push({ what: `${flips} bytes flipped`, bytes: b });
  }
  const at = Math.floor(random() * seed.length);
  out.push({ what: 'UTF-16LE with BOM', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(seed.toString('utf8'), 'utf16le')]) });
  out.push({ what: 'Latin-1 re-encoded', bytes: Buffer.from(seed.toString('utf8').replace(/[aeiou]/g, 'é'), 'latin1') });
  out.push({ what: 'a 2 MB line inserted', bytes: Buffer.concat([seed.subarray(0, at), Buffer.alloc(2 * 1024 * 1024, 0x61), seed.subarray(at)]) });
  out.push({ what: 'deep JSON nesting', bytes: Buffer.from(`{"log":${'['.repeat(50_000)}`) });
  out.push({ what: 'deep object nesting', bytes: Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`) });
  out.push({ what: 'random bytes', bytes: Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256))) });
  out.push({ what: 'empty', bytes: Buffer.alloc(0) });
  return out;
}

/** Reads to the end; asserts every item is well-formed; returns the error message, if any. */
async function readSafely(reader: Reader, bytes: Buffer, chunk: number, what: string): Promise<{ exchanges: number; error: string | null }> {
  let exchanges = 0;
  try {
    for await (const it of reader.read(bytesInput(bytes, 'fuzz', chunk), { signal: new AbortController().signal, options: LIMITS })) {
      if (it.kind === 'skip') {
        expect(it.at.length, `${reader.id} ${what}: a skip says where`).toBeGreaterThan(0);
        expect(it.message.length).toBeGreaterThan(0);
      } else {
        exchanges++;
        const x = it.exchange;
        expect(typeof x.host, `${reader.id} ${what}`).toBe('string');
        expect(x.path === '*' || x.path.startsWith('/'), `${reader.id} ${what}: path ${x.path}`).toBe(true);
        expect(Number.isFinite(x.time), `${reader.id} ${what}: time`).toBe(true);
        expect(x.status === null || (Number.isInteger(x.status) && x.status >= 0 && x.status <= 999), `${reader.id} ${what}: status ${x.status}`).toBe(true);
      }
    }
    return { exchanges, error: null };
  } catch (err) {
    expect(err, `${reader.id} ${what}: only ReadError may escape, got ${(err as Error)?.stack}`).toBeInstanceOf(ReadError);
    expect((err as ReadError).at.length, `${reader.id} ${what}: the error says where`).toBeGreaterThan(0);
    return { exchanges, error: (err as Error).message };
  }
}

describe('every reader under hostile input', () => {
  it('has a seed for every registered reader', () => {
    expect(readers.map((r) => r.id).filter((id) => !SEEDS[id])).toEqual([]);
  });

  it.each(readers.map((r) => [r.id, r] as const))('%s: mutations end in exchanges, located skips or a ReadError', async (id, reader) => {
    const seed = SEEDS[id]!();
    const random = rng([...id].reduce((h, c) => h * 31 + c.charCodeAt(0), 7));
    const valid = await readSafely(reader, seed, 4096, 'the valid seed');
    expect(valid.exchanges, `${id}: the seed itself reads`).toBeGreaterThan(0);
    for (const m of hostile(seed, random)) {
      expect(() => reader.sniff(m.bytes.subarray(0, 65536), 'fuzz')).not.toThrow();
      await readSafely(reader, m.bytes, 512 + Math.floor(random() * 8000), m.what);
    }
  });

  it('every reader forced onto every other format ends cleanly', async () => {
    const seeds = Object.entries(SEEDS).map(([id, f]) => [id, f().subarray(0, 16_384)] as const);
    for (const reader of readers) {
      for (const [id, bytes] of seeds) if (id !== reader.id) await readSafely(reader, Buffer.from(bytes), 3000, `content of ${id}`);
    }
  });
});

describe('containers: bombs and broken compression through the import pipeline', () => {
  const dir = tempDir('cartograph-fuzz-');
  const stream = (b: Buffer) => async () => Readable.from([b]);

  it('a gzip bomb stops at the expansion cap with the offset, without holding the output', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const opened = await openSource('bomb.log.gz', bomb.length, stream(bomb), 4 * 1024 * 1024);
    expect(opened.compression).toBe('gzip');
    let seen = 0;
    const err = await (async () => {
      for await (const c of opened.input.chunks()) seen += c.length;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).message).toMatch(/compression bomb/);
    expect((err as ReadError).at).toMatch(/^decompressed offset \d+$/);
    expect(seen).toBeLessThanOrEqual(5 * 1024 * 1024);
  });

  it('truncated and corrupt gzip end in a ReadError after what decompressed', async () => {
    const gz = gzipSync(SEEDS['access-log']!());
    for (const bytes of [gz.subarray(0, gz.length >> 1), Buffer.concat([gz.subarray(0, 200), Buffer.alloc(100, 0xff), gz.subarray(300)])]) {
      const opened = await openSource('x.log.gz', bytes.length, stream(bytes));
      const reader = readers.find((r) => r.id === 'access-log')!;
      const err = await (async () => {
        for await (const it of reader.read(opened.input, { signal: new AbortController().signal, options: {} })) void it;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReadError);
      expect((err as ReadError).message).toMatch(/gzip data is corrupt or truncated/);
    }
  });

  it('importPath never throws: mutated zips, gzips and captures each give results', async () => {
    const random = rng(99);
    const db = openWorkspace(join(dir, 'ws.sqlite'), { create: true });
    const archive = zip([
      { name: 'a.har', data: SEEDS.har!() },
      { name: 'b.log.gz', data: gzipSync(SEEDS['access-log']!()), store: true },
      { name: 'c.pcap', data: PCAP },
    ]);
    const inputs: Buffer[] = [archive, gzipSync(SEEDS.postman!()), SEEDS.mitmproxy!()];
    let n = 0;
    for (const input of inputs) {
      for (const m of hostile(input, random).slice(0, 7)) {
        const path = join(dir, `in-${++n}`);
        writeFileSync(path, m.bytes);
        const results = await importPath(db, { path }, { options: LIMITS });
        expect(results.length).toBeGreaterThan(0);
        for (const r of results) {
          expect(r.imported + r.skipped >= 0).toBe(true);
          if (r.fatal) expect(r.fatal.length).toBeGreaterThan(0);
        }
      }
    }
    db.close();
  });
});
