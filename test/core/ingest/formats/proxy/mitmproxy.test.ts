import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { headerValue } from '../../../../../src/core/model/exchange.ts';
import { mitmproxyReader } from '../../../../../src/core/ingest/formats/mitmproxy.ts';
import { encodeTnetstring, parseTnetstring, TnetstringError, TnetstringSplitter } from '../../../../../src/core/ingest/formats/tnetstring.ts';
import type { TDict, TValue } from '../../../../../src/core/ingest/formats/tnetstring.ts';
import { shared } from '../../../../helpers/paths.ts';
import { tempDir } from '../../../../helpers/tmp.ts';
import { bytesInput, expectRobust, readAll, readFile, text } from './helpers.ts';

const mitm = (f: string): string => shared('proxy', 'mitmproxy__mitmproxy', f);
const m2s = (f: string): string => shared('proxy', 'alufers__mitmproxy2swagger', f);

describe('tnetstring', () => {
  it('round-trips every type', () => {
    const value: TValue = { a: Buffer.from('bytes'), b: 'text ü', c: 42, d: -1.5, e: true, f: null, g: [1, [2, Buffer.from('x')]] };
    const parsed = parseTnetstring(encodeTnetstring(value)) as TDict;
    expect(parsed.a).toEqual(Buffer.from('bytes'));
    expect(parsed.b).toBe('text ü');
    expect(parsed.c).toBe(42);
    expect(parsed.d).toBe(-1.5);
    expect(parsed.e).toBe(true);
    expect(parsed.f).toBeNull();
    expect(parsed.g).toEqual([1, [2, Buffer.from('x')]]);
    expect(parseTnetstring(Buffer.from('19:5:12345#4:true!1:0#]'))).toEqual([12345, true, 0]);
  });

  it('rejects malformed values with an offset', () => {
    for (const bad of ['5:abc,', '3:abc?', '4:true#', 'x:1,', '1:a', '0:}extra', '13:1:a,99:b,}']) {
      expect(() => parseTnetstring(Buffer.from(bad)), bad).toThrow(TnetstringError);
    }
    const deep = Buffer.from(`${'1:'.repeat(0)}`);
    expect(deep.length).toBe(0);
    let nested: Buffer = Buffer.from('0:]');
    for (let i = 0; i < 100; i++) nested = Buffer.concat([Buffer.from(`${nested.length}:`), nested, Buffer.from(']')]);
    expect(() => parseTnetstring(nested)).toThrow(/nesting deeper/);
  });

  it('splits a stream into records across any chunking and skips oversized ones unread', () => {
    const records = [encodeTnetstring({ n: 1 }), encodeTnetstring({ n: Buffer.alloc(5000, 0x61) }), encodeTnetstring({ n: 3 })];
    const all = Buffer.concat(records);
    for (const size of [1, 7, 100, all.length]) {
      const s = new TnetstringSplitter(1000);
      const items = [];
      for (let i = 0; i < all.length; i += size) items.push(...s.push(all.subarray(i, i + size)));
      s.end();
      expect(items.map((i) => i.kind)).toEqual(['record', 'oversize', 'record']);
      expect(items[2].offset).toBe(records[0].length + records[1].length);
    }
    const cut = new TnetstringSplitter(1000);
    cut.push(all.subarray(0, 20));
    expect(() => cut.end()).toThrow(/truncated/);
  });
});

describe('mitmproxy reader: real flow dumps across format versions', () => {
  const cases: [string, number, string][] = [
    ['dumpfile-010.mitm', 1, '0.10'],
    ['dumpfile-011.mitm', 1, '0.11'],
    ['dumpfile-018.mitm', 1, '0.18'],
    ['dumpfile-019.mitm', 1, '7'],
    ['dumpfile-7.mitm', 2, '11'],
    ['dumpfile-7-websocket.mitm', 3, '7'],
    ['dumpfile-10.mitm', 1, '10'],
    ['dumpfile-19.mitm', 1, '20'],
    ['successful_log.mitm', 2, '18'],
    ['incomplete_log.mitm', 4, '18'],
    ['error_log.mitm', 2, '18'],
    ['websocket.mitm', 3, '20'],
    ['corrupted_gzip_body.mitm', 1, '21'],
  ];
  for (const [file, count, format] of cases) {
    it(`${file}: ${count} exchange(s), flow format ${format}`, async () => {
      const bytes = readFileSync(mitm(file));
      expect(mitmproxyReader.sniff(bytes.subarray(0, 65536), file)).toBeGreaterThanOrEqual(0.9);
      const r = await readFile(mitmproxyReader, mitm(file), {}, 997);
      expect(r.error).toBeNull();
      expect(r.skips).toEqual([]);
      expect(r.exchanges).toHaveLength(count);
      expect(r.exchanges[0].extra?.mitmproxyFlowFormat).toBe(format);
    });
  }

  it('0.10: gzip body decoded, httpversion tuple and client address inside the request', async () => {
    const [x] = (await readFile(mitmproxyReader, mitm('dumpfile-010.mitm'))).exchanges;
    expect(x).toMatchObject({ method: 'GET', scheme: 'http', host: 'example.com', port: null, path: '/', httpVersion: 'HTTP/1.1', status: 200, statusText: 'OK', clientIp: '127.0.0.1', error: null });
    expect(headerValue(x.responseHeaders, 'content-encoding')).toBe('gzip');
    expect(text(x.responseBody)).toContain('<title>Example Domain</title>');
    expect(x.time).toBe(1468014849989);
  });

  it('0.18: addresses wrapped in {address: […]} and the server IP', async () => {
    const [x] = (await readFile(mitmproxyReader, mitm('dumpfile-018.mitm'))).exchanges;
    expect(x).toMatchObject({ scheme: 'https', host: 'www.example.com', status: 200, serverIp: '93.184.216.34', clientIp: '127.0.0.1' });
  });

  it('format 7 HTTP/2: pseudo-headers left out of the headers, incomplete flow has no response', async () => {
    const [x] = (await readFile(mitmproxyReader, mitm('dumpfile-019.mitm'))).exchanges;
    expect(x).toMatchObject({ httpVersion: 'HTTP/2', host: 'webrv.rtb-seller.com', path: '/webrv-at', status: null, error: 'no response captured', clientIp: '127.0.0.1', serverIp: '3.213.13.94' });
    expect(x.query).toMatch(/^\?width=400&height=300/);
    expect(x.requestHeaders.some(([n]) => n.startsWith(':'))).toBe(false);
    expect(headerValue(x.requestHeaders, 'cookie')).toMatch(/^wrvUserID=/);
  });

  it('format 20 HTTP/3 flow', async () => {
    const [x] = (await readFile(mitmproxyReader, mitm('dumpfile-19.mitm'))).exchanges;
    expect(x).toMatchObject({ httpVersion: 'HTTP/3', host: 'cloudflare-quic.com', status: 200, clientIp: '::1', serverIp: '104.22.8.38' });
    expect(x.responseBody!.length).toBeGreaterThan(100_000);
  });

  it('old separate WebSocket flows are joined to their handshake', async () => {
    const r = await readFile(mitmproxyReader, mitm('dumpfile-7-websocket.mitm'));
    expect(r.exchanges.map((x) => [x.scheme, x.status, x.websocket?.length ?? 0])).toEqual([
      ['ws', 101, 4],
      ['wss', 101, 2],
      ['wss', 101, 0],
    ]);
    const first = r.exchanges[0].websocket![0];
    expect(first).toEqual({ direction: 'send', time: 1612375501000, opcode: 1, data: 'Rock it with HTML5 WebSocket' });
    expect(r.items.map((i) => i.index)).toEqual([1, 4, 6]);
  });

  it('current WebSocket flows carry their messages and close code', async () => {
    const r = await readFile(mitmproxyReader, mitm('websocket.mitm'));
    const x = r.exchanges[2];
    expect(x).toMatchObject({ scheme: 'wss', host: 'demo.piesocket.com', path: '/v3/channel_123', status: 101 });
    expect(x.websocket).toHaveLength(3);
    expect(x.websocket![1]).toMatchObject({ direction: 'send', data: 'foo' });
    expect(r.exchanges[1].extra?.websocketCloseCode).toBe(1000);
  });

  it('error and incomplete flows keep the request and say why there is no response', async () => {
    const err = (await readFile(mitmproxyReader, mitm('error_log.mitm'))).exchanges;
    expect(err[0]).toMatchObject({ host: '163.com', status: null });
    expect(err[0].error).toMatch(/Connect call failed/);
    expect(err[1]).toMatchObject({ method: 'POST', status: 405, httpVersion: 'HTTP/2' });
    const inc = (await readFile(mitmproxyReader, mitm('incomplete_log.mitm'))).exchanges;
    expect(inc.map((x) => [x.method, x.host, x.status])).toEqual([
      ['GET', 'example.com', null],
      ['GET', 'google.com', null],
      ['POST', 'google.com', null],
      ['POST', 'google.com', null],
    ]);
  });

  it('a corrupt gzip body is reported and kept as captured', async () => {
    const [x] = (await readFile(mitmproxyReader, mitm('corrupted_gzip_body.mitm'))).exchanges;
    expect(x.status).toBe(200);
    expect(x.error).toMatch(/gzip content-encoding but does not decode/);
    expect([...x.responseBody!.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(x.host).toBe('127.0.0.1');
    expect(x.port).toBe(5000);
  });

  it('mitmproxy2swagger fixtures: JSON, form data and msgpack bodies', async () => {
    const flows = (await readFile(mitmproxyReader, m2s('test_flows'))).exchanges;
    expect(flows.map((x) => `${x.method} ${x.path}`)).toEqual(['GET /get', 'POST /post', 'PATCH /patch', 'GET /get']);
    expect(JSON.parse(text(flows[1].responseBody)).url).toBe('https://httpbin.org/post');
    const form = (await readFile(mitmproxyReader, m2s('form_data_flows'))).exchanges;
    expect(form).toHaveLength(1);
    expect(headerValue(form[0].requestHeaders, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(text(form[0].requestBody)).toContain('=');
    const msgpack = (await readFile(mitmproxyReader, m2s('msgpack_flows'))).exchanges;
    expect(msgpack[0]).toMatchObject({ host: 'localhost', port: 8082, method: 'POST', status: 200, clientIp: '::1' });
    expect(headerValue(msgpack[0].responseHeaders, 'content-type')).toBe('application/msgpack');
  });

  it('a truncated dump yields the flows before the cut, then a ReadError naming the offset', async () => {
    const two = readFileSync(mitm('successful_log.mitm'));
    const r = await readAll(mitmproxyReader, bytesInput(two.subarray(0, two.length - 100)));
    expect(r.exchanges).toHaveLength(1);
    expect(r.error?.message).toMatch(/truncated/);
    expect(r.error?.at).toMatch(/^offset \d+$/);
  });

  it('an oversized flow is skipped without being held, the next one read', async () => {
    const two = readFileSync(mitm('successful_log.mitm'));
    const r = await readAll(mitmproxyReader, bytesInput(two), { maxRecordBytes: '9000' });
    expect(r.skips).toHaveLength(1);
    expect(r.skips[0].message).toMatch(/exceeds the record limit/);
    expect(r.exchanges).toHaveLength(1);
  });

  it('a non-flow record and a non-HTTP flow are skipped with a reason', async () => {
    const bytes = Buffer.concat([encodeTnetstring([1, 2]), encodeTnetstring({ type: 'tcp', id: 'x' }), readFileSync(mitm('dumpfile-10.mitm'))]);
    const r = await readAll(mitmproxyReader, bytesInput(bytes));
    expect(r.skips.map((s) => s.message)).toEqual(['record is not a flow (not a dict)', 'mitmproxy tcp flow carries no HTTP exchange']);
    expect(r.exchanges).toHaveLength(1);
  });

  it('does not claim JSON, HAR or text', () => {
    for (const s of ['{"log":{}}', '[1,2]', 'GET / HTTP/1.1', '12:hello world,']) expect(mitmproxyReader.sniff(Buffer.from(s), 'x')).toBe(0);
  });

  it('survives truncation, byte flips, re-encoding, huge lines and deep nesting', async () => {
    let deep = '0:~';
    for (let i = 0; i < 2000; i++) deep = `${deep.length}:${deep}]`;
    await expectRobust(mitmproxyReader, readFileSync(mitm('successful_log.mitm')), 10, deep);
  });
});

const HAS_MITMDUMP = spawnSync('mitmdump', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!HAS_MITMDUMP)('mitmproxy reader: a flow file written by the installed mitmdump', () => {
  it('imports what a reverse proxy in front of a local server recorded', async () => {
    const dir = tempDir('cartograph-mitm-');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/gzip') {
          res.setHeader('content-encoding', 'gzip');
          res.end(gzipSync('{"zipped":true}'));
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const upstream = (server.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const listen = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const out = join(dir, 'flows.mitm');
    const proxy = spawn('mitmdump', ['-q', '-w', out, '--mode', `reverse:http://127.0.0.1:${upstream}`, '--listen-host', '127.0.0.1', '--listen-port', String(listen), '--set', `confdir=${join(dir, 'conf')}`], { stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${listen}`;
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await fetch(`${base}/ready`).then(
          () => true,
          () => new Promise((r) => setTimeout(r, 100)).then(() => false),
        );
      }
      expect(up).toBe(true);
      await fetch(`${base}/api/users?id=7`);
      await fetch(`${base}/api/items`, { method: 'POST', body: '{"name":"x"}', headers: { 'content-type': 'application/json' } });
      await fetch(`${base}/gzip`, { headers: { 'accept-encoding': 'gzip' } });
    } finally {
      proxy.kill('SIGINT');
      await new Promise((r) => proxy.once('exit', r));
      server.close();
    }
    expect(existsSync(out)).toBe(true);
    const r = await readFile(mitmproxyReader, out);
    expect(r.error).toBeNull();
    expect(r.exchanges.map((x) => `${x.method} ${x.path}${x.query}`)).toEqual(['GET /ready', 'GET /api/users?id=7', 'POST /api/items', 'GET /gzip']);
    const post = r.exchanges[2];
    expect(post).toMatchObject({ host: '127.0.0.1', port: upstream, status: 200, clientIp: '127.0.0.1' });
    expect(text(post.requestBody)).toBe('{"name":"x"}');
    expect(JSON.parse(text(post.responseBody))).toEqual({ method: 'POST', url: '/api/items', body: '{"name":"x"}' });
    expect(text(r.exchanges[3].responseBody)).toBe('{"zipped":true}');
    expect(r.exchanges[1].time).toBeGreaterThan(Date.now() - 120_000);
  });
});

if (!HAS_MITMDUMP) {
  describe('mitmproxy reader: live capture', () => {
    it.skip('needs mitmdump on PATH (apt-get install -y mitmproxy); skipped', () => {});
  });
}
