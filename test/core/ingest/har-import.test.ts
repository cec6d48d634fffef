/**
 * HAR import end to end (open → sniff → scanner → quirks → har-validator → writer) over every real
 * HAR in ../shared/data, the producer quirks the issue names, and the bad-input cases: invalid
 * entries, truncation, duplicates, compressed inputs and huge bodies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { importFile } from '../../../src/core/ingest/import.ts';
import { openWorkspace, type Db } from '../../../src/core/store/db.ts';
import { getExchange } from '../../../src/core/store/traffic.ts';
import { shared } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';

let open: Db[] = [];
afterEach(() => {
  for (const db of open) db.close();
  open = [];
});

function workspace(): { db: Db; dir: string } {
  const dir = tempDir();
  const db = openWorkspace(join(dir, 'w.sqlite'), { create: true });
  open.push(db);
  return { db, dir };
}

const exchanges = (db: Db): { id: number; method: string; host: string; path: string; status: number | null; http_version: string }[] =>
  db.prepare('SELECT id, method, host, path, status, http_version FROM exchanges ORDER BY id').all() as never;

/** Every real HAR shipped in ../shared/data/har: [file, entries imported, entries skipped, fatal error]. */
const REAL_HARS: [string, number, number, RegExp | null][] = [
  ['JupiterOne__graph-okta/steps_741716276/recording.har', 31, 0, null],
  ['ahmadnassri__node-har-validator/har/valid.json', 1, 0, null],
  ['alufers__mitmproxy2swagger/form_data_har.har', 1, 0, null],
  ['alufers__mitmproxy2swagger/headers_and_params_har.har', 1, 0, null],
  ['janodvarko__harviewer/issue-21/post-empty-post-data.har', 1, 0, null],
  ['janodvarko__harviewer/issue-61/chrome51.har', 27, 0, null],
  ['janodvarko__harviewer/issue-61/firefox47.har', 23, 0, null],
  ['janodvarko__harviewer/issue-61/ie11.fiddler.har', 11, 0, null],
  ['janodvarko__harviewer/issue-61/ie11.har', 25, 0, null],
  ['janodvarko__harviewer/issue-78/json.har', 1, 0, null],
  ['janodvarko__harviewer/jsonp.har', 1, 0, null],
  ['janodvarko__harviewer/no-headers.har', 1, 0, null],
  ['janodvarko__harviewer/noPages.har', 87, 0, null],
  ['janodvarko__harviewer/www-cnn-com.har', 22, 0, null],
  ['janodvarko__harviewer/not-json.har', 0, 0, /not a HAR file.*offset 119/],
  ['janodvarko__harviewer/not-valid.har', 0, 0, /no log\.entries array.*offset 186/],
  ['jonluca__har-to-openapi/ServerService-GetNavigationMenu2-ff.har', 1, 0, null],
  ['jonluca__har-to-openapi/ServerService-GetNavigationMenu2-fiddler.har', 1, 0, null],
  ['jonluca__har-to-openapi/auth-variants.har', 4, 0, null],
  ['jonluca__har-to-openapi/binary-json.har', 1, 0, null],
  ['jonluca__har-to-openapi/full.har', 8, 0, null],
  ['jonluca__har-to-openapi/html.har', 1, 0, null],
  ['jonluca__har-to-openapi/invalid-url.har', 0, 2, null],
  ['jonluca__har-to-openapi/media-types.har', 5, 0, null],
  ['jonluca__har-to-openapi/no-entries.har', 0, 0, null],
  ['jonluca__har-to-openapi/post-json-invalid.har', 1, 0, null],
  ['jonluca__har-to-openapi/post-same-endpoint-diff-bodies.har', 3, 0, null],
  ['jonluca__har-to-openapi/request-generator-all-status-and-method.har', 665, 0, null],
  ['jonluca__har-to-openapi/typed-params.har', 3, 0, null],
  ['microsoft__playwright/har-fulfill.har', 5, 0, null],
  ['microsoft__playwright/har-redirect.har', 3, 0, null],
  ['microsoft__playwright/har-sha1.har', 1, 0, null],
  ['mingyuchoo__real-saz2har/demo.har', 1, 0, null],
  ['mitmproxy__mitmproxy/brokenfile.har', 0, 0, /not a HAR file.*offset 33/],
  ['mitmproxy__mitmproxy/charles.har', 1, 0, null],
  ['mitmproxy__mitmproxy/compressed.zhar', 2, 0, null],
  ['mitmproxy__mitmproxy/corrupted_gzip_body.har', 1, 0, null],
  ['mitmproxy__mitmproxy/error_log.har', 2, 0, null],
  ['mitmproxy__mitmproxy/firefox.har', 14, 0, null],
  ['mitmproxy__mitmproxy/har_extractor.har', 1, 0, null],
  ['mitmproxy__mitmproxy/head-content-length.har', 1, 0, null],
  ['mitmproxy__mitmproxy/incomplete_log.har', 4, 0, null],
  ['mitmproxy__mitmproxy/insomnia.har', 1, 0, null],
  ['mitmproxy__mitmproxy/postdata.har', 1, 0, null],
  ['mitmproxy__mitmproxy/safari.har', 19, 0, null],
  ['mitmproxy__mitmproxy/successful_log.har', 2, 0, null],
  ['mitmproxy__mitmproxy/websocket.har', 3, 0, null],
  ['mitmproxy__mitmproxy/with-bom.har', 1, 0, null],
];

describe('real HAR files from ../shared/data', () => {
  it.each(REAL_HARS)('%s imports %i entries, skips %i', async (file, imported, skipped, fatal) => {
    const { db } = workspace();
    const r = await importFile(db, { path: shared('har', file) });
    if (fatal) expect(r.fatal).toMatch(fatal);
    else expect(r.fatal, r.fatal ?? '').toBeNull();
    expect({ imported: r.imported, skipped: r.skipped }).toEqual({ imported, skipped });
    expect(exchanges(db)).toHaveLength(imported);
    if (imported + skipped > 0) expect(r.format).toBe('har');
  });

  it('names each skipped entry with its index and the schema reason', async () => {
    const { db } = workspace();
    const r = await importFile(db, { path: shared('har', 'jonluca__har-to-openapi/invalid-url.har') });
    expect(r.errors).toEqual([
      { at: 'entry 0', message: expect.stringMatching(/request\.url/) },
      { at: 'entry 1', message: expect.stringMatching(/request\.url/) },
    ]);
  });
});

describe('producer quirks', () => {
  it('decodes base64 `encoding` bodies (Alta Proxy)', async () => {
    const { db } = workspace();
    await importFile(db, { path: shared('har', 'jonluca__har-to-openapi/binary-json.har') });
    const x = getExchange(db, exchanges(db)[0].id);
    expect(x.responseBody?.text).toMatch(/^\s*[[{]/);
    expect(() => JSON.parse(x.responseBody?.text ?? '')).not.toThrow();
  });

  it('keeps WebSocket messages (_webSocketMessages)', async () => {
    const { db } = workspace();
    await importFile(db, { path: shared('har', 'mitmproxy__mitmproxy/websocket.har') });
    const withMessages = exchanges(db).map((e) => getExchange(db, e.id)).filter((x) => x.websocket?.length);
    expect(withMessages.length).toBeGreaterThan(0);
    expect(withMessages[0].websocket?.[0]).toMatchObject({ direction: expect.stringMatching(/send|receive/), data: expect.any(String) });
  });

  it('reads UTF-8 BOMs, JSONP wrappers (HARP) and zlib-compressed .zhar', async () => {
    const { db } = workspace();
    for (const f of ['mitmproxy__mitmproxy/with-bom.har', 'janodvarko__harviewer/jsonp.har', 'mitmproxy__mitmproxy/compressed.zhar']) {
      const r = await importFile(db, { path: shared('har', f) });
      expect(r.fatal, f).toBeNull();
      expect(r.imported, f).toBeGreaterThan(0);
    }
  });

  it('reads Firefox entries without bodies, Charles and Fiddler exports', async () => {
    const { db } = workspace();
    for (const f of ['mitmproxy__mitmproxy/firefox.har', 'mitmproxy__mitmproxy/charles.har', 'janodvarko__harviewer/issue-61/ie11.fiddler.har']) {
      expect((await importFile(db, { path: shared('har', f) })).skipped, f).toBe(0);
    }
    expect(exchanges(db).length).toBe(14 + 1 + 11);
  });

  it('accepts headers as [name, value] pairs, http/2.0 versions and a missing response', async () => {
    const { db, dir } = workspace();
    const file = join(dir, 'quirks.har');
    writeFileSync(file, JSON.stringify({
      log: { version: '1.2', creator: { name: 'handmade', version: '1' }, entries: [
        {
          startedDateTime: '2024-05-01T10:00:00.000Z', time: 12,
          request: { method: 'GET', url: 'https://api.example.com/v2/items?page=2', httpVersion: 'http/2.0', headers: [['Authorization', 'Basic YWxpY2U6czNjcmV0'], ['X-Forwarded-For', '203.0.113.9']], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
          response: { status: 200, statusText: '', httpVersion: 'http/2.0', headers: [['content-type', 'application/json']], cookies: [], content: { size: 11, mimeType: 'application/json', text: '{"ok":true}' }, redirectURL: '', headersSize: -1, bodySize: 11 },
          cache: {}, timings: { send: 0, wait: 12, receive: 0 },
        },
        { startedDateTime: '2024-05-01T10:00:01.000Z', time: 0, request: { method: 'POST', url: 'https://api.example.com/v2/items', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 } },
      ] },
    }));
    const r = await importFile(db, { path: file });
    expect(r).toMatchObject({ imported: 2, skipped: 0, fatal: null });
    const [a, b] = exchanges(db);
    const x = getExchange(db, a.id);
    expect(x.requestHeaders).toContainEqual(['Authorization', 'Basic YWxpY2U6czNjcmV0']);
    expect(x).toMatchObject({ httpVersion: 'HTTP/2', principal: 'alice', ip: '203.0.113.9', status: 200 });
    expect(getExchange(db, b.id).status).toBeNull();
  });

  it('imports an entry whose body is several megabytes', async () => {
    const { db, dir } = workspace();
    const big = 'x'.repeat(6 * 1024 * 1024);
    const file = join(dir, 'huge.har');
    writeFileSync(file, JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [
      { startedDateTime: '2024-05-01T10:00:00.000Z', time: 1, request: { method: 'GET', url: 'https://big.example/download', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
        response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [{ name: 'Content-Type', value: 'text/plain' }], cookies: [], content: { size: big.length, mimeType: 'text/plain', text: big }, redirectURL: '', headersSize: -1, bodySize: big.length }, cache: {}, timings: { send: 0, wait: 1, receive: 0 } },
    ] } }));
    expect(await importFile(db, { path: file })).toMatchObject({ imported: 1, fatal: null });
    const x = getExchange(db, exchanges(db)[0].id);
    expect(x.responseBody?.size).toBe(big.length);
    expect(x.size).toBe(big.length);
  });
});

describe('bad input and re-imports', () => {
  const source = shared('har', 'mitmproxy__mitmproxy/safari.har');

  it('a truncated file names the offset and keeps the entries before it; the full file then resumes', async () => {
    const { db, dir } = workspace();
    const bytes = readFileSync(source);
    const cut = join(dir, 'safari.har');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const partial = await importFile(db, { path: cut });
    expect(partial.fatal).toMatch(/truncated\?.*offset \d+|offset \d+/);
    expect(partial.imported).toBeGreaterThan(0);
    expect(partial.imported).toBeLessThan(19);
    expect(db.prepare('SELECT status FROM sources').pluck().get()).toBe('partial');
    const kept = exchanges(db);
    expect(kept).toHaveLength(partial.imported);

    // The complete capture is a different file (other sha256): its entries are all new rows.
    const full = await importFile(db, { path: source });
    expect(full).toMatchObject({ imported: 19, fatal: null });
    expect(exchanges(db).slice(0, kept.length)).toEqual(kept);
  });

  it('importing the same file twice adds nothing', async () => {
    const { db } = workspace();
    expect((await importFile(db, { path: source })).imported).toBe(19);
    const again = await importFile(db, { path: source });
    expect(again).toMatchObject({ duplicate: true, imported: 0 });
    expect(exchanges(db)).toHaveLength(19);
  });

  it('reads gzip-compressed captures transparently', async () => {
    const { db, dir } = workspace();
    const gz = join(dir, 'safari.har.gz');
    writeFileSync(gz, gzipSync(readFileSync(source)));
    expect(await importFile(db, { path: gz })).toMatchObject({ format: 'har', imported: 19, fatal: null });
  });

  it('a file that is not a capture at all is refused with its name, and the workspace is untouched', async () => {
    const { db, dir } = workspace();
    await importFile(db, { path: source });
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'just some notes, not traffic\n'.repeat(50));
    const r = await importFile(db, { path: junk });
    expect(r.fatal).toMatch(/notes\.txt/);
    expect(exchanges(db)).toHaveLength(19);
  });

  it('a missing file is a clear error', async () => {
    const { db, dir } = workspace();
    const r = await importFile(db, { path: join(dir, 'nope.har') });
    expect(r.fatal).toMatch(/nope\.har|ENOENT|no such file/);
  });
});
