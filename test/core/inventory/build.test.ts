import { describe, expect, it } from 'vitest';
import { generateTraffic, SHOP_SPEC } from '../detect/generator.ts';
import { accuracy, emptyWorkspace, harExchanges, importExchanges, OKTA_HAR, OKTA_SPEC, specTruth, truthMatcher } from './fixture.ts';
import { buildInventory, decide, inventoryTemplateOf, loadInventory, setEndpointFlags, siteMap, undecide } from '../../../src/core/inventory/index.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { emptyExchange, type Exchange } from '../../../src/core/model/exchange.ts';
import type { Endpoint } from '../../../src/core/inventory/types.ts';

const traffic = generateTraffic({ seed: 11, users: 15, durationMs: 1_800_000, incidents: true });
const truth = truthMatcher(SHOP_SPEC.operations.map((o) => ({ method: o.method, template: o.pathTemplate })));

const find = (eps: Endpoint[], method: string, path: string) => eps.find((e) => e.method === method && e.path === path && e.host === 'api.shop.example');
const digest = (eps: Endpoint[]) => JSON.stringify(eps.map((e) => [e.host, e.method, e.path, e.count, e.statuses, e.principals, e.ips, e.firstSeen, e.lastSeen, e.auth, e.params]));

function exchange(over: Partial<Exchange>): Exchange {
  return { ...emptyExchange(), host: 'h.example', scheme: 'https', time: 1_700_000_000_000, status: 200, ...over };
}

describe('inventory build', () => {
  it('reconstructs the shop API with stats, auth, params, schemas and sensitive data', () => {
    const { db } = emptyWorkspace(tempDir('cartograph-inv-'));
    importExchanges(db, 'shop.har', traffic.exchanges);
    const inv = buildInventory(db);
    expect(inv.mode).toBe('full');
    const templateOf = inventoryTemplateOf(db);
    const shop = traffic.exchanges.filter((e) => e.host === 'api.shop.example');
    const acc = accuracy(shop.map((e) => ({ method: e.method, path: e.path, truth: truth(e.method, e.path) })), (m, p) => templateOf({ host: 'api.shop.example', method: m, path: p }));
    expect(acc.recall).toBeGreaterThanOrEqual(0.95);
    expect(acc.precision).toBeGreaterThanOrEqual(0.9);

    const orders = find(inv.endpoints, 'GET', '/api/v2/orders/{orderId}');
    expect(orders).toBeDefined();
    const o = orders as Endpoint;
    expect(o.count).toBe(traffic.exchanges.filter((e) => e.method === 'GET' && /^\/api\/v2\/orders\/\d+$/.test(e.path)).length);
    expect(o.params[0]).toMatchObject({ in: 'path', name: 'orderId', type: 'integer', required: true });
    expect(o.auth).toContain('jwt');
    expect(o.authDetail.find((a) => a.scheme === 'jwt')?.alg).toBe('HS256');
    expect(o.principals).toBeGreaterThan(1);
    expect(o.latency && o.latency.p95 >= o.latency.p50).toBe(true);
    expect(Date.parse(o.firstSeen)).toBeLessThanOrEqual(Date.parse(o.lastSeen));
    expect(Object.values(o.statuses).reduce((a, b) => a + b, 0)).toBe(o.count);
    expect(o.samples.length).toBeGreaterThan(0);

    const me = find(inv.endpoints, 'GET', '/api/v2/users/me') as Endpoint;
    expect(me.sensitive).toEqual(expect.arrayContaining(['email', 'phone']));
    expect(me.responseSchemas['200']?.type).toBe('object');
    expect(me.responseSchemas['200']?.required?.length).toBeGreaterThan(0);
    expect(find(inv.endpoints, 'GET', '/api/v2/users/{userId}/cards')?.sensitive).toContain('card-number');
    expect(find(inv.endpoints, 'POST', '/api/v1/login')?.auth).toContain('none');
    const login = find(inv.endpoints, 'POST', '/api/v1/login') as Endpoint;
    expect(login.requestSchema?.type).toBe('object');
    expect(find(inv.endpoints, 'GET', '/api/v1/products')?.params.some((p) => p.in === 'query')).toBe(true);

    const map = siteMap(inv.endpoints);
    const shopHost = map.find((h) => h.host === 'api.shop.example');
    expect(shopHost?.count).toBe(inv.endpoints.filter((e) => e.host === 'api.shop.example').reduce((a, e) => a + e.count, 0));
    expect(shopHost?.root.children.find((c) => c.segment === 'api')?.badges.sensitive).toBe(true);
    db.close();
  });

  it('refines incrementally to the same result as a full rebuild, and caches when nothing changed', () => {
    const { db } = emptyWorkspace(tempDir('cartograph-inv-'));
    const half = Math.floor(traffic.exchanges.length / 3);
    importExchanges(db, 'a.har', traffic.exchanges.slice(0, half));
    expect(loadInventory(db).mode).toBe('full');
    expect(loadInventory(db).mode).toBe('cached');
    importExchanges(db, 'b.har', traffic.exchanges.slice(half));
    const inc = loadInventory(db);
    expect(inc.mode).toBe('incremental');
    const full = buildInventory(db);
    expect(digest(inc.endpoints)).toBe(digest(full.endpoints));
    db.close();
  });

  it('keeps analyst decisions across later imports and lets them be undone', () => {
    const { db } = emptyWorkspace(tempDir('cartograph-inv-'));
    importExchanges(db, 'a.har', traffic.exchanges.slice(0, 1500));
    buildInventory(db);
    const split = decide(db, { host: 'api.shop.example', method: 'GET', prefix: '/api/v2/orders', kind: 'split' });
    const rename = decide(db, { host: 'api.shop.example', method: 'GET', prefix: '/api/v1/products', kind: 'rename', name: 'sku' });
    let inv = loadInventory(db);
    expect(find(inv.endpoints, 'GET', '/api/v2/orders/{orderId}')).toBeUndefined();
    expect(find(inv.endpoints, 'GET', '/api/v1/products/{sku}')).toBeDefined();
    expect(find(inv.endpoints, 'GET', '/api/v1/products/{sku}')?.flags).toContain('renamed');
    importExchanges(db, 'b.har', traffic.exchanges.slice(1500));
    inv = loadInventory(db);
    expect(inv.mode).toBe('incremental');
    expect(find(inv.endpoints, 'GET', '/api/v1/products/{sku}')).toBeDefined();
    expect(find(inv.endpoints, 'GET', '/api/v2/orders/{orderId}')).toBeUndefined();
    expect(buildInventory(db).endpoints.some((e) => e.path === '/api/v1/products/{sku}')).toBe(true);
    expect(undecide(db, split.id)).toBe(true);
    expect(undecide(db, rename.id)).toBe(true);
    inv = loadInventory(db);
    expect(find(inv.endpoints, 'GET', '/api/v2/orders/{orderId}')).toBeDefined();
    expect(digest(inv.endpoints)).toBe(digest(buildInventory(db).endpoints));
    db.close();
  });

  it('shows flags other stages set (shadow, zombie) and matches them whatever the parameter names', () => {
    const { db } = emptyWorkspace(tempDir('cartograph-inv-'));
    importExchanges(db, 'a.har', traffic.exchanges.slice(0, 800));
    setEndpointFlags(db, 'spec-diff', [{ host: 'api.shop.example', method: 'GET', path: '/api/v1/products/{id}', flag: 'shadow' }]);
    const inv = loadInventory(db);
    expect(find(inv.endpoints, 'GET', '/api/v1/products/{productId}')?.flags).toEqual(['shadow']);
    expect(siteMap(inv.endpoints, 'shadow')[0].root.badges.shadow).toBe(true);
    db.close();
  });

  it('takes hostile input in its stride: broken JSON, huge and deep bodies, binary, no response', () => {
    const { db } = emptyWorkspace(tempDir('cartograph-inv-'));
    const enc = new TextEncoder();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
    importExchanges(db, 'bad.har', [
      exchange({ path: '/a/1', responseHeaders: [['content-type', 'application/json']], responseBody: enc.encode('{"truncated": ') }),
      exchange({ path: '/a/2', responseHeaders: [['content-type', 'application/json']], responseBody: enc.encode(deep) }),
      exchange({ path: '/a/3', responseHeaders: [['content-type', 'application/json']], responseBody: enc.encode(wide) }),
      exchange({ path: '/a/4', responseHeaders: [['content-type', 'application/json']], responseBody: new Uint8Array([0xff, 0xfe, 0x00, 0x7b]) }),
      exchange({ path: '/a/5', status: null, durationMs: -5, query: '?%zz=%E0&x' }),
      exchange({ path: `/${'x/'.repeat(300)}`, requestHeaders: [['authorization', 'Bearer eyJ!!!.e30.x'], ['cookie', '=;;session']] }),
    ]);
    const inv = buildInventory(db);
    const a = inv.endpoints.find((e) => e.path === '/a/{aId}') as Endpoint;
    expect(a.count).toBe(5);
    expect(a.statuses.none).toBe(1);
    expect(a.responseSchemas['200'].properties?.k0?.type).toBe('integer');
    expect(a.responseSchemas['200']['x-truncated']).toBe(true);
    expect(inv.endpoints.reduce((n, e) => n + e.count, 0)).toBe(6);
    db.close();
  });
});

describe('accuracy on a real recording', () => {
  it('infers Okta management API templates from its recorded traffic (truth: Okta\'s published spec)', () => {
    const okta = harExchanges(OKTA_HAR);
    const { db } = emptyWorkspace(tempDir('cartograph-inv-'));
    importExchanges(db, 'okta.har', okta);
    buildInventory(db);
    const templateOf = inventoryTemplateOf(db);
    const truthOf = specTruth(OKTA_SPEC);
    const acc = accuracy(okta.map((e) => ({ method: e.method, path: e.path, truth: truthOf(e.method, e.path) })), (m, p) => templateOf({ host: okta[0].host, method: m, path: p }));
    expect(acc.truth).toBeGreaterThanOrEqual(10);
    expect(acc.precision).toBeGreaterThanOrEqual(0.9);
    expect(acc.recall).toBeGreaterThanOrEqual(0.9);
    expect(templateOf({ host: okta[0].host, method: 'GET', path: '/api/v1/users/00uNEVERSEEN1234abcd/roles' })).toBe('/api/v1/users/{userId}/roles');
    db.close();
  });
});
