import { describe, expect, it } from 'vitest';
import { forEachRequest, type RequestIterateOptions, type RequestRecord } from '../../../src/core/store/exchanges.ts';
import { forEachRequestKept } from '../../../src/core/store/request-columns.ts';
import type { Db } from '../../../src/core/store/db.ts';
import { insertRows, makeWorkspace, type RowSpec } from '../../helpers/workspace.ts';

const headers: [string, string][] = [['User-Agent', 'app/1'], ['Content-Type', 'application/json']];
const ROWS: RowSpec[] = [
  { time: 3, method: 'POST', path: '/login', reqBody: '{"u":"a"}', reqHeaders: headers, ip: '192.0.2.1', principal: 'alice', extra: { country: 'DE' }, reqSize: 9 },
  { time: 1, path: '/a', query: '?x=1', reqHeaders: headers, clientIp: '203.0.113.9', ip: null, respBody: 'response only' },
  { time: 2, method: 'POST', path: '/big', reqBody: 'b'.repeat(4000), compress: true, reqHeaders: [['user-agent', 'other']], extra: { country: 'FR' } },
  { time: 4, method: 'POST', path: '/login', reqBody: '{"u":"a"}', reqHeaders: headers, ip: '192.0.2.2', extra: { country: 'DE' } },
  { time: 2, host: 'other.example', path: '/a', query: '?x=1', reqHeaders: [], ip: '192.0.2.1', principal: 'alice' },
];

/** Every record a read visits, copied (the record object is refilled row after row). */
function visited(read: typeof forEachRequest, db: Db, opts: RequestIterateOptions): { n: number; records: RequestRecord[] } {
  const records: RequestRecord[] = [];
  const n = read(db, opts, (r) => records.push({ ...r }));
  return { n, records };
}

describe('forEachRequestKept', () => {
  const shapes: RequestIterateOptions[] = [
    { order: 'time' },
    { order: 'id' },
    { order: 'time', withBodies: 'lazy', withExtra: true },
    { order: 'time', withBodies: 'lazy', filter: 'method = POST' },
    { order: 'time', withExtra: true, filter: 'host = other.example or path = /big' },
  ];

  it('visits the same records, in the same order, as the streaming read — first from SQLite, then from the copy', () => {
    const { db } = makeWorkspace(ROWS);
    for (const opts of shapes) {
      const streamed = visited(forEachRequest, db, opts);
      expect(visited(forEachRequestKept, db, { ...opts, filter: undefined }).n).toBe(ROWS.length);
      for (let pass = 0; pass < 2; pass++) expect(visited(forEachRequestKept, db, opts)).toEqual(streamed);
    }
    // Proof that re-reads come from the copy: a stored text broken behind its back goes unread.
    db.prepare('UPDATE exchanges SET req_headers = ? WHERE path = ?').run('[["a"', '/big');
    expect(() => visited(forEachRequest, db, { order: 'time' })).toThrow('stored req_headers is not valid JSON');
    expect(visited(forEachRequestKept, db, { order: 'time', withExtra: true }).n).toBe(ROWS.length);
    db.close();
  });

  it('shares header lists and extras between rows with equal stored texts, as the streaming read does', () => {
    const { db } = makeWorkspace(ROWS);
    const opts: RequestIterateOptions = { order: 'id', withExtra: true };
    visited(forEachRequestKept, db, opts);
    const [a, , c, d] = visited(forEachRequestKept, db, opts).records;
    expect(a.requestHeaders).toBe(d.requestHeaders);
    expect(a.requestHeaders).not.toBe(c.requestHeaders);
    expect(a.extra).toEqual({ country: 'DE' });
    expect(c.extra).toEqual({ country: 'FR' });
    db.close();
  });

  it('reads again once exchanges are added (exchanges are append-only)', () => {
    const { db } = makeWorkspace(ROWS);
    expect(visited(forEachRequestKept, db, { order: 'time' }).n).toBe(ROWS.length);
    const [added] = insertRows(db, [{ time: 0, path: '/new', ip: '198.51.100.1' }]);
    const after = visited(forEachRequestKept, db, { order: 'time' });
    expect(after.n).toBe(ROWS.length + 1);
    expect(after.records[0]).toMatchObject({ id: added, path: '/new', ip: '198.51.100.1' });
    expect(visited(forEachRequestKept, db, { order: 'time' })).toEqual(after);
    db.close();
  });

  it('makes a new copy when a read needs columns the copy left out, and keeps serving narrower reads from a wider copy', () => {
    const { db } = makeWorkspace(ROWS);
    visited(forEachRequestKept, db, { order: 'time' });
    const lazy = visited(forEachRequestKept, db, { order: 'time', withBodies: 'lazy', withExtra: true });
    expect(lazy.records.filter((r) => r.requestBodyId !== null).map((r) => r.requestBodySize)).toEqual([4000, 9, 9]);
    expect(lazy.records.map((r) => r.extra?.country ?? null)).toEqual([null, 'FR', null, 'DE', 'DE']);
    const narrow = visited(forEachRequestKept, db, { order: 'time' });
    expect(narrow).toEqual(visited(forEachRequest, db, { order: 'time' }));
    expect(narrow.records.every((r) => r.requestBodyId === undefined && r.extra === null)).toBe(true);
    db.close();
  });

  it('gives up the copy past its memory budget and streams, with the same records', () => {
    const { db } = makeWorkspace(ROWS);
    const streamed = visited(forEachRequest, db, { order: 'time' });
    let served = 0;
    const tiny = (d: Db, o: RequestIterateOptions, v: (r: RequestRecord) => void): number => forEachRequestKept(d, o, v, 200);
    for (let pass = 0; pass < 2; pass++) expect(visited(tiny, db, { order: 'time' })).toEqual(streamed);
    // Streaming still reads SQLite: a broken stored text is reported on every pass.
    db.prepare('UPDATE exchanges SET req_headers = ? WHERE path = ?').run('[["a"', '/big');
    expect(() => tiny(db, { order: 'time' }, () => served++)).toThrow('stored req_headers is not valid JSON');
    db.close();
  });

  it('rejects a bad filter on the copy as the streaming read does', () => {
    const { db } = makeWorkspace(ROWS);
    visited(forEachRequestKept, db, { order: 'time' });
    expect(() => forEachRequestKept(db, { order: 'time', filter: 'status ~' }, () => {})).toThrow(expect.objectContaining({ code: 'filter' }));
    db.close();
  });
});
