/**
 * The import-dialog and export slices of the Api through the service's handlers: detecting and
 * previewing a file from a browser-sent head or a path (gzip undone, a pasted log format, a forced
 * format), and HAR exports to a chosen path or to the exports folder the web mode downloads from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../../src/core/service/service.ts';
import { EXPORT_NAME, exportsDir } from '../../../src/core/service/handlers/export.ts';
import { validateInput, type ApiInput, type ApiMethod, type ApiResults } from '../../../src/shared/api.ts';
import { ROOT, shared } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { makeWorkspace } from '../../helpers/workspace.ts';

const dir = tempDir('cartograph-slices-');
const userData = join(dir, 'user-data');
let service: Service;

async function call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]> {
  const v = validateInput<M>(method, input);
  return service.handle(v.method, v.input);
}

beforeAll(async () => {
  const ws = makeWorkspace(
    [
      { method: 'GET', path: '/api/a', reqHeaders: [['Authorization', 'Bearer secret-token-value']], status: 200 },
      { method: 'POST', path: '/api/b', reqBody: '{"password":"pw1"}', reqHeaders: [['Content-Type', 'application/json']], status: 201 },
    ],
    dir,
  );
  ws.db.close();
  service = await createService({ userDataDir: userData, workspace: ws.path, resourcesDir: join(ROOT, 'resources'), emit: () => {} });
});
afterAll(() => service?.close());

describe('formats.sniff', () => {
  it('ranks formats and previews the first records from a browser-sent head, gzip undone', async () => {
    const har = readFileSync(shared('proxy', 'zaproxy__zaproxy', 'seq-simple.har'));
    const p = await call('formats.sniff', { name: 'zap.har.gz', head: gzipSync(har).toString('base64'), limit: 3 });
    expect(p).toMatchObject({ compression: 'gzip', container: null, format: 'har', error: null });
    expect(p.candidates[0]).toMatchObject({ id: 'har' });
    expect(p.records).toHaveLength(3);
    expect(p.records[0]).toMatchObject({ kind: 'exchange', method: expect.any(String), url: expect.stringMatching(/^https?:\/\//) });
  });

  it('reads from a path; a pasted log format and a forced format change the preview', async () => {
    const log = join(dir, 'pipe.log');
    writeFileSync(log, '2024-03-01T10:00:00+00:00|203.0.113.7|GET|/x|200\nnot a line\n');
    const unknown = await call('formats.sniff', { name: 'pipe.log', path: log });
    expect(unknown).toMatchObject({ format: null, candidates: [], error: expect.stringMatching(/not a format/) });
    const forced = await call('formats.sniff', { name: 'pipe.log', path: log, format: 'access-log', options: { logFormat: '$time_iso8601|$remote_addr|$request_method|$uri|$status' } });
    expect(forced.records.map((r) => (r.kind === 'exchange' ? `${r.method} ${r.url} ${r.status}` : `skip ${r.at}`))).toEqual(['GET /x 200', 'skip line 2']);
    expect(forced.partial).toBe(false);
    const badFormat = await call('formats.sniff', { name: 'pipe.log', path: log, format: 'access-log', options: { logFormat: 'no variables here' } });
    expect(badFormat.error).toMatch(/log format/);
  });

  it('says a zip is an archive of captures, refuses unknown formats and bad input', async () => {
    const zipHead = Buffer.from('504b0304140000000800', 'hex');
    expect((await call('formats.sniff', { name: 'caps.zip', head: zipHead.toString('base64') })).container).toBe('zip');
    await expect(call('formats.sniff', { name: 'a', head: 'e30=', format: 'nope' })).rejects.toMatchObject({ code: 'bad-input' });
    expect(() => validateInput('formats.sniff', { name: 'a' })).toThrow(/either path or head/);
    await expect(call('formats.sniff', { name: 'a', path: join(dir, 'missing') })).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('export.har', () => {
  it('writes to the exports folder under a downloadable name, redacted by default', async () => {
    const r = await call('export.har', { filter: 'method = GET' });
    expect(r).toMatchObject({ entries: 1, redacted: true });
    expect(r.download).toMatch(EXPORT_NAME);
    expect(r.path).toBe(join(exportsDir(userData), r.download!));
    const text = readFileSync(r.path, 'utf8');
    expect(text).not.toContain('secret-token-value');
    expect(JSON.parse(text).log.entries[0].request.headers).toContainEqual({ name: 'Authorization', value: 'Bearer REDACTED' });
  });

  it('writes to a chosen path, secrets kept when asked; exact ids; one selection at a time', async () => {
    const out = join(dir, 'kept.har');
    const r = await call('export.har', { ids: [2], keepSecrets: true, path: out });
    expect(r).toMatchObject({ entries: 1, redacted: false, download: null, path: out });
    expect(readFileSync(out, 'utf8')).toContain('pw1');
    expect(() => validateInput('export.har', { filter: 'x', ids: [1] })).toThrow(/at most one/);
    await expect(call('export.har', { findingId: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(call('export.har', { filter: 'status >>> 1' })).rejects.toMatchObject({ code: 'filter' });
  });
});
