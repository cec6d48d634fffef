import { describe, expect, it } from 'vitest';
import { logReaders } from '../../../../../src/core/ingest/formats/logs.ts';
import { accessLogReader } from '../../../../../src/core/ingest/formats/logs/clf.ts';
import { envoyReader } from '../../../../../src/core/ingest/formats/logs/envoy.ts';
import { headLines } from '../../../../../src/core/ingest/formats/logs/lines.ts';
import { nginxErrorReader } from '../../../../../src/core/ingest/formats/logs/nginx-error.ts';
import type { Reader } from '../../../../../src/core/ingest/reader.ts';
import { shared } from '../../../../helpers/paths.ts';
import { bytesOf, header, readAll } from './helpers.ts';

const hub = (dir: string, file: string): Buffer => bytesOf(shared('attacks', 'crowdsecurity__hub', dir, file));

function best(bytes: Uint8Array): Reader {
  const scored = logReaders.map((r) => ({ r, s: r.sniff(bytes.subarray(0, 65536), 'x.log') })).sort((a, b) => b.s - a.s);
  expect(scored[0]!.s).toBeGreaterThan(0);
  return scored[0]!.r;
}

const NGINX = '1.2.3.4 - - [29/Jul/2023:10:26:06 -0700] "GET /a?b=1 HTTP/1.1" 200 157 "-" "curl/8"';

describe('container-log envelopes', () => {
  it('reads crowdsec\'s Envoy JSON log behind the CRI prefix, mapping Envoy\'s operator keys', async () => {
    const bytes = hub('envoy-http-bad-user-agent', 'envoy-http-bad-user-agent.log');
    expect(best(bytes).id).toBe('envoy');
    const res = await readAll(envoyReader, bytes);
    expect(res.skips).toEqual([]);
    expect(res.exchanges).toHaveLength(2);
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2025, 11, 31, 16, 37, 40, 479), method: 'GET', host: 'app.internal', path: '/admin', status: 404, clientIp: '10.0.0.12' });
    expect(header(res.exchanges[0]!, 'User-Agent')).toBe('Mozilla/5.0 zgrab/0.x');
  });

  it('joins CRI partial (P) lines per stream, whatever reader reads the inner records', async () => {
    const [a, b] = [NGINX.slice(0, 25), NGINX.slice(25)];
    const text =
      `2024-01-01T00:00:00.1Z stdout P ${a}\n` +
      '2024-01-01T00:00:00.2Z stderr F warning: something\n' +
      `2024-01-01T00:00:00.3Z stdout F ${b}\n` +
      `2024-01-01T00:00:00.4+01:00 stdout F ${NGINX}\n`;
    const bytes = Buffer.from(text);
    expect(headLines(bytes)).toEqual(['warning: something', NGINX, NGINX]);
    expect(best(bytes).id).toBe('access-log');
    const res = await readAll(accessLogReader, bytes, {}, 7);
    expect(res.exchanges.map((e) => e.path + e.query)).toEqual(['/a?b=1', '/a?b=1']);
    expect([...res.byIndex.keys()]).toEqual([3, 4]);
    expect(res.skips.map((s) => s.at)).toEqual(['line 2']);
  });

  it('unwraps Docker json-file lines, joining a record split over several', async () => {
    const wrap = (log: string): string => `${JSON.stringify({ log, stream: 'stdout', time: '2024-01-01T00:00:00.000000001Z' })}\n`;
    const bytes = Buffer.from(wrap(NGINX.slice(0, 30)) + wrap(`${NGINX.slice(30)}\n`) + wrap(`${NGINX}\r\n`));
    expect(best(bytes).id).toBe('access-log');
    const res = await readAll(accessLogReader, bytes);
    expect(res.skips).toEqual([]);
    expect(res.exchanges).toHaveLength(2);
    expect(res.exchanges[1]).toMatchObject({ method: 'GET', path: '/a', query: '?b=1', status: 200, clientIp: '1.2.3.4' });
  });

  it('skips a joined record longer than the line limit, with bounded memory, and reads on', async () => {
    const part = 'x'.repeat(600);
    const text = `${Array.from({ length: 10 }, (_, i) => `2024-01-01T00:00:0${i}Z stdout P ${part}`).join('\n')}\n2024-01-01T00:00:10Z stdout F end\n2024-01-01T00:00:11Z stdout F ${NGINX}\n`;
    const res = await readAll(accessLogReader, Buffer.from(text), { maxLineBytes: '4096' });
    expect(res.skips).toEqual([{ index: 11, at: 'line 11', message: expect.stringMatching(/longer than the 4,096-byte limit/) }]);
    expect(res.exchanges).toHaveLength(1);
  });
});

describe('NGINX error log', () => {
  it('reads crowdsec\'s limit_req entries as 503 exchanges with the zone', async () => {
    const bytes = hub('nginx_req_limit_exceeded', 'nginx_req_limit_exceeded.log');
    expect(best(bytes).id).toBe('nginx-error');
    const res = await readAll(nginxErrorReader, bytes);
    expect(res.skips).toEqual([]);
    expect(res.exchanges.length).toBe(bytes.toString().trim().split('\n').length);
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2021, 11, 2, 11, 53, 15), method: 'GET', host: 'la03.d.sb', path: '/', status: 503, clientIp: '::1', extra: { limitZone: 'default_root_zone', errorLevel: 'error' } });
    expect(res.exchanges[6]).toMatchObject({ method: 'POST', host: 'example.com', scheme: 'https', path: '/', status: 503, clientIp: '192.168.1.1' });
    expect(header(res.exchanges[6]!, 'Referer')).toBe('https://example.com/?referrer=/');
  });

  it('reads auth failures as 401 and the access-log lines mixed into the same file', async () => {
    const bytes = hub('nginx-http-generic-bf', 'nginx-http-generic-bf.log');
    expect(best(bytes).id).toBe('nginx-error');
    const res = await readAll(nginxErrorReader, bytes);
    expect(res.skips).toEqual([]);
    expect(res.exchanges.filter((e) => e.extra?.errorMessage !== undefined && e.status === 401 && e.path === '/')).toHaveLength(16);
    expect(res.exchanges.filter((e) => e.path === '/client' && e.method === 'POST' && e.status === 401)).toHaveLength(6);
  });

  it('gives statuses NGINX answers with, keeps quoted requests whole and skips entries about no request', async () => {
    const res = await readAll(
      nginxErrorReader,
      Buffer.from(
        '2024/01/01 10:00:00 [notice] 1#1: start worker processes\n' +
          '2024/01/01 10:00:01 [error] 7#7: *9 open() "/srv/x.php" failed (2: No such file or directory), client: 10.0.0.1, server: localhost, request: "GET /x.php?a="b", c HTTP/1.1", host: "example.com:8080"\n' +
          '2024/01/01 10:00:02 [error] 7#7: *10 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.2, server: _, request: "POST /api HTTP/1.1", upstream: "http://127.0.0.1:3000/api", host: "api"\n' +
          '2024/01/01 10:00:03 [error] 7#7: *11 limiting requests, dry run, excess: 1.0 by zone "z", client: 10.0.0.3, server: s, request: "\\x16\\x03"\n' +
          'garbage\n',
      ),
    );
    expect(res.exchanges.map((e) => [e.method, e.host, e.port, e.path + e.query, e.status])).toEqual([
      ['GET', 'example.com', 8080, '/x.php?a="b", c', 404],
      ['POST', 'api', null, '/api', 504],
      ['-', 's', null, '/', null],
    ]);
    expect(res.exchanges[1]?.extra?.upstream).toBe('http://127.0.0.1:3000/api');
    expect(res.skips.map((s) => [s.at, s.message.slice(0, 40)])).toEqual([
      ['line 1', 'error-log entry about no client request '],
      ['line 5', 'not a common/combined access-log line (p'],
    ]);
  });
});
