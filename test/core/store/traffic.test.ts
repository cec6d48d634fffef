import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, SORT_COLUMNS } from '../../../src/shared/api.ts';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { BODY_VIEW_MAX, bodyView, countTraffic, getExchange, languageFor, pageTraffic, setComment, setHighlight, setTags } from '../../../src/core/store/traffic.ts';
import { insertRows, makeWorkspace, type RowSpec } from '../../helpers/workspace.ts';

const T0 = Date.UTC(2024, 2, 1);
const HOSTS = ['b.example', 'a.example', 'c.example'];
const rows: RowSpec[] = Array.from({ length: 30 }, (_, i) => ({
  time: T0 + (i % 10) * 1000, // ties on time, broken by id
  method: ['GET', 'POST', 'PUT'][i % 3],
  host: HOSTS[i % 3],
  path: `/items/${i % 7}`,
  status: i % 5 === 0 ? null : [200, 404, 500, 201][i % 4],
  respSize: i % 6 === 0 ? null : (i * 37) % 1000,
  duration: i % 4 === 0 ? null : (i * 13) % 50,
  ip: `10.0.0.${i % 4}`,
  principal: i % 3 === 0 ? null : `user${i % 5}`,
  source: i < 15 ? 'first.har' : 'second.har',
}));
const ws = makeWorkspace(rows);
afterAll(() => ws.db.close());

const q = { filter: '', sort: 'id' as const, dir: 'asc' as const, offset: 0, limit: 200 };

/** Reference ordering done in JS: nulls first ascending (as SQLite), id as the tie-break. */
function expectedOrder(sort: (typeof SORT_COLUMNS)[number], dir: 'asc' | 'desc'): number[] {
  const key = (id: number): unknown => {
    const r = rows[id - 1];
    return { id, time: r.time, method: r.method, host: r.host, path: r.path, status: r.status, size: r.respSize, duration: r.duration, ip: r.ip, principal: r.principal }[sort];
  };
  const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as number) < (b as number) ? -1 : 1);
  return ws.ids.slice().sort((a, b) => (dir === 'asc' ? 1 : -1) * (cmp(key(a), key(b)) || a - b));
}

describe('pageTraffic', () => {
  it.each(SORT_COLUMNS.flatMap((s) => [[s, 'asc'], [s, 'desc']] as const))('sorts by %s %s with id as the tie-break', (sort, dir) => {
    const all = pageTraffic(ws.db, { ...q, sort, dir });
    expect(all.rows.map((r) => r.id)).toEqual(expectedOrder(sort, dir));
    expect(all.total).toBe(30);
    // Pages concatenate to the same order.
    const paged = [0, 7, 14, 21, 28].flatMap((offset) => pageTraffic(ws.db, { ...q, sort, dir, offset, limit: 7 }).rows.map((r) => r.id));
    expect(paged).toEqual(expectedOrder(sort, dir));
  });

  it('keeps pages exact when scrolling on, jumping back, or after the data changed', () => {
    const w = makeWorkspace(Array.from({ length: 20 }, (_, i) => ({ time: T0 + Math.floor(i / 3) * 1000 })));
    for (const dir of ['asc', 'desc'] as const) {
      for (const sort of ['id', 'time'] as const) {
        const all = pageTraffic(w.db, { ...q, sort, dir }).rows.map((r) => r.id);
        const page = (offset: number) => pageTraffic(w.db, { ...q, sort, dir, offset, limit: 4 }).rows.map((r) => r.id);
        expect([0, 4, 8, 12, 16].flatMap(page)).toEqual(all);
        expect(page(2)).toEqual(all.slice(2, 6));
        expect(page(4)).toEqual(all.slice(4, 8));
        expect(page(13)).toEqual(all.slice(13, 17));
        expect(pageTraffic(w.db, { ...q, sort, dir, filter: 'id > 3', offset: 12, limit: 4 }).rows.map((r) => r.id)).toEqual(all.filter((id) => id > 3).slice(12, 16));
      }
    }
    pageTraffic(w.db, { ...q, sort: 'time', offset: 4, limit: 4 });
    insertRows(w.db, [{ time: T0 - 1 }]);
    expect(pageTraffic(w.db, { ...q, sort: 'time', offset: 8, limit: 4 }).rows.map((r) => r.time)).toEqual([T0 + 2000, T0 + 2000, T0 + 3000, T0 + 3000]);
    w.db.close();
  });

  it('returns table rows with source names, tags, highlight and comment flag', () => {
    const id = ws.ids[16];
    setTags(ws.db, id, ['zeta', 'alpha']);
    setHighlight(ws.db, id, 'purple');
    setComment(ws.db, id, 'look here');
    const row = pageTraffic(ws.db, { ...q, filter: `id = ${id}` }).rows[0];
    expect(row).toEqual({
      id, time: T0 + 6000, method: 'POST', scheme: 'https', host: 'a.example', port: null, path: '/items/2', query: '', status: 200,
      size: (16 * 37) % 1000, duration: null, ip: '10.0.0.0', principal: 'user1', mime: null, source: 'second.har',
      highlight: 'purple', tags: ['alpha', 'zeta'], hasComment: true,
    });
    expect(pageTraffic(ws.db, { ...q, filter: `id = ${ws.ids[0]}` }).rows[0]).toMatchObject({ tags: [], highlight: null, hasComment: false, source: 'first.har' });
  });

  it('filters, counts the whole match and pages past the end', () => {
    const r = pageTraffic(ws.db, { ...q, filter: 'status = 4xx', limit: 2 });
    expect(r.rows).toHaveLength(2);
    expect(r.total).toBe(rows.filter((x) => x.status === 404).length);
    expect(pageTraffic(ws.db, { ...q, filter: 'status = 4xx', offset: 1000 })).toEqual({ rows: [], total: r.total });
    expect(pageTraffic(ws.db, { ...q, filter: 'host = nowhere' })).toEqual({ rows: [], total: 0 });
  });

  it('turns filter errors into ApiError("filter") with the column', () => {
    try {
      pageTraffic(ws.db, { ...q, filter: 'stauts = 200' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).toJSON()).toEqual({ code: 'filter', message: "unknown field 'stauts' (did you mean status?)", column: 1 });
    }
  });
});

describe('countTraffic', () => {
  it('counts with and without a filter and sees new rows from this and other connections', () => {
    const w = makeWorkspace([{ status: 200 }, { status: 500 }]);
    expect(countTraffic(w.db, '')).toBe(2);
    expect(countTraffic(w.db, 'status = 500')).toBe(1);
    insertRows(w.db, [{ status: 500 }]);
    expect(countTraffic(w.db, '')).toBe(3);
    expect(countTraffic(w.db, 'status = 500')).toBe(2);
    const other = openWorkspace(w.path);
    insertRows(other, [{ status: 500 }]);
    other.close();
    expect(countTraffic(w.db, 'status = 500')).toBe(3);
    expect(countTraffic(w.db, '  ')).toBe(4);
    w.db.close();
  });
});

describe('getExchange', () => {
  const big = 'x'.repeat(BODY_VIEW_MAX + 10);
  const d = makeWorkspace([
    {
      method: 'POST', host: 'api.example.com', port: 8443, path: '/v1/orders', query: '?a=1', status: 201, statusText: 'Created', httpVersion: 'HTTP/2',
      reqHeaders: [['Content-Type', 'application/json'], ['X-Dup', '1'], ['X-Dup', '2']], reqBody: '{"item":1}',
      respHeaders: [['Content-Type', 'text/html; charset=utf-8']], respBody: '<html><body>ok</body></html>', compress: true,
      clientIp: '192.0.2.1', ip: '198.51.100.7', serverIp: '203.0.113.5', principal: 'alice', principalKind: 'jwt', reqSize: 10, mime: 'text/html',
      websocket: [{ direction: 'send', time: 1, opcode: 1, data: 'hi' }], extra: { route: 'r1', retries: 2, cached: false }, source: 'cap.har',
    },
    { respBody: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]), respHeaders: [['Content-Type', 'image/png']] },
    { respBody: big, respHeaders: [['Content-Type', 'text/plain']], compress: true },
    { respBody: '{"a": [1, 2]}', error: 'timeout', status: null },
  ]);
  afterAll(() => d.db.close());

  it('returns every part of the exchange with decoded bodies and provenance', () => {
    const x = getExchange(d.db, d.ids[0]);
    expect(x).toMatchObject({
      id: d.ids[0], url: 'https://api.example.com:8443/v1/orders?a=1', httpVersion: 'HTTP/2', statusText: 'Created', status: 201,
      requestHeaders: [['Content-Type', 'application/json'], ['X-Dup', '1'], ['X-Dup', '2']],
      responseHeaders: [['Content-Type', 'text/html; charset=utf-8']],
      requestBody: { size: 10, text: '{"item":1}', base64: null, truncated: false, language: 'json' },
      responseBody: { size: 28, text: '<html><body>ok</body></html>', base64: null, truncated: false, language: 'html' },
      requestSize: 10, clientIp: '192.0.2.1', ip: '198.51.100.7', serverIp: '203.0.113.5', principal: 'alice', principalKind: 'jwt', error: null,
      websocket: [{ direction: 'send', time: 1, opcode: 1, data: 'hi' }], extra: { route: 'r1', retries: 2, cached: false },
      comment: null, source: 'cap.har', provenance: { sourceId: expect.any(Number), file: 'cap.har', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), entryIndex: 0 },
    });
  });

  it('gives binary bodies as base64, cuts huge ones, and sniffs a language without a content type', () => {
    expect(getExchange(d.db, d.ids[1]).responseBody).toEqual({ size: 8, text: null, base64: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]).toString('base64'), truncated: false, language: 'plaintext' });
    const cut = getExchange(d.db, d.ids[2]).responseBody!;
    expect(cut).toMatchObject({ size: BODY_VIEW_MAX + 10, truncated: true, language: 'plaintext' });
    expect(cut.text).toHaveLength(BODY_VIEW_MAX);
    const x = getExchange(d.db, d.ids[3]);
    expect(x).toMatchObject({ responseBody: { language: 'json' }, requestBody: null, error: 'timeout', status: null, websocket: null, extra: null });
  });

  it('reports unknown ids as not-found', () => {
    expect(() => getExchange(d.db, 999_999)).toThrow(expect.objectContaining({ code: 'not-found', message: 'no exchange with id 999999' }));
  });
});

describe('bodyView', () => {
  it('chooses Monaco languages from content types', () => {
    const cases: [string, string][] = [
      ['application/json', 'json'], ['application/problem+json; charset=utf-8', 'json'], ['application/vnd.api+json', 'json'],
      ['text/xml', 'xml'], ['application/soap+xml', 'xml'], ['image/svg+xml', 'xml'], ['text/html', 'html'], ['application/xhtml+xml', 'html'],
      ['application/javascript', 'javascript'], ['text/javascript; charset=utf-8', 'javascript'], ['text/css', 'css'], ['application/x-yaml', 'yaml'],
      ['application/graphql', 'graphql'], ['text/markdown', 'markdown'], ['application/x-www-form-urlencoded', 'plaintext'], ['text/plain', 'plaintext'],
      ['application/x-ndjson', 'plaintext'],
    ];
    for (const [type, lang] of cases) expect([type, languageFor(type)]).toEqual([type, lang]);
    expect(languageFor(undefined)).toBeNull();
  });

  it('sniffs JSON, XML and HTML when the type is missing or generic', () => {
    const view = (s: string, t?: string) => bodyView(Buffer.from(s), t)!.language;
    expect(view('  {"a":1}')).toBe('json');
    expect(view('{not json')).toBe('plaintext');
    expect(view('<?xml version="1.0"?><a/>')).toBe('xml');
    expect(view('<!DOCTYPE html><html></html>')).toBe('html');
    expect(view('{"a":1}', 'application/octet-stream')).toBe('json');
    expect(view('{"a":1}', 'text/plain')).toBe('plaintext');
  });

  it('decodes declared non-UTF-8 charsets and refuses control-heavy data as text', () => {
    expect(bodyView(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain; charset=iso-8859-1')!.text).toBe('café');
    expect(bodyView(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'application/octet-stream')!.text).toBeNull();
    expect(bodyView(Buffer.from('\u0001\u0002\u0003\u0004abc'), undefined)!.base64).not.toBeNull();
    expect(bodyView(Buffer.alloc(0), 'application/json')).toEqual({ size: 0, text: '', base64: null, truncated: false, language: 'json' });
  });

  it('does not split a multi-byte character at the cut', () => {
    const v = bodyView(Buffer.from('ééé'), 'text/plain', 3)!;
    expect(v).toMatchObject({ size: 6, truncated: true, text: 'é' });
  });
});

describe('annotations', () => {
  const a = makeWorkspace([{}, {}]);
  afterAll(() => a.db.close());
  const detail = () => getExchange(a.db, a.ids[0]);

  it('sets, replaces and clears tags', () => {
    setTags(a.db, a.ids[0], ['b', 'a', 'b']);
    expect(detail().tags).toEqual(['a', 'b']);
    setTags(a.db, a.ids[0], ['c']);
    expect(detail().tags).toEqual(['c']);
    setTags(a.db, a.ids[0], []);
    expect(detail().tags).toEqual([]);
  });

  it('sets and clears comment and highlight independently, dropping empty annotations', () => {
    setComment(a.db, a.ids[0], 'note', 5);
    setHighlight(a.db, a.ids[0], 'red', 6);
    expect(detail()).toMatchObject({ comment: 'note', highlight: 'red', hasComment: true });
    setComment(a.db, a.ids[0], '');
    expect(detail()).toMatchObject({ comment: null, highlight: 'red', hasComment: false });
    setHighlight(a.db, a.ids[0], null);
    expect(detail()).toMatchObject({ comment: null, highlight: null });
    expect(a.db.prepare('SELECT count(*) FROM annotations').pluck().get()).toBe(0);
  });

  it('reports unknown ids as not-found and changes nothing', () => {
    for (const f of [() => setTags(a.db, 424242, ['x']), () => setComment(a.db, 424242, 'x'), () => setHighlight(a.db, 424242, 'red')]) {
      expect(f).toThrow(expect.objectContaining({ code: 'not-found' }));
    }
    expect(a.db.prepare('SELECT count(*) FROM tags').pluck().get()).toBe(0);
  });
});
