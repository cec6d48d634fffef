import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { exportHarFile, findingExchangeIds, harEntry, writeHar } from '../../../src/core/export/har.ts';
import { redactBodyText, redactHeader, redactQuery, REDACTED } from '../../../src/core/export/redact.ts';
import { importFile } from '../../../src/core/ingest/import.ts';
import { readExchange } from '../../../src/core/store/exchanges.ts';
import { shared } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { makeWorkspace } from '../../helpers/workspace.ts';

const harValidator = createRequire(import.meta.url)('har-validator') as { har(data: unknown): Promise<unknown> };
/** har-validator resolves with the document when valid and rejects with every schema error when not. */
const valid = async (har: unknown): Promise<boolean> => (await harValidator.har(har), true);
const dir = tempDir('cartograph-export-');
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLWJ5dGVz';

function fixture() {
  return makeWorkspace(
    [
      {
        method: 'POST', host: 'api.shop.example', path: '/api/v1/login', query: '?next=/home&api_key=abcd1234efgh',
        reqHeaders: [['Content-Type', 'application/json'], ['Authorization', `Bearer ${JWT}`], ['Cookie', 'session=s3cr3t; theme=dark'], ['X-Api-Key', 'k-123456789']],
        reqBody: '{"username":"alice","password":"hunter2","profile":{"refresh_token":"r-1","note":"hi"}}',
        status: 200, statusText: 'OK',
        respHeaders: [['Content-Type', 'application/json'], ['Set-Cookie', 'session=newsecret; Path=/; HttpOnly']],
        respBody: `{"access_token":"${JWT}","user":{"id":42,"name":"alice"}}`, duration: 12, serverIp: '203.0.113.9',
      },
      { method: 'GET', host: 'api.shop.example', path: '/api/v1/users/42', status: 200, respHeaders: [['Content-Type', 'image/png']], respBody: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]) },
      { method: 'DELETE', host: 'admin.shop.example', port: 8443, path: '/api/v1/users/7', status: null, error: 'connection reset' },
      { method: 'GET', host: 'api.shop.example', path: '/health', status: 200, respBody: 'ok', respHeaders: [['Content-Type', 'text/plain']] },
    ],
    dir,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed HAR document, checked by har-validator
type Har = any;

async function exportToString(db: Parameters<typeof writeHar>[0], opts: Parameters<typeof writeHar>[2]): Promise<{ har: Har; result: Awaited<ReturnType<typeof writeHar>> }> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const result = await writeHar(db, out, opts);
  out.end();
  const text = Buffer.concat(parts).toString('utf8');
  expect(Buffer.byteLength(text)).toBe(result.bytes);
  return { har: JSON.parse(text), result };
}

describe('HAR export', () => {
  it('exports a filter selection as HAR 1.2 that har-validator accepts, secrets redacted by default', async () => {
    const { db } = fixture();
    const { har, result } = await exportToString(db, { filter: 'host = api.shop.example' });
    expect(await valid(har)).toBe(true);
    expect(result).toMatchObject({ entries: 3, redacted: true });
    const [login, png, health] = har.log.entries;
    expect(login.request.url).toBe(`https://api.shop.example/api/v1/login?next=/home&api_key=${REDACTED}`);
    const h = Object.fromEntries(login.request.headers.map((x: { name: string; value: string }) => [x.name, x.value]));
    expect(h).toMatchObject({ Authorization: `Bearer ${REDACTED}`, Cookie: `session=${REDACTED}; theme=${REDACTED}`, 'X-Api-Key': REDACTED, 'Content-Type': 'application/json' });
    expect(login.request.cookies).toEqual([{ name: 'session', value: REDACTED }, { name: 'theme', value: REDACTED }]);
    expect(JSON.parse(login.request.postData.text)).toEqual({ username: 'alice', password: REDACTED, profile: { refresh_token: REDACTED, note: 'hi' } });
    expect(login.response.headers).toContainEqual({ name: 'Set-Cookie', value: `session=${REDACTED}; Path=/; HttpOnly` });
    expect(JSON.parse(login.response.content.text)).toEqual({ access_token: REDACTED, user: { id: 42, name: 'alice' } });
    expect(login).toMatchObject({ time: 12, serverIPAddress: '203.0.113.9', timings: { wait: 12 } });
    expect(JSON.stringify(har)).not.toMatch(/hunter2|s3cr3t|newsecret|k-123456789|abcd1234efgh|eyJhbGci/);
    expect(png.response.content).toMatchObject({ encoding: 'base64', text: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]).toString('base64'), mimeType: 'image/png' });
    expect(health.response.content.text).toBe('ok');
  });

  it('keeps secrets only when asked', async () => {
    const { db } = fixture();
    const { har, result } = await exportToString(db, { filter: 'path = /api/v1/login', keepSecrets: true });
    expect(result.redacted).toBe(false);
    expect(JSON.stringify(har)).toContain('hunter2');
    expect(har.log.entries[0].request.url).toContain('api_key=abcd1234efgh');
    expect(await valid(har)).toBe(true);
  });

  it('exports exact ids (a finding\'s evidence) in order; a request without a response stays valid', async () => {
    const { db, ids } = fixture();
    const { har } = await exportToString(db, { ids: [ids[2]!, ids[0]!, 999_999] });
    expect(har.log.entries.map((e: { _cartographId: number }) => e._cartographId)).toEqual([ids[2], ids[0]]);
    expect(har.log.entries[0].request.url).toBe('https://admin.shop.example:8443/api/v1/users/7');
    expect(har.log.entries[0].response).toMatchObject({ status: 0, _error: 'connection reset' });
    expect(await valid(har)).toBe(true);
  });

  it('resolves a finding id to its evidence requests', () => {
    const { db, ids } = fixture();
    db.prepare(`INSERT INTO detection_runs (id, started_at, pack, rules, status) VALUES (1, 0, 'builtin', 1, 'complete')`).run();
    db.prepare(`INSERT INTO findings (id, run_id, rule, category, owasp, severity, confidence, title, host, method, path, request_count, first_seen, last_seen, evidence)
      VALUES ('f1', 1, 'r', 'bola', 'API1:2023', 'high', 0.9, 't', 'h', 'GET', '/', 2, 0, 0, 'e')`).run();
    db.prepare('INSERT INTO finding_requests (finding_id, exchange_id) VALUES (?, ?), (?, ?)').run('f1', ids[3], 'f1', ids[1]);
    expect(findingExchangeIds(db, 'f1')).toEqual([ids[1], ids[3]]);
    expect(() => findingExchangeIds(db, 'nope')).toThrow(/no finding/);
  });

  it('a bad filter is an Api filter error, before anything is written', async () => {
    const { db } = fixture();
    await expect(exportToString(db, { filter: 'status >>> 3' })).rejects.toMatchObject({ code: 'filter' });
    const out = join(dir, 'never.har');
    await expect(exportHarFile(db, out, { filter: 'status >>> 3' })).rejects.toMatchObject({ code: 'filter' });
    expect(existsSync(out)).toBe(false);
  });

  it('round-trips: an exported real capture imports again with the same requests', async () => {
    const { db } = makeWorkspace([], dir);
    const src = await importFile(db, { path: shared('proxy', 'zaproxy__zaproxy', 'seq-simple.har') });
    expect(src.imported).toBe(6);
    const out = join(dir, 'round.har');
    const r = await exportHarFile(db, out, { keepSecrets: true });
    expect(r.entries).toBe(6);
    const har = JSON.parse(readFileSync(out, 'utf8'));
    expect(await valid(har)).toBe(true);
    const { db: db2 } = makeWorkspace([], dir);
    const back = await importFile(db2, { path: out });
    expect(back).toMatchObject({ format: 'har', imported: 6, skipped: 0, fatal: null });
    const a = readExchange(db, 1);
    const b = readExchange(db2, 1);
    expect([b.method, b.host, b.path, b.query, b.status]).toEqual([a.method, a.host, a.path, a.query, a.status]);
    expect(Buffer.from(b.responseBody ?? []).equals(Buffer.from(a.responseBody ?? []))).toBe(true);
  });

  it('streams many exchanges in batches (more than one batch, ids past each batch)', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => ({ path: `/items/${i}`, respBody: `{"i":${i}}`, respHeaders: [['Content-Type', 'application/json']] as [string, string][] }));
    const { db } = makeWorkspace(rows, dir);
    const { har } = await exportToString(db, { filter: 'path ~ "^/items/"' });
    expect(har.log.entries).toHaveLength(150);
    expect(har.log.entries[149].request.url).toBe('https://api.example.com/items/149');
    expect(harEntry(readExchange(db, 1)).request).toMatchObject({ method: 'GET', queryString: [] });
  });

  it('an access-log exchange without a host gets the server address, else host.invalid', async () => {
    const { db } = makeWorkspace([{ host: '', path: '/a', status: 204 }, { host: '', serverIp: '10.0.0.5', port: 8080, path: '/b', status: 204 }], dir);
    const { har } = await exportToString(db, {});
    expect(har.log.entries.map((e: { request: { url: string } }) => e.request.url)).toEqual(['https://host.invalid/a', 'https://10.0.0.5:8080/b']);
    expect(await valid(har)).toBe(true);
  });
});

describe('redaction rules', () => {
  it('headers keep their auth scheme and cookie names', () => {
    expect(redactHeader('authorization', 'Basic YWxpY2U6cw==')).toBe(`Basic ${REDACTED}`);
    expect(redactHeader('Proxy-Authorization', 'secretvalue')).toBe(REDACTED);
    expect(redactHeader('X-Session-Token', 'abc')).toBe(REDACTED);
    expect(redactHeader('Accept', 'application/json')).toBe('application/json');
    expect(redactHeader('Referer', `https://x/?t=${JWT}`)).toBe(`https://x/?t=${REDACTED}`);
  });

  it('query and form parameters by name, tokens by shape', () => {
    expect(redactQuery('?page=2&access_token=abc&sig=xyz&q=shoes')).toBe(`?page=2&access_token=${REDACTED}&sig=${REDACTED}&q=shoes`);
    expect(redactQuery(`?next=${JWT}`)).toBe(`?next=${REDACTED}`);
    expect(redactBodyText('user=a&password=b', 'application/x-www-form-urlencoded')).toBe(`user=a&password=${REDACTED}`);
    expect(redactBodyText('plain text with ghp_abcdefghijklmnopqrstuvwxyz0123', 'text/plain')).toBe(`plain text with ${REDACTED}`);
  });

  it('JSON bodies by key, untouched ones byte for byte, deep nesting without a crash', () => {
    expect(redactBodyText('{ "a" : 1 }', 'application/json')).toBe('{ "a" : 1 }');
    expect(JSON.parse(redactBodyText('[{"apiKey":"x","items":[{"password":"p"}]}]', 'application/json'))).toEqual([{ apiKey: REDACTED, items: [{ password: REDACTED }] }]);
    const deep = `${'['.repeat(5000)}"${JWT}"${']'.repeat(5000)}`;
    expect(() => redactBodyText(deep, 'application/json')).not.toThrow();
  });
});
