import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerValue } from '../../../../../src/core/model/exchange.ts';
import { apiclarityReader } from '../../../../../src/core/ingest/formats/apiclarity.ts';
import { insomniaReader } from '../../../../../src/core/ingest/formats/insomnia.ts';
import { postmanReader } from '../../../../../src/core/ingest/formats/postman.ts';
import { detectFormat } from '../../../../../src/core/ingest/registry.ts';
import { shared } from '../../../../helpers/paths.ts';
import { bytesInput, expectRobust, readAll, readFile, text } from './helpers.ts';

const fixture = (f: string): string => join(import.meta.dirname, 'fixtures', f);
const VAMPI = shared('proxy', 'erev0s__VAmPI', 'VAmPI.postman_collection.json');
const CRAPI = shared('proxy', 'OWASP__crAPI', 'crAPI.postman_collection.json');
const TRACES = shared('proxy', 'openclarity__apiclarity', 'trace_files');

describe('Postman collections', () => {
  it('VAmPI v2.1: one exchange per saved example response, one per request without any', async () => {
    const r = await readFile(postmanReader, VAMPI);
    expect(r.error).toBeNull();
    expect(r.exchanges).toHaveLength(15);
    const logins = r.exchanges.filter((x) => x.path === '/users/v1/login');
    expect(logins.map((x) => [x.status, x.extra?.postmanExample])).toEqual([
      [200, 'Login to VAmPI (wrong pass exploit)'],
      [200, 'Login to VAmPI (wrong user exploit)'],
    ]);
    expect(JSON.parse(text(logins[0].responseBody))).toMatchObject({ status: 'fail' });
    expect(JSON.parse(text(logins[0].requestBody))).toHaveProperty('username');
    const noExample = r.exchanges.find((x) => x.path === '/books/v1' && x.method === 'GET')!;
    expect(noExample).toMatchObject({ host: 'localhost', port: 5000, status: null, responseBody: null });
    // The SQL injection example keeps its encoded path as sent.
    expect(r.exchanges[2].path).toBe("/users/v1/anythingRandom'%20or%20'1'%3D'1");
  });

  it('crAPI: 49 requests; variables without a value stay visible rather than guessed', async () => {
    const r = await readFile(postmanReader, CRAPI);
    expect(r.error).toBeNull();
    expect(r.exchanges).toHaveLength(49);
    expect(r.exchanges[0]).toMatchObject({ method: 'POST', host: '{{url}}', path: '/identity/api/auth/signup' });
    expect(r.exchanges.filter((x) => x.requestBody !== null).length).toBeGreaterThan(10);
  });

  it('is detected from content, and not a plain JSON object', () => {
    expect(detectFormat(readFileSync(VAMPI).subarray(0, 65536), 'x.json').reader.id).toBe('postman');
    expect(postmanReader.sniff(Buffer.from('{"item":[]}'), 'x.json')).toBe(0);
  });

  it('a truncated collection is one ReadError naming where', async () => {
    const bytes = readFileSync(VAMPI);
    const r = await readAll(postmanReader, bytesInput(bytes.subarray(0, 3000)));
    expect(r.exchanges).toEqual([]);
    expect(r.error?.message).toMatch(/JSON|truncated|unexpected/i);
  });

  it('survives hostile input', async () => {
    await expectRobust(postmanReader, readFileSync(VAMPI), 8, `{"info":{"schema":"https://schema.getpostman.com/json/collection/v2.1.0/"},"item":${'['.repeat(100_000)}`);
  });
});

describe('Insomnia v4 exports', () => {
  for (const file of ['insomnia-export.json', 'insomnia-export.yaml']) {
    it(`${file}: environments, folder variables, parameters and auth resolved; a request without URL skipped`, async () => {
      const r = await readFile(insomniaReader, fixture(file));
      expect(r.error).toBeNull();
      expect(r.exchanges.map((x) => `${x.method} ${x.scheme}://${x.host}${x.path}${x.query}`)).toEqual([
        'GET https://shop.example.com/api/orders/42?expand=items',
        'POST https://shop.example.com/api/orders',
        'POST https://shop.example.com/login',
      ]);
      expect(headerValue(r.exchanges[0].requestHeaders, 'accept')).toBe('application/json');
      expect(r.exchanges[0].extra).toEqual({ insomniaRequest: 'Orders / Get order' });
      expect(r.skips).toEqual([{ kind: 'skip', index: 4, at: 'request "No URL" (req_4)', message: 'request has no URL' }]);
    });
  }

  it('is detected from content', () => {
    expect(detectFormat(readFileSync(fixture('insomnia-export.json')), 'export.json').reader.id).toBe('insomnia');
    expect(detectFormat(readFileSync(fixture('insomnia-export.yaml')), 'export.yaml').reader.id).toBe('insomnia');
  });

  it('survives hostile input', async () => {
    await expectRobust(insomniaReader, readFileSync(fixture('insomnia-export.json')), 8);
    await expectRobust(insomniaReader, readFileSync(fixture('insomnia-export.yaml')), 4);
  });
});

describe('APIClarity traces', () => {
  it('reads every real trace file', async () => {
    const files = readdirSync(TRACES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    const seen: string[] = [];
    for (const f of files) {
      const r = await readFile(apiclarityReader, join(TRACES, f));
      expect(r.error, f).toBeNull();
      expect(r.exchanges, f).toHaveLength(1);
      const [x] = r.exchanges;
      seen.push(`${x.method} ${x.host}${x.path}${x.query} ${x.status}`);
    }
    expect(seen).toContain('GET mypetstorev2/v2/pet/findByStatus?status=available 501');
    expect(seen).toContain('POST httpbin/anything 200');
  });

  it('survives hostile input', async () => {
    await expectRobust(apiclarityReader, readFileSync(join(TRACES, 'httpbin_post_anything.json')), 8);
  });
});
