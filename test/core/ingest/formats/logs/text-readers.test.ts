import { describe, expect, it } from 'vitest';
import { awsLbReader } from '../../../../../src/core/ingest/formats/logs/aws-lb.ts';
import { awsS3Reader } from '../../../../../src/core/ingest/formats/logs/aws-s3.ts';
import { haproxyReader } from '../../../../../src/core/ingest/formats/logs/haproxy.ts';
import { w3cReader } from '../../../../../src/core/ingest/formats/logs/w3c.ts';
import { bytesOf, expectGolden, header, logFile, readAll } from './helpers.ts';

const matomo = (f: string): Buffer => bytesOf(logFile('matomo-org__matomo-log-analytics', f));

describe('AWS ALB / Classic ELB', () => {
  it('matches crowdsec golden fields for the 14 ALB lines (WAF, fixed-response, h2)', async () => {
    const res = await expectGolden(expect, awsLbReader, 'aws-alb-logs', 'aws-alb-logs.log', 'crowdsecurity/aws-alb');
    expect(res.exchanges).toHaveLength(14);
    expect(res.byIndex.get(1)).toMatchObject({
      time: Date.parse('2023-04-26T12:22:55.463821Z') - 1,
      host: 'www.example.com',
      port: null,
      scheme: 'http',
      requestSize: 34,
      responseSize: 366,
      durationMs: 1,
      extra: { requestType: 'http', upstream: '10.0.0.1:80', targetStatus: '200', clientPort: 44740 },
    });
    expect(res.byIndex.get(3)).toMatchObject({ scheme: 'https', host: '10.0.2.105', port: 773, httpVersion: 'HTTP/2.0', extra: { actions: 'redirect', redirectUrl: 'https://example.com:80/' } });
    expect(res.byIndex.get(4)).toMatchObject({ status: 404, durationMs: null, extra: { actions: 'waf,fixed-response', blockedBy: 'waf' } });
  });

  it('reads Matomo ALB and ELB samples; TCP entries and comments are skipped', async () => {
    const alb = await readAll(awsLbReader, matomo('alb.log'));
    expect(alb.exchanges[0]).toMatchObject({ time: Date.parse('2020-01-01T00:55:04.023Z'), scheme: 'https', host: 'www.example.com', path: '/path/index.html', status: 200, responseSize: 24950, clientIp: '1.2.3.4' });
    const elb = await readAll(awsLbReader, matomo('elb.log'));
    expect(elb.exchanges).toHaveLength(1);
    expect(elb.exchanges[0]).toMatchObject({ scheme: 'https', status: 200, responseSize: 57, durationMs: 2.471, extra: { loadBalancer: 'my-loadbalancer', tlsProtocol: 'TLSv1.2' } });
    expect(elb.skips.map((s) => s.message)).toEqual(['not an ELB/ALB access-log line', 'TCP/SSL listener entry, not an HTTP request']);
  });
});

describe('Amazon S3 server access log', () => {
  it('reads the Matomo sample', async () => {
    const res = await readAll(awsS3Reader, matomo('s3.log'));
    expect(res.skips).toEqual([]);
    expect(res.exchanges[0]).toMatchObject({
      time: Date.UTC(2012, 1, 10, 21, 42, 7),
      method: 'GET',
      path: '/index',
      status: 200,
      responseSize: 368,
      durationMs: 10,
      clientIp: '1.2.3.4',
      extra: { bucket: 'www.example.com', operation: 'WEBSITE.GET.OBJECT', key: 'index', requester: 'arn:aws:iam::179580289999:user/phillip.boss', turnaroundMs: 9, objectSize: 368 },
    });
  });
});

describe('W3C extended logs', () => {
  it('matches crowdsec golden fields for header-less CloudFront lines', async () => {
    const res = await expectGolden(expect, w3cReader, 'aws-cloudfront-logs', 'aws-cloudfront-logs.log', 'crowdsecurity/aws-cloudfront');
    expect(res.exchanges[0]).toMatchObject({ time: Date.UTC(2024, 2, 12, 15, 22, 28), scheme: 'https', host: 'hub-cdn.crowdsec.net', durationMs: 113, responseSize: 703, requestSize: 62, extra: { edgeLocation: 'CDG50-P2' } });
  });

  it('reads CloudFront with its #Fields header (URL-encoded values decoded once)', async () => {
    const res = await readAll(w3cReader, matomo('amazon_cloudfront_web.log'));
    expect(res.exchanges).toHaveLength(1);
    expect(res.exchanges[0]).toMatchObject({ host: 'example.com', path: '/view/my/file.html', status: 200, clientIp: '192.0.2.10', durationMs: 1 });
    expect(header(res.exchanges[0]!, 'User-Agent')).toMatch(/^Mozilla\/5\.0%20\(Windows;/);
  });

  it('reads IIS (ms time-taken, + for spaces), IIS Advanced Logging, NetScaler and Incapsula', async () => {
    const iis = await readAll(w3cReader, matomo('iis.log'));
    expect(iis.exchanges[0]).toMatchObject({ time: Date.UTC(2012, 3, 1, 0, 0, 13), host: 'example.com', path: '/foo/bar', query: '?topCat1=divinity&submit=Search', status: 200, durationMs: 1687, serverIp: '5.6.7.8', clientIp: '1.2.3.4', extra: { user: 'theuser', site: 'W3SVC834221556' } });
    expect(header(iis.exchanges[0]!, 'User-Agent')).toBe('Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.9.2.7) Gecko/20100722 Firefox/3.6.7');
    const custom = await readAll(w3cReader, matomo('iis_custom.log'));
    expect(custom.exchanges.map((e) => [e.host, e.status, e.durationMs, e.clientIp])).toEqual([
      ['xzy.example.com', 200, 109, '70.95.0.0'],
      ['example.hello.com', 301, 0, null],
      ['hello.example.com', 404, 359, '173.5.0.0'],
    ]);
    expect(custom.exchanges[0]?.extra?.['timeZone']).toBe('server local time, read as UTC');
    const ns = await readAll(w3cReader, matomo('netscaler.log'));
    expect(ns.exchanges[0]).toMatchObject({ path: '/Citrix/XenApp/Wan/auth/login.jsp', status: 302, port: 8080, responseSize: 355, requestSize: 247 });
    const inc = await readAll(w3cReader, matomo('incapsula_w3c.log'));
    expect(inc.exchanges.map((e) => [e.host, e.path, e.query, e.status])).toEqual([
      ['www.example.com', '/page.php', '?variable=test', 200],
      ['www.example.com', '/rss/news', '', null],
    ]);
    expect(inc.exchanges[1]?.extra?.['action']).toBe('REQ_BAD_SERVER_CLOSED_CONNECTION');
  });
});

describe('HAProxy', () => {
  it('matches crowdsec golden fields; TLS handshake events are skipped', async () => {
    const res = await expectGolden(expect, haproxyReader, 'haproxy-logs', 'haproxy-logs.log', 'crowdsecurity/haproxy-logs');
    expect(res.exchanges).toHaveLength(2);
    expect(res.byIndex.get(1)).toMatchObject({ time: Date.UTC(2015, 0, 14, 12, 48, 57, 127), scheme: 'https', durationMs: 173, responseSize: 739, extra: { frontend: 'https-in', upstream: 'xx_server_https/xxx_node_8002', terminationState: '--NN' } });
    expect(res.skips.every((s) => s.message === 'HAProxy connection event, not an HTTP request')).toBe(true);
  });

  it('reads the syslog-wrapped Matomo sample', async () => {
    const res = await readAll(haproxyReader, matomo('haproxy.log'));
    expect(res.exchanges[0]).toMatchObject({ method: 'POST', path: '/user/', status: 200, responseSize: 7456, durationMs: 72, clientIp: '4.3.2.1' });
  });
});
