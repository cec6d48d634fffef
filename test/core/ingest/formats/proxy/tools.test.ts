import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { headerValue, headerValues } from '../../../../../src/core/model/exchange.ts';
import { burpReader, parseJavaDate } from '../../../../../src/core/ingest/formats/burp.ts';
import { charlesReader } from '../../../../../src/core/ingest/formats/charles.ts';
import { sazReader } from '../../../../../src/core/ingest/formats/saz.ts';
import { zapMessagesReader } from '../../../../../src/core/ingest/formats/zap.ts';
import { shared } from '../../../../helpers/paths.ts';
import { bytesInput, expectRobust, readAll, readFile, text, zip } from './helpers.ts';

const fixture = (f: string): string => join(import.meta.dirname, 'fixtures', f);
const BURP = shared('proxy', 'hrbrmstr__burrp', 'hottest_year.xml');
const SAZ = shared('proxy', 'mingyuchoo__real-saz2har', 'demo.saz');

describe('Burp Suite saved items', () => {
  it('reads all 15 base64 items of the real export', async () => {
    const r = await readFile(burpReader, BURP, {}, 5000);
    expect(r.error).toBeNull();
    expect(r.skips).toEqual([]);
    expect(r.exchanges).toHaveLength(15);
    const [fb] = r.exchanges;
    expect(fb).toMatchObject({ method: 'GET', scheme: 'https', host: 'connect.facebook.net', port: null, path: '/en_US/all.js', status: 200, serverIp: '31.13.71.7', error: null });
    expect(fb.time).toBe(Date.parse('2017-02-20T01:42:20Z'));
    expect(fb.responseBody!.length).toBe(197050);
    const data = r.exchanges.find((x) => x.path.endsWith('/data.json'))!;
    expect(JSON.parse(text(data.responseBody))[0].year).toBe('1880');
    const moved = r.exchanges.find((x) => x.status === 301)!;
    expect(moved).toMatchObject({ scheme: 'http', host: 'www.bloomberg.com', statusText: 'Moved Permanently' });
    expect(headerValue(moved.responseHeaders, 'location')).toMatch(/^https:/);
    const ad = r.exchanges.find((x) => x.path === '/graphics/assets/ad.html')!;
    expect(ad.query).toMatch(/^\?url=\/2014-hottest-year-on-record&size=728x90\|1x1/);
  });

  it('reads plain (non-base64) items in CDATA and entity-escaped text, and reports an item without a request', async () => {
    const body = '{"ok":true}';
    const xml = `<?xml version="1.0"?>
<items burpVersion="2023.10" exportTime="Mon Jan 02 10:00:00 UTC 2023">
  <item>
    <time>Mon Jan 02 10:00:00 CET 2023</time>
    <url><![CDATA[http://shop.local:8080/api/cart?x=1]]></url>
    <host ip="10.1.2.3">shop.local</host><port>8080</port><protocol>http</protocol>
    <method><![CDATA[POST]]></method><path><![CDATA[/api/cart?x=1]]></path>
    <request base64="false"><![CDATA[POST /api/cart?x=1 HTTP/1.1\r\nHost: shop.local:8080\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"sku":1}]]></request>
    <status>200</status><responselength>60</responselength><mimetype>JSON</mimetype>
    <response base64="false">HTTP/1.1 200 OK&#13;
Content-Type: application/json&#13;
Content-Length: ${body.length}&#13;
&#13;
${body}</response>
    <comment>checked &amp; noted</comment>
  </item>
  <item><time>Mon Jan 02 10:00:01 UTC 2023</time><url>http://x/</url><request base64="false"></request></item>
</items>`;
    const r = await readAll(burpReader, bytesInput(Buffer.from(xml.replace(/\\r\\n/g, '\r\n')), 'items.xml', 50));
    expect(r.error).toBeNull();
    expect(r.exchanges).toHaveLength(1);
    const [x] = r.exchanges;
    expect(x).toMatchObject({ method: 'POST', host: 'shop.local', port: 8080, path: '/api/cart', query: '?x=1', status: 200, serverIp: '10.1.2.3', error: null });
    expect(text(x.requestBody)).toBe('{"sku":1}');
    expect(text(x.responseBody)).toBe(body);
    expect(x.extra).toEqual({ timeZoneAssumedUtc: true, comment: 'checked & noted' });
    expect(r.skips).toEqual([{ kind: 'skip', index: 2, at: expect.stringMatching(/^item 2/), message: 'item has no request' }]);
  });

  it('parses Java dates, falling back to UTC for zone names V8 does not know', () => {
    expect(parseJavaDate('Sun Feb 19 20:42:20 EST 2017')).toEqual({ time: Date.parse('2017-02-20T01:42:20Z'), zoneKnown: true });
    expect(parseJavaDate('Mon Jan 02 10:00:00 CET 2023')).toEqual({ time: Date.parse('2023-01-02T10:00:00Z'), zoneKnown: false });
  });

  it('malformed XML ends in a ReadError with line and column after the items before it', async () => {
    const xml = readFileSync(BURP, 'utf8');
    const cut = xml.indexOf('</item>', xml.indexOf('</item>') + 10) + 7;
    const r = await readAll(burpReader, bytesInput(Buffer.from(`${xml.slice(0, cut)}<item><time>oops</item>`)));
    expect(r.exchanges).toHaveLength(2);
    expect(r.error?.message).toMatch(/malformed XML after 2 items/);
    expect(r.error?.at).toMatch(/^line \d+, column \d+$/);
  });

  it('claims Burp XML only', () => {
    expect(burpReader.sniff(readFileSync(BURP).subarray(0, 65536), 'x.xml')).toBeGreaterThan(0.9);
    expect(burpReader.sniff(Buffer.from('<?xml version="1.0"?><rss><item/></rss>'), 'x.xml')).toBe(0);
    expect(burpReader.sniff(Buffer.from('{"log":{}}'), 'x.xml')).toBe(0);
  });

  it('survives hostile input', async () => {
    await expectRobust(burpReader, readFileSync(BURP).subarray(0, 60_000), 8, `<items>${'<item>'.repeat(100_000)}`);
  });
});

describe('ZAP exported messages', () => {
  it('reads the documented export layout', async () => {
    const r = await readFile(zapMessagesReader, fixture('zap-messages.txt'), {}, 64);
    expect(r.error).toBeNull();
    expect(r.skips).toEqual([]);
    expect(r.exchanges.map((x) => `${x.method} ${x.scheme}://${x.host}${x.port ? `:${x.port}` : ''}${x.path}${x.query} ${x.status}`)).toEqual([
      'GET http://localhost:9091/api/users?page=1 200',
      'POST https://app.example.com/login 302',
      'DELETE http://localhost:9091/api/users/2 null',
      'PUT http://localhost:9091/api/users/1 204',
    ]);
    const [get, login, del, put] = r.exchanges;
    expect(get.requestBody).toBeNull();
    expect(JSON.parse(text(get.responseBody))).toEqual({ users: [{ id: 1, name: 'alice' }] });
    expect(get.time).toBe(Date.parse('Tue, 03 Jan 2023 10:15:30 GMT'));
    expect(get.extra).toEqual({ zapHistoryId: 12, timeFrom: 'response Date header' });
    expect(text(login.requestBody)).toBe('username=bob&password=secret');
    expect(headerValues(login.responseHeaders, 'set-cookie')).toEqual(['session=abc123; HttpOnly', 'theme=dark']);
    expect(del.error).toBe('no response captured');
    expect(text(put.requestBody)).toBe('{"name":"alice2"}');
    expect(put.responseBody?.length).toBe(0);
  });

  it('sniffs the separator, refuses text without one', async () => {
    expect(zapMessagesReader.sniff(readFileSync(fixture('zap-messages.txt')), 'untitled.txt')).toBe(0.95);
    expect(zapMessagesReader.sniff(Buffer.from('GET / HTTP/1.1\r\n'), 'a.txt')).toBe(0);
    const r = await readAll(zapMessagesReader, bytesInput(Buffer.from('hello\nworld\n')));
    expect(r.error?.message).toMatch(/not a ZAP message export/);
  });

  it('a message that is not HTTP is skipped, the rest read', async () => {
    const bytes = Buffer.concat([Buffer.from('==== 1 ==========\nnot http at all\n\n'), readFileSync(fixture('zap-messages.txt'))]);
    const r = await readAll(zapMessagesReader, bytesInput(bytes));
    expect(r.skips).toHaveLength(1);
    expect(r.skips[0].at).toMatch(/ZAP history id 1, line 1/);
    expect(r.exchanges).toHaveLength(4);
  });

  it('survives hostile input', async () => {
    await expectRobust(zapMessagesReader, readFileSync(fixture('zap-messages.txt')), 10);
  });
});

describe('Charles JSON session', () => {
  it('reads transactions, decodes encoded bodies, reports tunnels and failures', async () => {
    const r = await readFile(charlesReader, fixture('charles-session.chlsj'), {}, 300);
    expect(r.error).toBeNull();
    expect(r.exchanges).toHaveLength(3);
    const [get, post, failed] = r.exchanges;
    expect(get).toMatchObject({ method: 'GET', scheme: 'https', host: 'api.example.com', port: null, path: '/v1/orders', query: '?status=open&limit=5', status: 200, statusText: 'OK', durationMs: 87, serverIp: '203.0.113.10', clientIp: '127.0.0.1', error: null });
    expect(get.time).toBe(Date.parse('2023-03-01T11:00:00.123Z'));
    expect(headerValue(get.requestHeaders, 'authorization')).toBe('Bearer abc.def.ghi');
    expect(post).toMatchObject({ port: 8443, httpVersion: 'HTTP/2', status: 201, statusText: 'Created' });
    expect(text(post.requestBody)).toBe('{"item":"book","qty":2}');
    expect(text(post.responseBody)).toBe('{"ok":true}');
    expect(failed).toMatchObject({ host: 'down.example.org', status: null, error: 'Connect failed: Connection refused' });
    expect(r.skips).toEqual([{ kind: 'skip', index: 3, at: 'record 3', message: 'CONNECT tunnel to tracker.example.net (not decrypted by Charles): no HTTP exchange inside' }]);
  });

  it('sniffs a Charles array but not a plain JSON array', () => {
    expect(charlesReader.sniff(readFileSync(fixture('charles-session.chlsj')), 'x.json')).toBe(0.95);
    expect(charlesReader.sniff(Buffer.from('[{"host":"a"}]'), 'x.json')).toBe(0);
    expect(charlesReader.sniff(Buffer.from('[{"host":"a"}]'), 'x.chlsj')).toBe(0.5);
  });

  it('survives hostile input', async () => {
    await expectRobust(charlesReader, readFileSync(fixture('charles-session.chlsj')), 10);
  });
});

describe('Fiddler .saz', () => {
  it('reads the real archive: one decrypted HTTPS session with timings and addresses', async () => {
    const r = await readFile(sazReader, SAZ);
    expect(r.error).toBeNull();
    expect(r.exchanges).toHaveLength(1);
    const [x] = r.exchanges;
    expect(x).toMatchObject({ method: 'GET', scheme: 'https', host: 'jsonplaceholder.typicode.com', path: '/todos/1', status: 200, clientIp: '127.0.0.1', serverIp: '172.67.189.122', durationMs: 67, error: null });
    expect(x.time).toBe(Date.parse('2020-08-14T03:53:15.848+09:00'));
    expect(JSON.parse(text(x.responseBody))).toMatchObject({ userId: 1, id: 1, title: 'delectus aut autem' });
    expect(x.extra).toEqual({ fiddlerSession: 1 });
  });

  function session(n: number, req: string, res: string | null, meta = ''): { name: string; data: Buffer }[] {
    const files = [{ name: `raw/${String(n).padStart(2, '0')}_c.txt`, data: Buffer.from(req) }];
    if (res !== null) files.push({ name: `raw/${String(n).padStart(2, '0')}_s.txt`, data: Buffer.from(res) });
    if (meta) files.push({ name: `raw/${String(n).padStart(2, '0')}_m.xml`, data: Buffer.from(meta) });
    return files;
  }

  it('orders sessions numerically, skips CONNECT tunnels, de-chunks and decodes bodies', async () => {
    const gz = gzipSync('{"a":1}');
    const chunked = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')]);
    const archive = zip([
      ...session(10, 'GET http://api.local/ten HTTP/1.1\r\nHost: api.local\r\n\r\n', 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
      ...session(2, 'CONNECT secure.example.com:443 HTTP/1.1\r\nHost: secure.example.com:443\r\n\r\n', 'HTTP/1.1 200 Connection Established\r\n\r\n'),
      { name: 'raw/03_c.txt', data: Buffer.from('GET /gz HTTP/1.1\r\nHost: api.local:8080\r\n\r\n') },
      { name: 'raw/03_s.txt', data: chunked },
      { name: 'raw/03_m.xml', data: Buffer.from('<Session SID="3" BitFlags="1"><SessionTimers ClientBeginRequest="2024-01-01T00:00:00.1234567+00:00" ClientDoneResponse="2024-01-01T00:00:00.5004567+00:00"/><SessionFlags><SessionFlag N="x-clientip" V="::ffff:10.0.0.5"/><SessionFlag N="ui-comments" V="interesting"/></SessionFlags></Session>') },
      ...session(4, 'POST http://api.local/upload HTTP/1.1\r\nHost: api.local\r\nContent-Length: 3\r\n\r\nabc', null),
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
    ]);
    const r = await readAll(sazReader, bytesInput(archive, 'x.saz', 100));
    expect(r.error).toBeNull();
    expect(r.items.map((i) => (i.kind === 'exchange' ? `${i.index} ${i.exchange.method} ${i.exchange.path} ${i.exchange.status}` : `${i.index} skip`))).toEqual(['1 skip', '2 GET /gz 200', '3 POST /upload null', '4 GET /ten 404']);
    expect(r.skips[0].message).toMatch(/CONNECT tunnel to secure.example.com:443/);
    const gzx = r.exchanges[0];
    expect(gzx).toMatchObject({ scheme: 'https', host: 'api.local', port: 8080, clientIp: '10.0.0.5', durationMs: 377 });
    expect(text(gzx.responseBody)).toBe('{"a":1}');
    expect(gzx.extra).toEqual({ fiddlerSession: 3, comment: 'interesting' });
    expect(text(r.exchanges[1].requestBody)).toBe('abc');
    expect(r.exchanges[1].error).toBe('no response captured');
  });

  it('caps decompressed sizes: a zip bomb session is skipped, a lying header is caught', async () => {
    const bomb = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), Buffer.alloc(4 * 1024 * 1024, 0x30)]);
    const archive = zip([...session(1, 'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n', null), { name: 'raw/1_s.txt', data: bomb }, ...session(2, 'GET http://a/two HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n')]);
    expect(archive.length).toBeLessThan(20_000);
    const r = await readAll(sazReader, bytesInput(archive), { maxRecordBytes: String(1024 * 1024) });
    expect(r.skips).toHaveLength(1);
    expect(r.skips[0].message).toMatch(/over the record limit/);
    expect(r.exchanges.map((x) => x.path)).toEqual(['/two']);
    const liar = zip([{ name: 'raw/1_c.txt', data: Buffer.alloc(2 * 1024 * 1024, 0x41), claimSize: 10 }]);
    const l = await readAll(sazReader, bytesInput(liar), { maxRecordBytes: String(1024 * 1024) });
    expect(l.exchanges).toEqual([]);
    expect(l.skips[0].message).toMatch(/record limit|too many bytes|size/i);
  });

  it('a file that is not a zip, or a zip without sessions, is a ReadError', async () => {
    expect((await readAll(sazReader, bytesInput(Buffer.from('PK\u0003\u0004 not really')))).error?.message).toMatch(/not a readable zip archive/);
    expect((await readAll(sazReader, bytesInput(zip([{ name: 'a.txt', data: Buffer.from('x') }])))).error?.message).toMatch(/no Fiddler sessions/);
  });

  it('sniffs zip content with raw/ session files', () => {
    expect(sazReader.sniff(readFileSync(SAZ), 'demo.saz')).toBe(0.95);
    expect(sazReader.sniff(zip([{ name: 'word/document.xml', data: Buffer.from('x') }]), 'a.docx')).toBe(0);
  });

  it('survives hostile input', async () => {
    await expectRobust(sazReader, readFileSync(SAZ), 12);
  });
});
