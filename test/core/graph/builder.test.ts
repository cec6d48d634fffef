import { describe, expect, it } from 'vitest';
import { GraphBuilder, buildGraphOf } from '../../../src/core/graph/builder.ts';
import { requestCredentials, requestValues, responseValues, upstreamOf } from '../../../src/core/graph/values.ts';
import { toStored, type CompactExchange } from '../detect/generator.ts';

const H = 'https://api.test';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
let nextId = 1;
const x = (c: Omit<CompactExchange, 'time'> & { time?: number }) => toStored({ time: T0, ...c }, nextId++);
const edge = (g: ReturnType<typeof buildGraphOf>, kind: string, from: string, to: string) => g.edges.find((e) => e.kind === kind && e.source === from && e.target === to);

describe('graph values', () => {
  it('takes references and issued credentials from a JSON response, not echoes of small numbers', () => {
    const v = responseValues(x({ url: `${H}/login`, respBody: { token: 'abc.def-ghij.klmnopqr', user: { id: 4242, email: 'a@b.example', count: 3, name: 'Ada' }, next_cursor: 'c-77' } }));
    expect(v.tokens).toEqual([['abc.def-ghij.klmnopqr', 'token']]);
    expect(v.values).toEqual(expect.arrayContaining([['4242', 'id'], ['c-77', 'next_cursor']]));
    expect(v.values.map(([value]) => value)).not.toContain('3');
    expect(v.sensitive).toEqual(['email']);
  });

  it('reads session cookies and Location ids from response headers', () => {
    const v = responseValues(x({ url: `${H}/s`, respHeaders: { 'set-cookie': 'sessionid=0123456789abcdef; Path=/; HttpOnly', location: '/orders/98765' } }));
    expect(v.tokens).toEqual([['0123456789abcdef', 'cookie sessionid']]);
    expect(v.values).toEqual([['98765', 'location']]);
  });

  it('bounds what it reads from hostile bodies', () => {
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`id${i}`, `value-${i}-xyzzy`]));
    const deep = `${'{"a":'.repeat(10_000)}{"id":"deep-value-1"}${'}'.repeat(10_000)}`;
    expect(responseValues(x({ url: `${H}/w`, respBody: wide })).values.length).toBeLessThanOrEqual(48);
    expect(responseValues(x({ url: `${H}/d`, respHeaders: { 'content-type': 'application/json' }, respBody: deep })).values).toEqual([]);
    expect(responseValues(x({ url: `${H}/bad`, respHeaders: { 'content-type': 'application/json' }, respBody: '{"id": 12345' })).values).toEqual([]);
    expect(requestValues(x({ url: `${H}/r/%E0%A4%A?q=%ZZ&x=12345`, method: 'POST', reqBody: '{"broken' }))).toEqual(['%E0%A4%A', '12345']);
  });

  it('reads credentials from Authorization, API key headers and session cookies', () => {
    const creds = requestCredentials(x({ url: `${H}/a`, reqHeaders: { authorization: 'Bearer tok-123456789', 'x-api-key': 'key-abcdefgh', cookie: 'theme=dark; sid=s3ss10n-value' } }));
    expect(creds).toEqual(['tok-123456789', 'key-abcdefgh', 's3ss10n-value']);
  });

  it('names the upstream a gateway log recorded', () => {
    const e = x({ url: `${H}/u` });
    expect(upstreamOf(e)).toBeNull();
    expect(upstreamOf({ ...e, extra: { upstream: '10.0.0.1:80, 10.0.0.2:80' } })).toBe('10.0.0.2:80');
    expect(upstreamOf({ ...e, extra: { upstream: 'http://orders.internal:8080/v1' } })).toBe('orders.internal:8080');
    expect(upstreamOf({ ...e, extra: { upstream: '10.1.1.1:9000', upstreamCluster: 'orders' } })).toBe('orders');
    expect(upstreamOf({ ...e, extra: { upstream: '-' } })).toBeNull();
  });
});

describe('GraphBuilder', () => {
  const login = x({ time: T0, method: 'POST', url: `${H}/api/login`, ip: '198.51.100.7', reqBody: { user: 'ada', password: 'x' }, respBody: { access_token: 'tok-ada-0123456789' } });
  const auth = { authorization: 'Bearer tok-ada-0123456789' };
  const traffic = [
    login,
    x({ time: T0 + 1000, method: 'POST', url: `${H}/api/orders`, principal: 'ada', reqHeaders: auth, reqBody: { productId: 12 }, status: 201, respBody: { id: 5551, total: 9 } }),
    x({ time: T0 + 2000, url: `${H}/api/orders/5551`, principal: 'ada', reqHeaders: auth, respBody: { id: 5551, invoiceId: 90017 } }),
    x({ time: T0 + 3000, url: `${H}/api/invoices/90017`, principal: 'ada', reqHeaders: auth, respBody: { ok: true } }),
    // An hour later: a new session, no sequence edge across the pause.
    x({ time: T0 + 3_600_000, url: `${H}/api/orders/5551`, principal: 'ada', reqHeaders: auth }),
    // Another actor sending the same id: no data-flow, they never received it.
    x({ time: T0 + 4000, url: `${H}/api/orders/5551`, principal: 'bob', reqHeaders: { authorization: 'Bearer other-token-xyz' } }),
  ].sort((a, b) => a.time - b.time);

  it('builds endpoint nodes in their host and sequence, data-flow and auth edges with counts', () => {
    const g = buildGraphOf(traffic);
    const ep = (m: string, p: string) => `endpoint:${m} api.test${p}`;
    expect(g.nodes.find((n) => n.id === 'host:api.test')).toMatchObject({ kind: 'host', count: 6 });
    expect(g.nodes.find((n) => n.id === ep('GET', '/api/orders/{id}'))).toMatchObject({ kind: 'endpoint', count: 3, method: 'GET', path: '/api/orders/{id}', host: 'api.test' });
    expect(edge(g, 'auth', ep('POST', '/api/login'), ep('POST', '/api/orders'))).toMatchObject({ count: 1, via: ['access_token'] });
    expect(edge(g, 'auth', ep('POST', '/api/login'), ep('GET', '/api/orders/{id}'))?.count).toBe(2);
    expect(edge(g, 'data-flow', ep('POST', '/api/orders'), ep('GET', '/api/orders/{id}'))).toMatchObject({ count: 2, via: ['id'] });
    expect(edge(g, 'data-flow', ep('GET', '/api/orders/{id}'), ep('GET', '/api/invoices/{id}'))).toMatchObject({ count: 1, via: ['invoiceId'] });
    expect(edge(g, 'sequence', ep('POST', '/api/orders'), ep('GET', '/api/orders/{id}'))?.count).toBe(1);
    expect(edge(g, 'sequence', ep('GET', '/api/invoices/{id}'), ep('GET', '/api/orders/{id}'))).toBeUndefined();
    // The login was anonymous (IP only): the principal's session starts after it.
    expect(edge(g, 'sequence', ep('POST', '/api/login'), ep('POST', '/api/orders'))).toBeUndefined();
    expect(g.actors.map((a) => [a.key, a.count])).toEqual([['ada', 4], ['198.51.100.7', 1], ['bob', 1]]);
    expect(g.timeRange).toEqual({ from: T0, to: T0 + 3_600_000 });
  });

  it('adds principal nodes with calls edges only when asked', () => {
    expect(buildGraphOf(traffic).nodes.some((n) => n.kind === 'principal')).toBe(false);
    const g = buildGraphOf(traffic, { principals: true });
    expect(g.nodes.find((n) => n.id === 'principal:ada')?.count).toBe(4);
    expect(edge(g, 'calls', 'principal:bob', 'endpoint:GET api.test/api/orders/{id}')?.count).toBe(1);
  });

  it('adds upstream services with calls edges from the gateway host', () => {
    const a = x({ url: 'http://gw.test:8080/orders/1', ip: '10.0.0.9' });
    const g = buildGraphOf([{ ...a, extra: { upstream: 'orders:9000' } }, { ...a, time: T0 + 1, extra: { upstream: 'orders:9000' } }]);
    expect(g.nodes.find((n) => n.id === 'service:orders:9000')).toMatchObject({ kind: 'service', count: 2 });
    expect(edge(g, 'calls', 'host:gw.test:8080', 'service:orders:9000')?.count).toBe(2);
  });

  it('keeps its state bounded: endpoints beyond the cap fold into the host, forgotten actors lose their values', () => {
    const b = new GraphBuilder({ limits: { endpoints: 3, actors: 2, valuesPerActor: 4 } });
    for (let i = 0; i < 10; i++) b.add(x({ time: T0 + i, url: `${H}/r${i}`, principal: 'p' }));
    const g = b.result();
    expect(g.nodes.filter((n) => n.kind === 'endpoint')).toHaveLength(4);
    expect(g.nodes.find((n) => n.label === 'api.test (other endpoints)')?.count).toBe(7);

    const c = new GraphBuilder({ limits: { actors: 2, valuesPerActor: 4 } });
    c.add(x({ time: T0, url: `${H}/a`, principal: 'p1', respBody: { id: 'val-00001' } }));
    c.add(x({ time: T0 + 1, url: `${H}/b`, principal: 'p2' }));
    c.add(x({ time: T0 + 2, url: `${H}/c`, principal: 'p3' }));
    c.add(x({ time: T0 + 3, url: `${H}/d/val-00001`, principal: 'p1' }));
    expect(c.result().edges.filter((e) => e.kind === 'data-flow')).toEqual([]);

    const d = new GraphBuilder({ limits: { edges: 2 } });
    for (let i = 0; i < 6; i++) d.add(x({ time: T0 + i, url: `${H}/step${i}`, principal: 'p' }));
    expect(d.result()).toMatchObject({ droppedEdges: 3 });
    expect(d.result().edges).toHaveLength(2);
  });
});
