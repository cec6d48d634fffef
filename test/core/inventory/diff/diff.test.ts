/**
 * The bundled sample capture (resources/sample/shop-api.har) judged against a published spec that
 * drifted from it in known ways (fixtures/shop-api.openapi.yaml), plus hand-built traffic for the
 * edges: Swagger 2.0, superseded versions, probes that were never served, preflights and assets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, shared } from '../../../helpers/paths.ts';
import { tempDir } from '../../../helpers/tmp.ts';
import { makeWorkspace } from '../../../helpers/workspace.ts';
import { openWorkspace, type Db } from '../../../../src/core/store/db.ts';
import { registerQueryFunctions } from '../../../../src/core/query/index.ts';
import { importFile } from '../../../../src/core/ingest/import.ts';
import { countTraffic } from '../../../../src/core/store/traffic.ts';
import { rememberedSpec } from '../../../../src/core/detect/store.ts';
import { loadSpec } from '../../../../src/core/inventory/openapi/load.ts';
import { diffTraffic } from '../../../../src/core/inventory/diff/diff.ts';
import { loadInventory } from '../../../../src/core/inventory/index.ts';
import { rememberedSpecInfo, rememberedSpecSource, rememberSpecSource } from '../../../../src/core/inventory/diff/remember.ts';
import type { DiffItem } from '../../../../src/shared/api-spec.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/shop-api.openapi.yaml');
const dir = tempDir();
let db: Db;

beforeAll(async () => {
  db = openWorkspace(join(dir, 'shop.sqlite'), { create: true });
  registerQueryFunctions(db);
  expect((await importFile(db, { path: join(ROOT, 'resources/sample/shop-api.har') })).imported).toBe(326);
});

const brief = (i: DiffItem): string => [i.class, i.method, i.path, i.location, i.name].filter(Boolean).join(' ');

describe('the sample capture against its drifted spec', () => {
  it('finds the shadow, zombie and orphan endpoints', async () => {
    const { spec } = await loadSpec(readFileSync(FIXTURE, 'utf8'), 'shop-api.openapi.yaml');
    const r = diffTraffic(db, spec);
    expect(r.exchanges).toBe(326);
    expect(r.spec).toMatchObject({ title: 'Shop API', version: '1.4.0', openapi: '3.0.3', operations: 9 });
    const of = (cls: string): string[] => r.items.filter((i) => i.class === cls).map(brief).sort();
    expect(of('shadow')).toEqual([
      'shadow GET /api/v1/admin/users',
      'shadow GET /api/v1/partners/feed',
      'shadow GET /api/v1/users/{userId}/payment-methods',
      'shadow POST /api/v1/users/{userId}/avatar',
    ]);
    // The deprecated order read, and the old /v0 user read superseded by the documented /v1 one.
    expect(of('zombie')).toEqual(['zombie GET /api/v0/users/{userId}', 'zombie GET /api/v1/orders/{orderId}']);
    expect(r.items.find((i) => i.path === '/api/v0/users/{userId}')?.reason).toMatch(/superseded by GET \/api\/v1\/users\/\{userId\} \(documented\)/);
    expect(r.items.find((i) => i.path === '/api/v1/orders/{orderId}')).toMatchObject({ count: 63, reason: expect.stringMatching(/deprecated/) });
    expect(of('orphan')).toEqual(['orphan DELETE /api/v1/users/{userId}', 'orphan GET /api/v1/categories']);
    // The scanner's probes (.env, wp-admin, …) all got 404: not served, so not shadow APIs.
    expect(r.notServed).toBe(8);
    expect(r.counts).toEqual({ shadow: 4, zombie: 2, orphan: 2, 'undocumented-param': 2, 'undocumented-field': 3, 'type-mismatch': 2 });
    // The inventory's endpoints carry the verdicts as badges.
    const flagged = loadInventory(db).endpoints.filter((e) => e.flags.length > 0).map((e) => `${e.flags.join(',')} ${e.method} ${e.path}`).sort();
    expect(flagged).toEqual([
      'shadow GET /api/v1/admin/users',
      'shadow GET /api/v1/partners/feed',
      'shadow GET /api/v1/users/{userId}/payment-methods',
      'shadow POST /api/v1/users/{userId}/avatar',
      'zombie GET /api/v0/users/{userId}',
      'zombie GET /api/v1/orders/{orderId}',
    ]);
  });

  it('finds undocumented parameters and fields and type mismatches, counting exchanges', async () => {
    const { spec } = await loadSpec(readFileSync(FIXTURE, 'utf8'), 'shop-api.openapi.yaml');
    const r = diffTraffic(db, spec);
    const find = (cls: string, name: string): DiffItem | undefined => r.items.find((i) => i.class === cls && i.name === name);
    expect(find('undocumented-param', 'limit')).toMatchObject({ method: 'GET', path: '/api/v1/products', specPath: '/products', location: 'query', count: 75 });
    // Mass assignment: fields the PATCH schema (additionalProperties: false) does not allow.
    expect(find('undocumented-field', 'role')).toMatchObject({ method: 'PATCH', location: 'request-body', count: 1 });
    expect(find('undocumented-field', 'isAdmin')).toMatchObject({ method: 'PATCH', location: 'request-body' });
    expect(find('undocumented-field', 'shippingAddress')).toMatchObject({ method: 'GET', location: 'response-body' });
    // A price documented in cents (integer) served as decimals; an array field counts each exchange once.
    expect(find('type-mismatch', 'items[].price')).toMatchObject({ expected: 'integer', observed: 'number', count: 75 });
    expect(find('type-mismatch', 'price')).toMatchObject({ path: '/api/v1/products/{productId}', count: 29 });
  });

  it('gives every item a filter that selects its traffic in the traffic view', async () => {
    const { spec } = await loadSpec(readFileSync(FIXTURE, 'utf8'), 'shop-api.openapi.yaml');
    const r = diffTraffic(db, spec);
    for (const i of r.items) {
      if (i.class === 'orphan') {
        expect(i.filter).toBeNull();
        continue;
      }
      const n = countTraffic(db, i.filter!);
      if (i.class === 'shadow' || i.class === 'zombie' || i.location === 'query') expect(n, `${brief(i)}: ${i.filter}`).toBe(i.count);
      else expect(n, `${brief(i)}: ${i.filter}`).toBeGreaterThanOrEqual(i.count);
      expect(i.requestIds.length).toBe(Math.min(20, i.count));
    }
  });

  it('judges one host only when asked', async () => {
    const { spec } = await loadSpec(readFileSync(FIXTURE, 'utf8'), 'shop-api.openapi.yaml');
    const r = diffTraffic(db, spec, { host: 'elsewhere.example' });
    expect(r.matched).toBe(0);
    expect(r.ignored).toBe(326);
    expect(r.counts.orphan).toBe(9);
  });

  it('remembers the spec for later diffs and for detection', async () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const loaded = await loadSpec(text, 'shop-api.openapi.yaml');
    rememberSpecSource(db, loaded, text, 1_700_000_000_000);
    expect(rememberedSpecInfo(db)).toEqual({ name: 'shop-api.openapi.yaml', loadedAt: 1_700_000_000_000, title: 'Shop API', version: '1.4.0', openapi: '3.0.3', operations: 9 });
    expect(rememberedSpecSource(db)?.text).toBe(text);
    // Detection's own memory (src/core/detect/store.ts) now holds the operations, deprecated flags included.
    const detect = rememberedSpec(db);
    expect(detect?.operations).toHaveLength(9);
    expect(detect?.operations.find((o) => o.pathTemplate === '/api/v1/orders/{orderId}')).toEqual({ method: 'GET', pathTemplate: '/api/v1/orders/{orderId}', deprecated: true });
  });
});

describe('edges', () => {
  const versioned = `
openapi: 3.1.0
info: { title: versions, version: '2' }
paths:
  /v1/items/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { '200': { description: ok } }
  /v2/items/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: [integer, 'null'] } }]
      responses: { '200': { description: ok } }
  /legacy:
    get:
      deprecated: true
      responses: { '200': { description: ok } }
`;

  it('calls a documented older version still served a zombie, and a deprecated one that answers 404 gone', async () => {
    const w = makeWorkspace([
      { path: '/v1/items/7', status: 200 },
      { path: '/v2/items/7', status: 200 },
      { path: '/v2/items/abc', status: 404 },
      { path: '/legacy', status: 404 },
      { method: 'OPTIONS', path: '/v3/anything', status: 204 },
      { path: '/static/app.js', status: 200 },
      { path: '/logo', status: 200, respHeaders: [['Content-Type', 'image/png']] },
    ], dir);
    const { spec } = await loadSpec(versioned, 'versions.yaml');
    const r = diffTraffic(w.db, spec);
    expect(r.items.filter((i) => i.class === 'zombie').map(brief)).toEqual(['zombie GET /v1/items/{id}']);
    expect(r.items.find((i) => i.class === 'zombie')?.reason).toMatch(/superseded by GET \/v2\/items\/\{id\}/);
    expect(r.items.filter((i) => i.class === 'type-mismatch').map((i) => [i.location, i.name, i.expected, i.observed])).toEqual([['path', 'id', 'integer|null', 'string']]);
    expect(r.ignored).toBe(3);
    expect(r.counts.shadow).toBe(0);
    w.db.close();
  });

  it('follows recursive schemas without looping, judging the levels it can name', async () => {
    const recursive = `
openapi: 3.1.0
info: { title: tree, version: '1' }
paths:
  /tree:
    post:
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Node' } } } }
      responses: { '200': { description: ok } }
components:
  schemas:
    Node:
      type: object
      additionalProperties: false
      properties:
        name: { type: string }
        children: { type: array, items: { $ref: '#/components/schemas/Node' } }
`;
    let body: Record<string, unknown> = { name: 'leaf', extra: 1 };
    for (let i = 0; i < 200; i++) body = { name: `n${i}`, children: [body] };
    const w = makeWorkspace([{ method: 'POST', path: '/tree', reqHeaders: [['Content-Type', 'application/json']], reqBody: JSON.stringify({ ...body, stray: true }), status: 200 }], dir);
    const { spec } = await loadSpec(recursive, 'tree.yaml');
    const r = diffTraffic(w.db, spec);
    expect(r.items.filter((i) => i.class === 'undocumented-field').map((i) => i.name)).toEqual(['stray']);
    w.db.close();
  });

  it('reads Swagger 2.0: basePath, body and formData parameters, inline parameter types', async () => {
    const { spec } = await loadSpec(readFileSync(shared('openapi/openclarity__apiclarity/petstorev2.json'), 'utf8'), 'petstorev2.json');
    expect(spec.openapi).toBe('2.0');
    const addPet = spec.operations.find((o) => o.method === 'POST' && o.specPath === '/pet');
    expect(addPet?.pathTemplate).toBe('/v2/pet');
    expect(Object.keys(addPet?.requestBody?.properties ?? {})).toEqual(expect.arrayContaining(['name', 'photoUrls', 'status']));
    const w = makeWorkspace([
      { method: 'POST', path: '/v2/pet', reqHeaders: [['Content-Type', 'application/json']], reqBody: '{"name":"rex","photoUrls":"not-an-array","owner":"me"}', status: 200 },
      { path: '/v2/pet/findByStatus', query: '?status=available&debug=1', status: 200 },
      { path: '/v2/pet/12', status: 200, respHeaders: [['Content-Type', 'application/json']], respBody: '{"id":12,"name":"rex","photoUrls":[],"status":"sold"}' },
      { method: 'POST', path: '/v2/pet/12', reqHeaders: [['Content-Type', 'application/x-www-form-urlencoded']], reqBody: 'name=rex&colour=red', status: 200 },
    ], dir);
    const r = diffTraffic(w.db, spec);
    const got = r.items.filter((i) => i.class !== 'orphan').map((i) => `${brief(i)}${i.observed ? ` ${i.expected}<-${i.observed}` : ''}`).sort();
    expect(got).toEqual([
      'type-mismatch POST /v2/pet request-body photoUrls array<-string',
      'undocumented-field POST /v2/pet request-body owner',
      'undocumented-field POST /v2/pet/{petId} request-body colour',
      'undocumented-param GET /v2/pet/findByStatus query debug',
    ]);
    w.db.close();
  });
});
