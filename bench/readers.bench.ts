/**
 * Reader-only throughput of the proxy and capture readers: `node bench/readers.bench.ts`
 * (BENCH_QUICK=1 for a small smoke run). Inputs are built once into .bench/ from real captures
 * (mitmproxy flows, a Burp export, ZAP messages, a Charles session, a Fiddler .saz) repeated to
 * size, plus a generated HAR and a generated pcap of HTTP/1.1 connections. Each reader runs 3
 * times over its file, each run in a fresh process (its own peak RSS); medians are printed.
 * Connections in the pcap close with FIN, so the reader's open-connection table stays small.
 * Targets: every reader >= 20 MB/s of input, peak RSS < 500 MB whatever the size.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { child, median, peakRssMb, printTable, rng, verdict } from './lib.ts';
import { generateHar } from './generate-har.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = resolve(ROOT, '.bench');
const DATA = resolve(ROOT, '../shared/data');
const FIXTURES = resolve(ROOT, 'test/core/ingest/formats/proxy/fixtures');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 1 : 3;
/** Approximate input size per format. */
const TARGET_BYTES = (QUICK ? 8 : 40) * 1024 * 1024;
const TARGET_MBPS = 20;
const MAX_RSS_MB = 500;

type Kind = 'har' | 'mitmproxy' | 'burp' | 'zap-messages' | 'charles' | 'saz' | 'pcap';
const KINDS: readonly Kind[] = ['har', 'mitmproxy', 'burp', 'zap-messages', 'charles', 'saz', 'pcap'];

async function writeRepeated(file: string, head: string | Buffer, unit: (i: number) => string | Buffer, tail: string | Buffer): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const write = async (b: string | Buffer): Promise<void> => {
    if (!out.write(b)) await once(out, 'drain');
  };
  await write(head);
  let n = Buffer.byteLength(head);
  for (let i = 0; n < TARGET_BYTES; i++) {
    const u = unit(i);
    n += Buffer.byteLength(u);
    await write(u);
  }
  out.end(tail);
  await once(out, 'finish');
}

/** Concatenated flow dumps are a flow dump: mitmproxy appends flows the same way. */
async function mitmproxy(file: string): Promise<void> {
  const flows = Buffer.concat(['successful_log.mitm', 'error_log.mitm', 'incomplete_log.mitm'].map((f) => readFileSync(resolve(DATA, 'proxy/mitmproxy__mitmproxy', f))));
  await writeRepeated(file, '', () => flows, '');
}

async function burp(file: string): Promise<void> {
  const xml = readFileSync(resolve(DATA, 'proxy/hrbrmstr__burrp/hottest_year.xml'), 'utf8');
  const start = xml.indexOf('<item>');
  const end = xml.lastIndexOf('</item>') + 7;
  await writeRepeated(file, xml.slice(0, start), () => `${xml.slice(start, end)}\n`, '</items>\n');
}

async function zap(file: string): Promise<void> {
  const text = readFileSync(resolve(FIXTURES, 'zap-messages.txt'), 'utf8');
  await writeRepeated(file, '', () => text, '');
}

async function charles(file: string): Promise<void> {
  const session = JSON.parse(readFileSync(resolve(FIXTURES, 'charles-session.chlsj'), 'utf8')) as unknown[];
  const body = JSON.stringify(session).slice(1, -1);
  await writeRepeated(file, '[', (i) => (i === 0 ? body : `,${body}`), ']');
}

/** A zip of many Fiddler sessions: the real archive's session repeated under new numbers. */
async function saz(file: string): Promise<void> {
  const req = Buffer.from('GET https://api.shop.example/api/v1/orders?page=2 HTTP/1.1\r\nHost: api.shop.example\r\nAccept: application/json\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n');
  const body = JSON.stringify({ orders: Array.from({ length: 20 }, (_, i) => ({ id: 7000 + i, total: i * 3.5, items: ['a', 'b'] })) });
  const res = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const meta = Buffer.from('<Session SID="1" BitFlags="1"><SessionTimers ClientBeginRequest="2024-01-01T00:00:00.1234567+00:00" ClientDoneResponse="2024-01-01T00:00:00.5004567+00:00"/></Session>');
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  let total = 0;
  // A classic zip holds at most 65,535 entries (three per session); zip64 is not written here.
  for (let n = 1; total < TARGET_BYTES && n <= 21_000; n++) {
    for (const [suffix, data] of [['c.txt', req], ['s.txt', res], ['m.xml', meta]] as const) {
      const name = Buffer.from(`raw/${String(n).padStart(6, '0')}_${suffix}`);
      const packed = deflateRawSync(data);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(8, 8);
      local.writeUInt32LE(crc32(data), 14);
      local.writeUInt32LE(packed.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(20, 6);
      central.writeUInt16LE(8, 10);
      central.writeUInt32LE(crc32(data), 16);
      central.writeUInt32LE(packed.length, 20);
      central.writeUInt32LE(data.length, 24);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(offset, 42);
      locals.push(local, name, packed);
      centrals.push(central, name);
      offset += 30 + name.length + packed.length;
      total += data.length;
    }
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(centrals.length / 2, 8);
  eocd.writeUInt16LE(centrals.length / 2, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  writeFileSync(file, Buffer.concat([...locals, cd, eocd]));
}

/** Classic pcap: many keep-alive HTTP/1.1 connections, each a few request/response pairs. */
async function pcap(file: string): Promise<void> {
  const r = rng(11);
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16);
  global.writeUInt32LE(1, 20);
  let t = 1_700_000_000;
  const packet = (client: number, port: number, fromClient: boolean, seq: number, data: Buffer, flags = 0x18): Buffer => {
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(40 + data.length, 2);
    ip[8] = 64;
    ip[9] = 6;
    const c = [10, 1, (client >> 8) & 255, client & 255];
    const s = [10, 0, 0, 1];
    ip.set(fromClient ? c : s, 12);
    ip.set(fromClient ? s : c, 16);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(fromClient ? port : 80, 0);
    tcp.writeUInt16BE(fromClient ? 80 : port, 2);
    tcp.writeUInt32BE(seq >>> 0, 4);
    tcp[12] = 0x50;
    tcp[13] = flags;
    const frame = Buffer.concat([eth, ip, tcp, data]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(t, 0);
    rec.writeUInt32LE(Math.floor(r() * 999_999), 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    return Buffer.concat([rec, frame]);
  };
  let conn = 0;
  await writeRepeated(file, global, () => {
    conn++;
    t += 1;
    const port = 20000 + (conn % 40000);
    let cs = 1000;
    let ss = 9000;
    const parts: Buffer[] = [];
    for (let k = 0; k < 4; k++) {
      const body = JSON.stringify({ id: Math.floor(r() * 1e6), name: `user-${conn}-${k}`, roles: ['reader'], balance: r() * 1000 });
      const req = Buffer.from(`GET /api/v1/users/${Math.floor(r() * 100000)}?expand=roles HTTP/1.1\r\nHost: api.shop.example\r\nUser-Agent: bench\r\nAccept: application/json\r\n\r\n`);
      const res = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      parts.push(packet(conn, port, true, cs, req), packet(conn, port, false, ss, res));
      cs += req.length;
      ss += res.length;
    }
    // Both sides close (FIN|ACK), as a browser's idle connection does.
    parts.push(packet(conn, port, true, cs, Buffer.alloc(0), 0x11), packet(conn, port, false, ss, Buffer.alloc(0), 0x11));
    return Buffer.concat(parts);
  }, '');
}

const BUILD: Record<Kind, (file: string) => Promise<void>> = {
  har: async (file) => generateHar(Math.round(TARGET_BYTES / 1100), file),
  mitmproxy,
  burp,
  'zap-messages': zap,
  charles,
  saz,
  pcap,
};

interface RunResult {
  exchanges: number;
  skips: number;
  bytes: number;
  ms: number;
  rssMb: number;
}

async function runOnce(kind: Kind, file: string): Promise<RunResult> {
  const { findFormat } = await import('../src/core/ingest/registry.ts');
  const reader = findFormat(kind);
  if (!reader) throw new Error(`no reader ${kind}`);
  const bytes = statSync(file).size;
  const input = { name: file, size: bytes, chunks: () => createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array> };
  let exchanges = 0;
  let skips = 0;
  const start = performance.now();
  for await (const item of reader.read(input, { signal: new AbortController().signal, options: {} })) {
    if (item.kind === 'exchange') exchanges++;
    else skips++;
  }
  return { exchanges, skips, bytes, ms: performance.now() - start, rssMb: peakRssMb() };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    process.stdout.write(`${JSON.stringify(await runOnce(args[1] as Kind, args[2] as string))}\n`);
    return;
  }
  const only = args.filter((a) => KINDS.includes(a as Kind)) as Kind[];
  mkdirSync(DIR, { recursive: true });
  const rows: (string | number)[][] = [['reader', 'input MB', 'exchanges', 'skipped', 'exchanges/s', 'MB/s', 'peak RSS MB', `target ≥ ${TARGET_MBPS} MB/s`, 'ratio']];
  let ok = true;
  for (const kind of only.length ? only : KINDS) {
    const file = resolve(DIR, `readers-${kind}-${TARGET_BYTES >> 20}m.bin`);
    if (!existsSync(file)) {
      process.stderr.write(`building ${kind} input (${TARGET_BYTES >> 20} MB) in ${file}…\n`);
      await BUILD[kind](file);
    }
    const runs = Array.from({ length: RUNS }, () => child<RunResult>(import.meta.filename, ['--child', kind, file]));
    const mbps = median(runs.map((r) => r.bytes / 1e6 / (r.ms / 1000)));
    const xps = median(runs.map((r) => r.exchanges / (r.ms / 1000)));
    const rss = median(runs.map((r) => r.rssMb));
    const pass = mbps >= TARGET_MBPS && rss < MAX_RSS_MB && runs[0]!.exchanges > 0;
    ok &&= pass;
    rows.push([kind, runs[0]!.bytes / 1e6, runs[0]!.exchanges, runs[0]!.skips, Math.round(xps), mbps, rss, verdict(pass), mbps / TARGET_MBPS]);
  }
  printTable(`Reader throughput, median of ${RUNS} run${RUNS === 1 ? '' : 's'} (${QUICK ? 'quick' : 'full'})`, rows);
  process.exitCode = ok ? 0 : 1;
}

await main();
