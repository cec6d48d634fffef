import { describe, expect, it } from 'vitest';
import { iterateExchanges, iterateRequests, readBody, type RequestRecord } from '../../../src/core/store/exchanges.ts';
import { makeWorkspace } from '../../helpers/workspace.ts';

const REQUEST_FIELDS = ['id', 'time', 'method', 'host', 'path', 'query', 'requestHeaders', 'requestSize', 'ip', 'clientIp', 'principal'] as const;

describe('iterateRequests', () => {
  const headers: [string, string][] = [['User-Agent', 'app/1'], ['Content-Type', 'application/json']];
  const ws = () =>
    makeWorkspace([
      { time: 3, method: 'POST', path: '/login', reqBody: '{"u":"a"}', reqHeaders: headers, ip: '192.0.2.1', principal: 'alice', extra: { country: 'DE' } },
      { time: 1, path: '/a', query: '?x=1', reqHeaders: headers, clientIp: '203.0.113.9', ip: null, respBody: 'response only' },
      { time: 2, method: 'POST', path: '/big', reqBody: 'b'.repeat(4000), compress: true, reqHeaders: [['user-agent', 'other']] },
      { time: 4, method: 'POST', path: '/login', reqBody: '{"u":"a"}', reqHeaders: headers, ip: '192.0.2.2' },
    ]);

  it('gives the request side of each exchange as iterateExchanges does, in the same order', () => {
    const { db } = ws();
    for (const order of ['time', 'id'] as const) {
      const whole = [...iterateExchanges(db, { order, withBodies: true })];
      const requests = [...iterateRequests(db, { order, withBodies: true, withExtra: true })];
      expect(requests.map((r) => REQUEST_FIELDS.map((f) => r[f]))).toEqual(whole.map((e) => REQUEST_FIELDS.map((f) => e[f])));
      expect(requests.map((r) => r.requestBody)).toEqual(whole.map((e) => e.requestBody));
      expect(requests.map((r) => r.extra)).toEqual(whole.map((e) => e.extra));
    }
    // Without the options: no bodies, no extra.
    expect([...iterateRequests(db)].every((r) => r.requestBody === null && r.extra === null)).toBe(true);
    db.close();
  });

  it('shares one header list per distinct stored header text', () => {
    const { db } = ws();
    const [a, b, c, d] = [...iterateRequests(db, { order: 'time' })];
    expect(a.requestHeaders).toBe(c.requestHeaders);
    expect(a.requestHeaders).toBe(d.requestHeaders);
    expect(b.requestHeaders).not.toBe(a.requestHeaders);
    db.close();
  });

  it('keeps header lists exact when many stored texts look alike (same length, few differing characters)', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ time: i, reqHeaders: [['x-token', `abcdefghij${String(i % 30).padStart(2, '0')}klmnopqrstuvwxyz`]] as [string, string][] }));
    const { db } = makeWorkspace(rows);
    const requests = [...iterateRequests(db, { order: 'time' })];
    expect(requests.map((r) => r.requestHeaders)).toEqual(rows.map((r) => r.reqHeaders));
    db.close();
  });

  it('lazy bodies: ids and sizes only, equal ids for equal bytes, bytes by readBody', () => {
    const { db } = ws();
    const lazy = [...iterateRequests(db, { order: 'time', withBodies: 'lazy' })];
    const whole = [...iterateExchanges(db, { order: 'time', withBodies: true })];
    expect(lazy.every((r) => r.requestBody === null)).toBe(true);
    const bodyOf = (r: RequestRecord) => (r.requestBodyId == null ? null : readBody(db, r.requestBodyId));
    expect(lazy.map(bodyOf)).toEqual(whole.map((e) => e.requestBody));
    expect(lazy.map((r) => r.requestBodySize)).toEqual(whole.map((e) => e.requestBody?.length ?? null));
    const login = lazy.filter((r) => r.path === '/login');
    expect(login[0].requestBodyId).toBe(login[1].requestBodyId);
    expect(readBody(db, 987_654)).toBeNull();
    db.close();
  });

  it('takes the filter language, and names the exchange whose stored headers are broken', () => {
    const { db, ids } = ws();
    expect([...iterateRequests(db, { filter: 'method = POST', order: 'time' })].map((r) => r.path)).toEqual(['/big', '/login', '/login']);
    expect(() => [...iterateRequests(db, { filter: 'method ==' })]).toThrow();
    db.prepare('UPDATE exchanges SET req_headers = ? WHERE id = ?').run('[["a", "b"', ids[1]);
    expect(() => [...iterateRequests(db)]).toThrow(`exchange ${ids[1]}: stored req_headers is not valid JSON`);
    db.close();
  });
});
