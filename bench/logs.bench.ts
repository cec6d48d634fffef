/**
 * Reader-only throughput of the log readers: `node bench/logs.bench.ts`.
 *
 * Writes (once, seeded, into .bench/) ~1M NGINX combined lines and ~1M JSON-lines gateway records
 * of three kinds: AWS API Gateway's JSON access log (~400 B), Kong http-log (~1.8 KB: headers, route, service and consumer)
 * and an NGINX JSON log_format read by the generic JSON-lines reader (~330 B, fields guessed),
 * then runs each reader over its file 3 times, each run in a fresh child process so peak RSS is
 * that run's own, and prints medians of lines/s, MB/s and peak RSS.
 * Targets (issue 3): NGINX combined >= 400,000 lines/s, JSON lines >= 150,000 lines/s, RSS < 500 MB.
 * For the JSON-lines formats each child also times JSON.parse alone over the same lines, split as
 * the readers split them: no reader built on V8's JSON.parse can go faster, so the bench prints that
 * ceiling beside the reader's speed (both measured in the same process, minutes apart at most).
 * Input is read in 1 MiB chunks, as the importer reads files (src/core/ingest/open.ts).
 * `--lines N` changes the size of generated files (they are regenerated when it differs);
 * BENCH_QUICK=1 uses 100,000 lines and one run.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Reader } from '../src/core/ingest/reader.ts';
import { accessLogReader } from '../src/core/ingest/formats/logs/clf.ts';
import { kongReader } from '../src/core/ingest/formats/logs/kong.ts';
import { apiGatewayReader } from '../src/core/ingest/formats/logs/aws.ts';
import { jsonLinesReader } from '../src/core/ingest/formats/logs/jsonlines.ts';
import { lineBatches } from '../src/core/ingest/formats/logs/lines.ts';
import { median, peakRssMb, rng } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = resolve(ROOT, '.bench');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 1 : 3;
const TARGETS = { nginx: 400_000, apigw: 150_000, kong: 150_000, jsonl: 150_000 } as const;
type Kind = keyof typeof TARGETS;
const READERS: Record<Kind, Reader> = { nginx: accessLogReader, apigw: apiGatewayReader, kong: kongReader, jsonl: jsonLinesReader };
const SEEDS: Record<Kind, number> = { nginx: 42, apigw: 4243, kong: 4242, jsonl: 4244 };
const JSON_KINDS: ReadonlySet<Kind> = new Set(['apigw', 'kong', 'jsonl']);
/** Bumped when a kind's generated lines change shape, so files from an older bench are rewritten. */
const SHAPES: Record<Kind, number> = { nginx: 1, apigw: 1, kong: 2, jsonl: 1 };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PATHS = ['/api/v1/users', '/api/v1/users/{id}', '/api/v1/orders', '/api/v1/orders/{id}/items', '/login', '/static/app.js', '/health', '/api/v2/search'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
];
const STATUSES = [200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 500];

function pickFrom<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function pathFor(r: () => number): string {
  const p = pickFrom(r, PATHS).replace('{id}', String(Math.floor(r() * 100000)));
  return r() < 0.3 ? `${p}?page=${Math.floor(r() * 50)}&q=term${Math.floor(r() * 1000)}` : p;
}

function ip(r: () => number): string {
  return `${10 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
}

function nginxLine(r: () => number, t: number): string {
  const d = new Date(t);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const user = r() < 0.1 ? `user${Math.floor(r() * 100)}` : '-';
  const ref = r() < 0.4 ? `https://app.example.com${pickFrom(r, PATHS)}` : '-';
  return `${ip(r)} - ${user} [${time}] "${pickFrom(r, METHODS)} ${pathFor(r)} HTTP/1.1" ${pickFrom(r, STATUSES)} ${Math.floor(r() * 50000)} "${ref}" "${pickFrom(r, AGENTS)}"\n`;
}

/**
 * A Kong http-log record with every field Kong's documentation shows (Kong 3.x, ~1.8 KB; the test
 * fixture kong-http-log.jsonl is that example): the route, service and consumer entities are logged
 * whole, which is why Kong's lines are twice the size of other gateways' access-log records.
 */
function kongLine(r: () => number, t: number): string {
  const path = pathFor(r);
  const method = pickFrom(r, METHODS);
  const status = pickFrom(r, STATUSES);
  const lat = Math.floor(r() * 300);
  const consumer = Math.floor(r() * 500);
  const size = Math.floor(r() * 20000);
  const ws = 'f381e34e-5c25-4e65-b91b-3c0a86cfc393';
  const serviceId = '0590139e-7481-466c-bcdf-929adcaaf804';
  return `${JSON.stringify({
    response: {
      size,
      headers: {
        'content-type': 'application/json',
        'content-length': String(size),
        connection: 'close',
        date: new Date(t).toUTCString(),
        via: 'kong/3.4.2',
        'x-kong-proxy-latency': '1',
        'x-kong-upstream-latency': String(lat),
      },
      status,
    },
    route: {
      created_at: 1521555129,
      hosts: null,
      id: 'd35165e2-d03e-461a-bdeb-dad0a112abfe',
      methods: null,
      name: 'orders',
      paths: ['/api'],
      preserve_host: false,
      protocols: ['http', 'https'],
      regex_priority: 0,
      service: { id: serviceId },
      strip_path: true,
      updated_at: 1521555129,
      ws_id: ws,
    },
    started_at: t,
    upstream_uri: path,
    request: {
      querystring: {},
      size: 120 + Math.floor(r() * 400),
      uri: path,
      url: `https://api.example.com${path}`,
      headers: { host: 'api.example.com', 'user-agent': pickFrom(r, AGENTS), accept: 'application/json', 'x-request-id': Math.floor(r() * 1e12).toString(16) },
      method,
    },
    tries: [{ balancer_latency: 0, port: 8080, balancer_start: t, ip: `10.0.${Math.floor(r() * 4)}.${1 + Math.floor(r() * 20)}` }],
    client_ip: ip(r),
    workspaces: [{ id: ws, name: 'default' }],
    latencies: { request: lat + 2, kong: 1, proxy: lat },
    service: {
      host: 'orders.internal',
      created_at: 1521555129,
      connect_timeout: 60000,
      id: serviceId,
      protocol: 'http',
      name: 'orders-service',
      read_timeout: 60000,
      port: 8080,
      path: '/',
      updated_at: 1521555129,
      write_timeout: 60000,
      retries: 5,
      ws_id: ws,
    },
    consumer: {
      custom_id: `customer-${consumer}`,
      created_at: 1572998812,
      id: `c0ffee00-0000-4000-8000-${String(consumer).padStart(12, '0')}`,
      tags: null,
      username: `consumer-${consumer}`,
      ws_id: ws,
    },
    upstream_status: String(status),
    source: 'upstream',
  })}\n`;
}

/** API Gateway's JSON access-log format with the $context variables AWS's examples use. */
function apigwLine(r: () => number, t: number): string {
  const path = pathFor(r);
  const q = path.indexOf('?');
  return `${JSON.stringify({
    requestId: `${Math.floor(r() * 1e12).toString(16)}-${Math.floor(r() * 1e8).toString(16)}`,
    ip: ip(r),
    caller: '-',
    user: '-',
    requestTimeEpoch: t,
    httpMethod: pickFrom(r, METHODS),
    resourcePath: q === -1 ? path : path.slice(0, q),
    path,
    status: String(pickFrom(r, STATUSES)),
    protocol: 'HTTP/1.1',
    responseLength: String(Math.floor(r() * 20000)),
    domainName: 'api.example.com',
    stage: 'prod',
    userAgent: pickFrom(r, AGENTS),
    responseLatency: Math.floor(r() * 300),
  })}\n`;
}

/** NGINX's JSON log_format (escape=json) with its variable names, which the generic reader guesses. */
function jsonlLine(r: () => number, t: number): string {
  return `${JSON.stringify({
    time_iso8601: new Date(t).toISOString().replace('Z', '+00:00'),
    remote_addr: ip(r),
    request_method: pickFrom(r, METHODS),
    request_uri: pathFor(r),
    server_protocol: 'HTTP/1.1',
    status: String(pickFrom(r, STATUSES)),
    body_bytes_sent: String(Math.floor(r() * 50000)),
    request_time: (r() * 0.3).toFixed(3),
    host: 'api.example.com',
    http_referer: r() < 0.4 ? `https://app.example.com${pickFrom(r, PATHS)}` : '',
    http_user_agent: pickFrom(r, AGENTS),
  })}\n`;
}

const LINE: Record<Kind, (r: () => number, t: number) => string> = { nginx: nginxLine, apigw: apigwLine, kong: kongLine, jsonl: jsonlLine };

async function generate(kind: Kind, file: string, lines: number): Promise<void> {
  const r = rng(SEEDS[kind]);
  const out = createWriteStream(file);
  let t = Date.UTC(2024, 0, 1);
  let buf = '';
  for (let i = 0; i < lines; i++) {
    t += Math.floor(r() * 200);
    buf += LINE[kind](r, t);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

interface RunResult {
  lines: number;
  skips: number;
  bytes: number;
  ms: number;
  /** CPU time of the run (user + system): what the run costs on an otherwise idle core. */
  cpuMs: number;
  maxRssMb: number;
  /** JSON-lines kinds: wall ms of JSON.parse alone over the same lines. */
  parseMs?: number;
}

function inputOf(file: string): { name: string; size: number; chunks: () => AsyncIterable<Uint8Array> } {
  return { name: file, size: statSync(file).size, chunks: () => createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array> };
}

/** Wall ms of reading, splitting and JSON.parse-ing every line, and nothing else. */
async function parseOnly(file: string): Promise<number> {
  let objects = 0;
  const start = performance.now();
  for await (const batch of lineBatches(inputOf(file))) {
    for (const line of batch.lines) if (typeof JSON.parse(line) === 'object') objects++;
  }
  const ms = performance.now() - start;
  if (objects === 0) throw new Error(`no JSON objects in ${file}`);
  return ms;
}

/** One measured pass, in this (child) process. */
async function runOnce(kind: Kind, file: string): Promise<RunResult> {
  const reader = READERS[kind];
  const input = inputOf(file);
  const bytes = input.size;
  const ctx = { signal: new AbortController().signal, options: {} };
  let lines = 0;
  let skips = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  for await (const item of reader.read(input, ctx)) {
    if (item.kind === 'exchange') lines++;
    else skips++;
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const maxRssMb = peakRssMb();
  const parseMs = JSON_KINDS.has(kind) ? await parseOnly(file) : undefined;
  return { lines, skips, bytes, ms, cpuMs: (used.user + used.system) / 1000, maxRssMb, parseMs };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const child = args.indexOf('--child');
  if (child !== -1) {
    const kind = args[child + 1] as Kind;
    process.stdout.write(JSON.stringify(await runOnce(kind, args[child + 2] as string)));
    return;
  }
  const n = Number(args[args.indexOf('--lines') + 1]) || (QUICK ? 100_000 : 1_000_000);
  mkdirSync(DIR, { recursive: true });
  let ok = true;
  for (const kind of Object.keys(TARGETS) as Kind[]) {
    const file = resolve(DIR, `logs-${kind}.log`);
    const stamp = `${file}.lines`;
    const shape = `${n} lines, shape ${SHAPES[kind]}`;
    if (!existsSync(file) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== shape) {
      process.stderr.write(`generating ${n.toLocaleString('en-US')} ${kind} lines into ${file}…\n`);
      await generate(kind, file, n);
      writeFileSync(stamp, shape);
    }
    const runs: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const res = spawnSync(process.execPath, [import.meta.filename, '--child', kind, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (res.status !== 0) throw new Error(`child run failed: ${res.stderr}`);
      runs.push(JSON.parse(res.stdout) as RunResult);
    }
    const first = runs[0] as RunResult;
    const lps = median(runs.map((r) => r.lines / (r.ms / 1000)));
    const cpuLps = median(runs.map((r) => r.lines / (r.cpuMs / 1000)));
    const mbps = median(runs.map((r) => r.bytes / 1e6 / (r.ms / 1000)));
    const rss = median(runs.map((r) => r.maxRssMb));
    const pass = lps >= TARGETS[kind] && rss < 500 && first.skips === 0 && first.lines === n;
    ok &&= pass;
    console.log(
      `logs/${kind}: ${first.lines.toLocaleString('en-US')} exchanges (${first.skips} skipped) from ${(first.bytes / 1e6).toFixed(0)} MB — ` +
        `median of ${RUNS}: ${Math.round(lps).toLocaleString('en-US')} lines/s (${Math.round(cpuLps).toLocaleString('en-US')} per CPU-second), ${mbps.toFixed(1)} MB/s, peak RSS ${rss.toFixed(0)} MB ` +
        `(target >= ${TARGETS[kind].toLocaleString('en-US')} lines/s, < 500 MB; ratio ${(lps / TARGETS[kind]).toFixed(2)}) ${pass ? 'PASS' : 'FAIL'}`,
    );
    if (first.parseMs !== undefined) {
      const ceiling = median(runs.map((r) => r.lines / ((r.parseMs as number) / 1000)));
      const share = median(runs.map((r) => (r.parseMs as number) / r.ms));
      console.log(
        `  reading, splitting and JSON.parse alone over the same lines: ${Math.round(ceiling).toLocaleString('en-US')} lines/s, ${((first.bytes / first.lines) | 0)} B/line ` +
          `(ceiling ratio ${(ceiling / TARGETS[kind]).toFixed(2)}); it is ${(share * 100).toFixed(0)}% of the reader's time`,
      );
    }
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
