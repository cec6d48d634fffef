import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logReaders } from '../../../../../src/core/ingest/formats/logs.ts';
import { apacheErrorReader } from '../../../../../src/core/ingest/formats/logs/apache-error.ts';
import { urlPathOfFile } from '../../../../../src/core/ingest/formats/logs/apache-error-entry.ts';
import { accessLogReader } from '../../../../../src/core/ingest/formats/logs/clf.ts';
import { shared } from '../../../../helpers/paths.ts';
import { header, logFile, readAll } from './helpers.ts';

/**
 * Lines from Apache's documentation (logs.html, the ErrorLogFormat and 2.2 examples) and shaped
 * after httpd's source messages, in fixtures/apache-error.log; real lines from the CrowdSec hub.
 */
const FIXTURE = readFileSync(resolve(import.meta.dirname, 'fixtures', 'apache-error.log'));
const CVE = readFileSync(shared('attacks', 'crowdsecurity__hub', 'apache-cve-2021-41773', 'apache-cve-2021-41773.log'));
const HUB_APACHE = readFileSync(logFile('crowdsecurity__hub', 'apache2-logs', 'apache2-logs.log'));

function best(head: Uint8Array): { id: string; score: number } {
  return logReaders.map((r) => ({ id: r.id, score: r.sniff(head.subarray(0, 65536), 'x') })).sort((a, b) => b.score - a.score)[0]!;
}

describe('Apache httpd error log', () => {
  it('is sniffed from its entries, and leaves access logs and NGINX error logs alone', () => {
    expect(best(FIXTURE)).toMatchObject({ id: 'apache-error' });
    expect(apacheErrorReader.sniff(FIXTURE, 'x')).toBeGreaterThan(0.8);
    // Mostly access lines (the error entries are read by the access-log reader too).
    expect(best(HUB_APACHE).id).toBe('access-log');
    expect(best(CVE).id).toBe('access-log');
    const nginx = readFileSync(shared('attacks', 'crowdsecurity__hub', 'nginx-http-generic-bf', 'nginx-http-generic-bf.log'));
    expect(apacheErrorReader.sniff(nginx, 'x')).toBe(0);
    expect(best(nginx).id).toBe('nginx-error');
  });

  it('reads each documented entry field for field', async () => {
    const res = await readAll(apacheErrorReader, FIXTURE);
    const at = (line: number) => res.byIndex.get(line);
    // 2.4 docs: the client without a port, a file under the httpd image's DocumentRoot.
    expect(at(1)).toMatchObject({ time: Date.UTC(2011, 8, 9, 10, 42, 29, 902), method: '-', path: '/favicon.ico', query: '', status: 404, clientIp: '72.15.99.187', extra: { errorLevel: 'error', errorModule: 'core', errorMessage: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico', filePath: '/usr/local/apache2/htdocs/favicon.ico' } });
    expect(at(2)).toMatchObject({ clientIp: '::1', path: '/favicon.ico', time: Date.UTC(2011, 4, 12, 8, 28, 57, 652) });
    // 2.2 docs: no module, no pid, no port; a file under no usual root keeps its path.
    expect(at(3)).toMatchObject({ time: Date.UTC(2000, 9, 11, 14, 32, 52), path: '/export/home/live/ap/htdocs/test', status: 403, clientIp: '127.0.0.1', extra: { errorLevel: 'error', filePath: '/export/home/live/ap/htdocs/test' } });
    expect(at(3)?.extra?.errorModule).toBeUndefined();
    expect(at(4)).toMatchObject({ path: '/.env', status: 403, clientIp: '203.0.113.9', extra: { errorCode: 'AH01630', errorMessage: 'client denied by server configuration: /var/www/html/.env' } });
    expect(header(at(4)!, 'Referer')).toBe('http://example.com/');
    expect(at(5)).toMatchObject({ time: Date.UTC(2024, 2, 3, 10, 0, 1, 500), path: '/cgi-bin/.%%32%65/.%%32%65/bin/sh', query: '?x=1', status: 400, extra: { errorCode: 'AH10244' } });
    // A TLS handshake on the plain port: the request line as sent, escapes undone.
    expect(at(6)).toMatchObject({ method: '-', path: '/', status: 501, extra: { rawRequest: '\x16\x03\x01\x02' } });
    expect(at(7)).toMatchObject({ path: '/admin/', status: 401, extra: { user: 'admin', errorCode: 'AH01617' } });
    expect(header(at(7)!, 'Referer')).toBe('https://example.com/login');
    expect(at(8)).toMatchObject({ path: '/private/x.html', status: 403, clientIp: '203.0.113.12', extra: { errorCause: '(13)Permission denied', filePath: '/var/www/html/private' } });
    expect(at(11)).toMatchObject({ host: 'shop.example', path: '/api/items', status: 403, clientIp: '203.0.113.13' });
    expect(at(11)?.extra?.errorModule).toBeUndefined();
    // 2.2 writes the operating-system error after the client.
    expect(at(12)).toMatchObject({ path: '/secret', status: 403, clientIp: '192.0.2.7', extra: { errorCause: '(13)Permission denied' } });
    expect(at(13)).toMatchObject({ method: 'GET', path: '/../../etc/passwd', httpVersion: 'HTTP/1.1', status: 400 });
    expect(at(14)).toMatchObject({ method: 'GET', path: '/%2e%2e/x', status: 400 });
    expect(at(17)).toMatchObject({ path: '/cgi-bin/test.cgi', status: 404 });
    expect(res.skips.map((s) => [s.at, s.message.replace(/ \(.*/, '')])).toEqual([
      ['line 9', 'error-log entry about no client request'],
      ['line 10', 'error-log entry about no client request'],
      ['line 15', 'error-log entry names no request'],
      ['line 16', 'error-log entry names no request'],
      ['line 18', 'an error-log entry in a form not read'],
    ]);
    expect(res.exchanges).toHaveLength(13);
  });

  it('reads the CrowdSec CVE-2021-41773 log: the error entry and the access lines beside it', async () => {
    for (const reader of [apacheErrorReader, accessLogReader]) {
      const res = await readAll(reader, CVE);
      expect(res.skips).toEqual([]);
      expect(res.exchanges.map((e) => [e.clientIp, e.method, e.path, e.status])).toEqual([
        ['88.168.206.87', 'GET', '/cgi-bin/.%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd', 400],
        ['172.17.0.1', 'POST', '/cgi-bin/.%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/bin/sh', 200],
        ['172.17.0.2', 'POST', '/cgi-bin/.%2E/.%2E/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/bin/sh', 200],
      ]);
      expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2021, 9, 8, 17, 8, 41, 203), httpVersion: 'HTTP/1.1', extra: { errorCode: 'AH00126', errorLevel: 'error', errorModule: 'core' } });
    }
  });

  it('matches what CrowdSec parses from the hub\'s Apache error entries', async () => {
    const res = await readAll(apacheErrorReader, HUB_APACHE);
    // results[7]: client 31.33.58.75, errorcode AH01618, loglevel error, module auth_basic, target_uri /, username sss.
    expect(res.byIndex.get(8)).toMatchObject({ clientIp: '31.33.58.75', path: '/', status: 401, extra: { errorCode: 'AH01618', errorLevel: 'error', errorModule: 'auth_basic', errorMessage: 'user sss not found: /', user: 'sss' } });
    // results[8]: an SSL handshake with no request: not an exchange.
    expect(res.skips.find((s) => s.index === 9)?.message).toMatch(/names no request \("SSL handshake stopped/);
    expect(res.exchanges).toHaveLength(8);
  });

  it('maps files under the usual DocumentRoots and ScriptAliases to URL paths', () => {
    expect(urlPathOfFile('/var/www/html/a/b.php')).toBe('/a/b.php');
    expect(urlPathOfFile('/var/www/html')).toBe('/');
    expect(urlPathOfFile('/var/www/htmlx/a')).toBe('/htmlx/a');
    expect(urlPathOfFile('/usr/local/apache2/cgi-bin/printenv')).toBe('/cgi-bin/printenv');
    expect(urlPathOfFile('/home/u/public_html/x')).toBe('/home/u/public_html/x');
    expect(urlPathOfFile('C:/Apache24/htdocs/x')).toBe('/C:/Apache24/htdocs/x');
  });

  it('survives truncation, garbage, odd bytes and a huge line, with line numbers', async () => {
    const cut = FIXTURE.subarray(0, FIXTURE.indexOf('AH01617') + 20);
    const truncated = await readAll(apacheErrorReader, cut);
    expect(truncated.skips.at(-1)).toMatchObject({ at: 'line 7', message: expect.stringMatching(/names no request/) });
    const huge = Buffer.concat([Buffer.from('[Sun Mar 03 10:00:00 2024] [core:error] [client 1.2.3.4] File does not exist: /var/www/html/'), Buffer.alloc(2 * 1024 * 1024, 0x61), Buffer.from('\n'), FIXTURE.subarray(0, FIXTURE.indexOf('\n') + 1)]);
    const big = await readAll(apacheErrorReader, huge, { maxLineBytes: String(1024 * 1024) });
    expect(big.skips).toEqual([{ index: 1, at: 'line 1', message: expect.stringMatching(/longer than the 1,048,576-byte limit/) }]);
    expect(big.exchanges).toHaveLength(1);
    const odd = Buffer.concat([Buffer.from('[Sun Mar 03 10:00:00 2024] [core:error] [client 1.2.3.4] AH00126: Invalid URI in request GET /caf'), Buffer.from([0xe9, 0xff]), Buffer.from(' HTTP/1.1\n\0\0\0garbage\n[Xyz Mar 03 10:00:00 2024] [core:error] x\n[Sun Foo 03 10:00:00 2024] [core:error] [client 1.2.3.4] File does not exist: /x\n')]);
    const res = await readAll(apacheErrorReader, odd);
    expect(res.exchanges.map((e) => e.path)).toEqual(['/caf%E9%FF']);
    expect(res.skips.map((s) => s.at)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(res.skips[2]?.message).toMatch(/unreadable time/);
  });

  it('streams many entries chunk by chunk', async () => {
    const line = Buffer.from('[Sun Mar 03 10:00:00.123456 2024] [core:error] [pid 1:tid 2] [client 198.51.100.1:5000] AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/x)\n');
    const n = 20_000;
    const input = {
      name: 'big.log',
      size: line.length * n,
      async *chunks() {
        for (let i = 0; i < n; i += 1000) yield Buffer.concat(Array.from({ length: 1000 }, () => line));
      },
    };
    let count = 0;
    for await (const it of apacheErrorReader.read(input, { signal: new AbortController().signal, options: {} })) if (it.kind === 'exchange') count++;
    expect(count).toBe(n);
  });
});
