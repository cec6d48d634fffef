import { describe, expect, it } from 'vitest';
import { accessLogReader } from '../../../../../src/core/ingest/formats/logs/clf.ts';
import { ReadError } from '../../../../../src/core/ingest/reader.ts';
import { shared } from '../../../../helpers/paths.ts';
import { bytesOf, expectGolden, header, logFile, readAll } from './helpers.ts';

const matomo = (f: string): Buffer => bytesOf(logFile('matomo-org__matomo-log-analytics', f));

describe('access-log reader: real files', () => {
  it('reads the 10,000-line Apache combined sample, skipping only its truncated line', async () => {
    const res = await readAll(accessLogReader, bytesOf(logFile('elastic__examples', 'apache_logs')), {}, 65536);
    expect(res.exchanges.length).toBe(9999);
    expect(res.skips).toEqual([{ index: 8899, at: 'line 8899', message: 'a quoted field is not closed (the line looks truncated)' }]);
    const first = res.byIndex.get(1);
    expect(first).toMatchObject({
      time: Date.UTC(2015, 4, 17, 10, 5, 3),
      method: 'GET',
      path: '/presentations/logstash-monitorama-2013/images/kibana-search.png',
      query: '',
      httpVersion: 'HTTP/1.1',
      status: 200,
      responseSize: 203023,
      clientIp: '83.149.9.216',
      requestBody: null,
      responseBody: null,
    });
    expect(header(first!, 'Referer')).toBe('http://semicomplete.com/presentations/logstash-monitorama-2013/');
  });

  it('matches crowdsec golden fields for Apache (vhost, vhost:port, error-log entries mixed in)', async () => {
    const res = await expectGolden(expect, accessLogReader, 'apache2-logs', 'apache2-logs.log', 'crowdsecurity/apache2-logs');
    expect(res.exchanges.length).toBe(8);
    // The failed basic auth is a request (401); the TLS handshake that stopped carried none.
    expect(res.byIndex.get(8)).toMatchObject({ method: '-', path: '/', status: 401, clientIp: '31.33.58.75', extra: { errorCode: 'AH01618', user: 'sss' } });
    expect(res.skips.map((s) => [s.at, s.message])).toEqual([['line 9', 'error-log entry names no request ("SSL handshake stopped: connection was closed")']]);
    expect(res.byIndex.get(7)).toMatchObject({ host: 'website.com', scheme: 'https', port: null, time: Date.UTC(2021, 9, 25, 9, 5, 52) });
  });

  it('matches crowdsec golden fields for NGINX', async () => {
    const res = await expectGolden(expect, accessLogReader, 'nginx_http-logs', 'nginx_http-logs.log', 'crowdsecurity/nginx-logs');
    expect(res.exchanges.length).toBe(9);
    expect(res.byIndex.get(9)).toMatchObject({ method: 'GET', path: '/market/', host: 'localhost', clientIp: '172.17.0.1', extra: { errorLevel: 'error' } });
    expect(res.byIndex.get(6)).toMatchObject({ host: 'www.crowdsec11.net', port: null, status: 301, responseSize: 0 });
    expect(res.byIndex.get(7)?.extra).toEqual({ user: 'user123' });
  });

  it('matches crowdsec golden fields for Traefik CLF and keeps its router, backend and duration', async () => {
    const res = await expectGolden(expect, accessLogReader, 'traefik_clf', 'traefik_clf.log', 'crowdsecurity/traefik-logs');
    expect(res.exchanges.length).toBe(7);
    expect(res.byIndex.get(6)).toMatchObject({
      httpVersion: 'HTTP/2',
      durationMs: 42,
      extra: { requestCount: '244', router: 'test@docker -> leaf@docker', upstream: 'http://172.17.0.3:80' },
    });
    expect(res.byIndex.get(5)).toMatchObject({ status: null, responseSize: null });
  });

  it('reads the Matomo variants: common (gzip), vhost, OVH, Gandi, NCSA extended', async () => {
    const common = await readAll(accessLogReader, matomo('common.log.gz'));
    expect(common.exchanges).toHaveLength(1);
    expect(common.exchanges[0]).toMatchObject({ method: 'POST', path: '/form', status: 200, responseSize: 145, clientIp: '1.2.3.5', time: Date.UTC(2012, 1, 10, 23, 42, 7), extra: { user: 'admin' } });
    const vhost = await readAll(accessLogReader, matomo('common_vhost.log'));
    expect(vhost.exchanges[0]).toMatchObject({ host: 'www.example.com', clientIp: '1.2.3.4', status: 301, time: Date.UTC(2012, 1, 10, 21, 42, 7) });
    const ovh = await readAll(accessLogReader, matomo('ovh.log'));
    expect(ovh.exchanges[0]).toMatchObject({ host: 'www.example.com', clientIp: '1.2.3.4', extra: { user: 'theuser' } });
    const gandi = await readAll(accessLogReader, matomo('gandi.log'));
    expect(gandi.exchanges).toHaveLength(2);
    expect(gandi.exchanges[1]).toMatchObject({ host: 'www.example.com', clientIp: '125.125.125.125', durationMs: 0, status: 200, responseSize: 1124 });
    const ncsa = await readAll(accessLogReader, matomo('ncsa_extended.log'));
    expect(header(ncsa.exchanges[0]!, 'User-Agent')).toMatch(/^Mozilla\/5\.0 \(X11; Linux x86_64\)/);
  });

  it('reads a Big5 line that is not UTF-8 as Latin-1, percent-encodes its path bytes and says so', async () => {
    const raw = matomo('common_encoding_big5.log');
    const res = await readAll(accessLogReader, raw);
    expect(res.exchanges).toHaveLength(1);
    const e = res.exchanges[0]!;
    expect(e.extra?.['encoding']).toBe('latin1 (not valid UTF-8)');
    const sent = raw.subarray(raw.indexOf('GET /') + 4, raw.indexOf(' HTTP/1.0'));
    // The percent-encoded path decodes back to exactly the bytes in the file.
    const bytes = Buffer.from(e.path.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    expect(bytes).toEqual(sent);
  });
});

describe('access-log reader: usual extra fields without configuration', () => {
  const read = async (text: string) => readAll(accessLogReader, Buffer.from(text));

  it('takes $request_time, $upstream_response_time, X-Forwarded-For and upstream address by shape', async () => {
    const res = await read(
      '10.0.0.1 - - [01/Mar/2024:10:00:00 +0100] "GET /api/items?id=7 HTTP/1.1" 200 512 "-" "curl/8.0" "203.0.113.9, 10.0.0.2" 0.125 0.120 10.1.1.5:8080\n',
    );
    expect(res.skips).toEqual([]);
    const e = res.exchanges[0]!;
    expect(e).toMatchObject({ time: Date.UTC(2024, 2, 1, 9, 0, 0), path: '/api/items', query: '?id=7', durationMs: 125 });
    expect(header(e, 'X-Forwarded-For')).toBe('203.0.113.9, 10.0.0.2');
    expect(e.extra).toMatchObject({ upstreamResponseTime: '0.120', upstream: '10.1.1.5:8080' });
  });

  it('reads key=value extras (rt=, uct=) and keeps unknown trailing tokens', async () => {
    const res = await read('10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] "POST /x HTTP/1.1" 201 0 "-" "-" rt=0.010 uct="0.001" mystery\n');
    expect(res.exchanges[0]).toMatchObject({ durationMs: 10, extra: { uct: '0.001', trailing: 'mystery' } });
  });

  it('decodes NGINX \\x escapes (UTF-8) and Apache \\" escapes', async () => {
    const nginx = await read('1.1.1.1 - - [01/Mar/2024:10:00:00 +0000] "GET /caf\\xC3\\xA9 HTTP/1.1" 200 1 "-" "say \\x22hi\\x22"\n');
    expect(nginx.exchanges[0]).toMatchObject({ path: '/café' });
    expect(header(nginx.exchanges[0]!, 'User-Agent')).toBe('say "hi"');
    const apache = await read('1.1.1.1 - - [01/Mar/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "quote \\"me\\" \\\\ ok"\n');
    expect(header(apache.exchanges[0]!, 'User-Agent')).toBe('quote "me" \\ ok');
  });

  it('keeps requests that are not HTTP request lines (TLS to the HTTP port, junk, none) as exchanges, and skips non-access lines', async () => {
    const res = await read(
      '1.1.1.1 - - [01/Mar/2024:10:00:00 +0000] "-" 408 0 "-" "-"\n' +
        '1.1.1.1 - - [01/Mar/2024:10:00:00 +0000] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"\n' +
        '1.1.1.1 - - [01/Mar/2024:10:00:01 +0000] "HELP" 400 157 "-" "-"\n' +
        '1.1.1.1 - - [01/Mar/2024:10:00:02 +0000] "Gh0st\\xAD\\x00 x" 400 157 "-" "-"\n' +
        'hello\n',
    );
    expect(res.exchanges.map((e) => [e.method, e.path, e.query, e.status, e.extra?.rawRequest])).toEqual([
      ['-', '/', '', 408, ''],
      ['-', '/', '', 400, '\u0016\u0003\u0001\u0000'],
      ['HELP', '/', '', 400, 'HELP'],
      ['-', '/', '', 400, 'Gh0st\u00ad\u0000 x'],
    ]);
    expect(res.exchanges[3]?.extra?.encoding).toMatch(/latin1/);
    expect(res.skips).toEqual([{ index: 5, at: 'line 5', message: expect.stringMatching(/not a common\/combined access-log line/) }]);
  });

  it('keeps a request target in proxy form (absolute URL, CONNECT host:port) as sent, and no other', async () => {
    const res = await read(
      '127.0.0.2 - - [08/Aug/2022:21:18:26 +0000] "GET http://www.sbjudge4.com:80/ip4.php HTTP/1.0" 400 255 "-" "-"\n' +
        '127.0.0.1 - - [24/Sep/2021:06:20:32 +0000] "CONNECT foo.com:25 HTTP/1.1" 400 166 "-" "-"\n' +
        '127.0.0.3 - - [24/Sep/2021:06:20:33 +0000] "GET /a?next=http://b.example/ HTTP/1.1" 200 1 "-" "-"\n' +
        '127.0.0.3 - - [24/Sep/2021:06:20:34 +0000] "OPTIONS * HTTP/1.1" 200 1 "-" "-"\n',
    );
    expect(res.exchanges.map((e) => [e.method, e.host, e.port, e.path, e.extra?.requestTarget])).toEqual([
      ['GET', 'www.sbjudge4.com', null, '/ip4.php', 'http://www.sbjudge4.com:80/ip4.php'],
      ['CONNECT', 'foo.com', 25, '/', 'foo.com:25'],
      ['GET', '', null, '/a', undefined],
      ['OPTIONS', '', null, '*', undefined],
    ]);
  });

  it('reads crowdsec\'s malformed-request logs (NGINX and Apache) with every line an exchange', async () => {
    for (const [dir, file, n] of [['nginx-http-malformed', 'nginx_http-logs.log', 12], ['apache2-malformed', 'apache2-logs.log', 11]] as const) {
      const bytes = bytesOf(shared('attacks', 'crowdsecurity__hub', dir, file));
      expect(accessLogReader.sniff(bytes.subarray(0, 65536), file)).toBeGreaterThan(0.8);
      const res = await readAll(accessLogReader, bytes);
      expect({ dir, exchanges: res.exchanges.length, skips: res.skips }).toEqual({ dir, exchanges: n, skips: [] });
      expect(res.exchanges.every((e) => e.status === 400 && e.clientIp === '1.2.3.4' && e.path === '/' && typeof e.extra?.rawRequest === 'string')).toBe(true);
    }
  });
});

describe('access-log reader: custom formats', () => {
  it('reads a pasted NGINX log_format, mapping variables to exchange fields', async () => {
    const logFormat = `log_format api '$remote_addr [$time_iso8601] $host "$request_method $scheme://$host$request_uri" $status $body_bytes_sent $request_time "$http_authorization" uid=$cookie_uid';`;
    const res = await readAll(
      accessLogReader,
      Buffer.from('192.0.2.1 [2024-03-01T10:00:00+02:00] API.example.com "PUT https://API.example.com/v1/users/9?x=1" 204 0 0.004 "Bearer abc" uid=u-17\nbroken line\n'),
      { logFormat: logFormat.replace(/^log_format \w+ '|';$/g, '') },
    );
    expect(res.exchanges[0]).toMatchObject({
      time: Date.UTC(2024, 2, 1, 8, 0, 0),
      method: 'PUT',
      host: 'api.example.com',
      path: '/v1/users/9',
      query: '?x=1',
      status: 204,
      responseSize: 0,
      durationMs: 4,
      clientIp: '192.0.2.1',
      extra: { 'cookie.uid': 'u-17' },
    });
    expect(header(res.exchanges[0]!, 'Authorization')).toBe('Bearer abc');
    expect(res.skips).toEqual([{ index: 2, at: 'line 2', message: 'line does not fit the log format (it stops fitting at $remote_addr)' }]);
  });

  it('reads a pasted Apache LogFormat with %D, %{Header}i, %v:%p and %>s', async () => {
    const res = await readAll(
      accessLogReader,
      Buffer.from('shop.example:8443 198.51.100.7 - [10/Oct/2023:13:55:36 -0700] "GET /cart HTTP/1.1" 500 - 2500 "fwd-1"\n'),
      { logFormat: '%v:%p %a %u %t \\"%r\\" %>s %b %D \\"%{X-Forwarded-For}i\\"', logFormatKind: 'apache' },
    );
    expect(res.skips).toEqual([]);
    expect(res.exchanges[0]).toMatchObject({
      host: 'shop.example',
      port: 8443,
      clientIp: '198.51.100.7',
      time: Date.UTC(2023, 9, 10, 20, 55, 36),
      status: 500,
      responseSize: null,
      durationMs: 2.5,
    });
    expect(header(res.exchanges[0]!, 'X-Forwarded-For')).toBe('fwd-1');
  });

  it('fails the read with a ReadError naming the option when the format cannot be compiled', async () => {
    await expect(readAll(accessLogReader, Buffer.from('x\n'), { logFormat: '$remote_addr$remote_user' })).rejects.toThrow(ReadError);
    await expect(readAll(accessLogReader, Buffer.from('x\n'), { logFormat: '%h %Z' })).rejects.toThrow(/unknown Apache log directive %Z/);
  });
});
