import { afterAll, describe, expect, it } from 'vitest';
import { iterateExchanges, readExchange } from '../../../src/core/store/exchanges.ts';
import type { StoredExchange } from '../../../src/core/model/exchange.ts';
import { makeWorkspace } from '../../helpers/workspace.ts';

const T0 = Date.UTC(2024, 0, 1);
const ws = makeWorkspace([
  {
    time: T0 + 3000, method: 'POST', scheme: 'https', host: 'api.example.com', port: 8443, path: '/login', query: '?next=%2F', httpVersion: 'HTTP/2',
    status: 302, statusText: 'Found', reqHeaders: [['Content-Type', 'application/json'], ['Cookie', 'a=1']], respHeaders: [['Set-Cookie', 's=1'], ['Set-Cookie', 't=2']],
    reqBody: '{"user":"alice","password":"pw"}', respBody: Uint8Array.from([0, 1, 2, 250]), compress: true, reqSize: 33, respSize: 4, duration: 12.5,
    ip: '198.51.100.7', clientIp: '10.1.1.1', serverIp: '203.0.113.9', principal: 'alice', principalKind: 'jwt', error: null,
    websocket: [{ direction: 'receive', time: T0, opcode: 1, data: 'hello' }], extra: { upstream: 'u1', ok: true },
  },
  { time: T0 + 1000, path: '/a', status: 200, respBody: 'short', compress: false },
  { time: T0 + 2000, path: '/b', status: null, scheme: 'http', port: null, error: 'reset' },
  { time: T0 + 1000, path: '/c', status: 404 },
]);
afterAll(() => ws.db.close());
const [first, second, third, fourth] = ws.ids;

describe('iterateExchanges', () => {
  it('yields StoredExchanges in id order by default and in time order (id tie-break) when asked', () => {
    expect([...iterateExchanges(ws.db)].map((e) => e.id)).toEqual([first, second, third, fourth]);
    expect([...iterateExchanges(ws.db, { order: 'time' })].map((e) => e.id)).toEqual([second, fourth, third, first]);
  });

  it('stops at maxId whatever the order and filter (rows added later are not read)', () => {
    expect([...iterateExchanges(ws.db, { order: 'time', maxId: third })].map((e) => e.id)).toEqual([second, third, first]);
    expect([...iterateExchanges(ws.db, { maxId: second })].map((e) => e.id)).toEqual([first, second]);
    expect([...iterateExchanges(ws.db, { filter: 'status >= 300', maxId: third })].map((e) => e.id)).toEqual([first]);
    expect([...iterateExchanges(ws.db, { maxId: 0 })]).toEqual([]);
  });

  it('maps every column onto the model', () => {
    const e = [...iterateExchanges(ws.db, { withBodies: true })][0];
    const expected: StoredExchange = {
      id: first, sourceId: e.sourceId, time: T0 + 3000, method: 'POST', scheme: 'https', host: 'api.example.com', port: 8443, path: '/login', query: '?next=%2F',
      httpVersion: 'HTTP/2', status: 302, statusText: 'Found',
      requestHeaders: [['Content-Type', 'application/json'], ['Cookie', 'a=1']], responseHeaders: [['Set-Cookie', 's=1'], ['Set-Cookie', 't=2']],
      requestBody: new Uint8Array(Buffer.from('{"user":"alice","password":"pw"}')), responseBody: Uint8Array.from([0, 1, 2, 250]),
      requestSize: 33, responseSize: 4, durationMs: 12.5, ip: '198.51.100.7', clientIp: '10.1.1.1', serverIp: '203.0.113.9',
      principal: 'alice', principalKind: 'jwt', error: null,
      websocket: [{ direction: 'receive', time: T0, opcode: 1, data: 'hello' }], extra: { upstream: 'u1', ok: true },
    };
    expect({ ...e, requestBody: new Uint8Array(e.requestBody!), responseBody: new Uint8Array(e.responseBody!) }).toEqual(expected);
  });

  it('leaves bodies out unless asked', () => {
    for (const e of iterateExchanges(ws.db)) expect([e.requestBody, e.responseBody]).toEqual([null, null]);
    const withBodies = [...iterateExchanges(ws.db, { withBodies: true, filter: `id = ${second}` })];
    expect(Buffer.from(withBodies[0].responseBody!).toString()).toBe('short');
    expect(withBodies[0].requestBody).toBeNull();
  });

  it('applies a filter', () => {
    expect([...iterateExchanges(ws.db, { filter: 'status = null or status >= 400', order: 'time' })].map((e) => e.id)).toEqual([fourth, third]);
    expect([...iterateExchanges(ws.db, { filter: 'body contains alice' })].map((e) => e.id)).toEqual([first]);
  });

  it('rejects a bad filter before yielding anything', () => {
    expect(() => iterateExchanges(ws.db, { filter: 'status ~' }).next()).toThrow(expect.objectContaining({ code: 'filter', column: 9 }));
  });

  it('frees the connection when the loop breaks early', () => {
    for (const e of iterateExchanges(ws.db)) {
      expect(e.id).toBe(first);
      break;
    }
    expect(ws.db.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(4);
    // And the same iteration can run again right away.
    expect([...iterateExchanges(ws.db)]).toHaveLength(4);
  });
});

describe('readExchange', () => {
  it('reads one exchange with its bodies', () => {
    const e = readExchange(ws.db, first);
    expect(e.path).toBe('/login');
    expect(Buffer.from(e.requestBody!).toString()).toContain('alice');
    expect(readExchange(ws.db, third)).toMatchObject({ status: null, error: 'reset', requestBody: null, responseBody: null, websocket: null, extra: null });
  });

  it('reports a missing id as not-found', () => {
    expect(() => readExchange(ws.db, 12345)).toThrow(expect.objectContaining({ code: 'not-found', message: 'no exchange with id 12345' }));
  });

  it('names the exchange when stored JSON is corrupt', () => {
    const w = makeWorkspace([{}]);
    w.db.prepare("UPDATE exchanges SET req_headers = '[[' WHERE id = ?").run(w.ids[0]);
    expect(() => readExchange(w.db, w.ids[0])).toThrow(`exchange ${w.ids[0]}: stored req_headers is not valid JSON`);
    w.db.close();
  });
});
