/**
 * Exported OpenAPI 3.1 documents from real captures: valid for two validators, typed, with the
 * credentials and personal data of the traffic redacted, and a round trip (export, then diff the
 * same traffic against the export) that finds nothing undocumented.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT } from '../../../helpers/paths.ts';
import { tempDir } from '../../../helpers/tmp.ts';
import { makeWorkspace } from '../../../helpers/workspace.ts';
import { openWorkspace, type Db } from '../../../../src/core/store/db.ts';
import { registerQueryFunctions } from '../../../../src/core/query/index.ts';
import { importFile } from '../../../../src/core/ingest/import.ts';
import { buildOpenApi, nameParameters } from '../../../../src/core/inventory/openapi/build.ts';
import { loadSpec } from '../../../../src/core/inventory/openapi/load.ts';
import { diffTraffic } from '../../../../src/core/inventory/diff/diff.ts';
import { oas, openApiProblems } from './validate.ts';

const dir = tempDir();

async function workspaceOf(file: string): Promise<Db> {
  const db = openWorkspace(join(dir, `${Math.random().toString(36).slice(2)}.sqlite`), { create: true });
  registerQueryFunctions(db);
  await importFile(db, { path: file });
  return db;
}

/** Secrets and personal data present in the captures that must never reach an exported example. */
const LEAKS = [/eyJhbGciOi/, /sk_live_/, /4111111111111111/, /@example\.org/, /\$2b\$12\$/, /Bearer [A-Za-z0-9]/];

describe('the sample capture as OpenAPI 3.1', () => {
  let db: Db;
  beforeAll(async () => {
    db = await workspaceOf(join(ROOT, 'resources/sample/shop-api.har'));
  });

  it('is valid for swagger-parser and for ajv with the official 3.1 schema', async () => {
    const built = buildOpenApi(db, { now: Date.UTC(2026, 10, 23) });
    expect(await openApiProblems(built.document)).toEqual([]);
    expect(built.document.info).toMatchObject({ title: 'api.shop.example (reconstructed from traffic)', version: '2026-11-23' });
    expect(built.hosts).toEqual(['api.shop.example']);
  });

  it('names and types parameters, and infers schemas from bodies', () => {
    const d = oas(buildOpenApi(db).document);
    expect(Object.keys(d.paths)).toEqual(expect.arrayContaining(['/api/v1/users/{userId}', '/api/v1/orders/{orderId}', '/api/v1/users/{userId}/payment-methods', '/api/v1/products']));
    // Probes that only got 404 are not part of the API.
    expect(Object.keys(d.paths).some((p) => p.includes('.env') || p.includes('wp-admin'))).toBe(false);
    const getUser = d.paths['/api/v1/users/{userId}'].get;
    expect(getUser.parameters?.[0]).toMatchObject({ name: 'userId', in: 'path', required: true, schema: { type: 'integer' } });
    expect(getUser.security).toEqual([{ bearerAuth: [] }]);
    const products = d.paths['/api/v1/products'].get;
    expect(products.parameters?.find((p) => p.name === 'page')).toMatchObject({ in: 'query', schema: { type: 'integer' } });
    const item = products.responses['200'].content?.['application/json'].schema?.properties?.items.items;
    expect(item?.properties).toMatchObject({ id: { type: 'integer' }, name: { type: 'string' }, price: { type: 'number' } });
    const login = d.paths['/api/v1/auth/login'].post;
    expect(login.requestBody?.content['application/json'].schema).toMatchObject({ type: 'object', required: ['username', 'password'] });
    expect(Object.keys(login.responses)).toEqual(['200', '401']);
    expect(d.components?.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKey_query_api_key: { type: 'apiKey', in: 'query', name: 'api_key' },
    });
  });

  it('redacts tokens, API keys, e-mails, card numbers and password hashes in examples', () => {
    const text = JSON.stringify(buildOpenApi(db).document);
    for (const leak of LEAKS) expect(text).not.toMatch(leak);
    expect(text).toContain('<redacted');
    const d = oas(buildOpenApi(db).document);
    const login = d.paths['/api/v1/auth/login'].post;
    expect(login.requestBody?.content['application/json'].example).toEqual({ username: 'user@example.com', password: '<redacted>' });
    const cards = d.paths['/api/v1/users/{userId}/payment-methods'].get.responses['200'].content?.['application/json'].example as { cards: { number: string }[] };
    expect(cards.cards[0].number).toBe('<redacted:card-number>');
  });

  it('round-trips: the traffic diffed against its own export has nothing undocumented', async () => {
    const { spec } = await loadSpec(JSON.stringify(buildOpenApi(db).document), 'export.json');
    const r = diffTraffic(db, spec);
    expect(r.counts).toEqual({ shadow: 0, zombie: 1, orphan: 0, 'undocumented-param': 0, 'undocumented-field': 0, 'type-mismatch': 0 });
    // /api/v0 is in the traffic, hence in the export, and still superseded by /api/v1.
    expect(r.items[0]).toMatchObject({ class: 'zombie', path: '/api/v0/users/{userId}' });
  });

  it('keeps to one host when asked', () => {
    expect(buildOpenApi(db, { host: 'api.shop.example' }).operations).toBe(12);
    expect(buildOpenApi(db, { host: 'nowhere.example' }).operations).toBe(0);
  });
});

describe('awkward traffic', () => {
  it('stays valid with odd paths, clashing ids, non-JSON and broken bodies, and an empty workspace', async () => {
    const w = makeWorkspace([
      { path: '/users/1/orders/2', status: 200, respHeaders: [['Content-Type', 'application/json']], respBody: '{"id":2,"note":null}' },
      { path: '/users/3/orders/4', status: 200, respHeaders: [['Content-Type', 'application/json']], respBody: '{"id":4,"note":"x"}' },
      { path: '/files/{weird}/x%20y', status: 200, respHeaders: [['Content-Type', 'text/plain']], respBody: 'hello' },
      { method: 'POST', path: '/upload', status: 201, reqHeaders: [['Content-Type', 'application/json']], reqBody: '{"truncated": ', respBody: '' },
      { method: 'PROPFIND', path: '/dav', status: 207 },
      { path: '/ünïcode/€', status: 200 },
    ], dir);
    const built = buildOpenApi(w.db);
    expect(await openApiProblems(built.document)).toEqual([]);
    expect(Object.keys(built.document.paths)).toEqual(expect.arrayContaining(['/users/{userId}/orders/{orderId}', '/upload', '/ünïcode/€']));
    const note = oas(built.document).paths['/users/{userId}/orders/{orderId}'].get.responses['200'].content?.['application/json'].schema?.properties?.note;
    expect(note?.type).toEqual(['null', 'string']);
    const empty = makeWorkspace([], dir);
    const none = buildOpenApi(empty.db);
    expect(none.document.paths).toEqual({});
    expect(await openApiProblems(none.document)).toEqual([]);
  });

  it('names parameters from the segment before them, uniquely', () => {
    expect(nameParameters('/users/{id}/orders/{id}').path).toBe('/users/{userId}/orders/{orderId}');
    expect(nameParameters('/categories/{id}').path).toBe('/categories/{categoryId}');
    expect(nameParameters('/{id}/{id}').path).toBe('/{id}/{id2}');
    expect(nameParameters('/item-groups/{id}').path).toBe('/item-groups/{itemGroupId}');
  });

  it('the validators used here do reject an invalid document', async () => {
    const bad = { openapi: '3.1.0', info: { title: 't' }, paths: { '/a/{x}': { get: { parameters: [{ name: 'x', schema: { type: 'nope' } }], responses: {} } } } };
    expect((await openApiProblems(bad)).length).toBeGreaterThan(1);
  });
});
