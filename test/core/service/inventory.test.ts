/**
 * The inventory slice of the Api through the service's handlers, on the bundled sample workspace:
 * list, site map with traffic filters, one endpoint with samples, decisions and their errors.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, validateInput } from '../../../src/shared/api.ts';
import { useService } from '../../helpers/service.ts';

const { call, changed } = useService();



describe('inventory slice', () => {
  it('lists the inventory, builds the site map and opens an endpoint with its samples', async () => {
    const inv = await call('inventory.list', {});
    expect(inv.endpoints.length).toBeGreaterThan(3);
    expect(changed.flat()).toContain('inventory_endpoints');
    expect((await call('inventory.list', {})).mode).toBe('cached');
    const templated = inv.endpoints.find((e) => e.path.includes('{')) ?? inv.endpoints[0];
    const detail = await call('inventory.endpoint', { id: templated.id });
    expect(detail.endpoint.path).toBe(templated.path);
    expect(detail.paths.length).toBeGreaterThan(0);
    expect(detail.samples.length).toBeGreaterThan(0);
    expect(detail.samples.every((s) => s.host === templated.host && s.method === templated.method)).toBe(true);
    // The filter it hands the traffic view selects exactly the endpoint's exchanges.
    const page = await call('traffic.page', { filter: detail.filter, offset: 0, limit: 1000 });
    expect(page.total).toBe(templated.count);

    const map = await call('inventory.sitemap', {});
    expect(map[0].root.count).toBe(inv.endpoints.filter((e) => e.host === map[0].host).reduce((n, e) => n + e.count, 0));
    const first = map[0].root.children[0];
    const sub = await call('traffic.page', { filter: first.filter, offset: 0, limit: 1 });
    expect(sub.total).toBe(first.count);
    expect(await call('inventory.sitemap', { search: 'no-such-thing-anywhere' })).toEqual([]);
    expect((await call('inventory.catalogue', {})).map((c) => c.id)).toContain('card-number');
  });

  it('records, applies and removes decisions; refuses bad ones', async () => {
    const inv = await call('inventory.list', {});
    const templated = inv.endpoints.find((e) => /\{[^}]+\}$/.test(e.path));
    expect(templated).toBeDefined();
    const t = templated as (typeof inv.endpoints)[number];
    const prefix = t.path.slice(0, t.path.lastIndexOf('/'));
    const { decision } = await call('inventory.decide', { host: t.host, method: t.method, prefix, kind: 'rename', name: 'thing' });
    const renamed = await call('inventory.list', {});
    expect(renamed.endpoints.some((e) => e.path === `${prefix}/{thing}`)).toBe(true);
    expect((await call('inventory.decisions', {})).map((d) => d.id)).toContain(decision.id);
    expect((await call('inventory.undecide', { id: decision.id })).removed).toBe(true);
    expect((await call('inventory.list', {})).endpoints.some((e) => e.path === t.path)).toBe(true);
    await expect(call('inventory.decide', { host: t.host, method: 'GET', prefix: '/x', kind: 'rename' })).rejects.toThrow(/rename needs/);
    expect(() => validateInput('inventory.decide', { host: 'h', method: 'GET', prefix: 'no-slash', kind: 'merge' })).toThrow(ApiError);
    await expect(call('inventory.endpoint', { id: 'abcdef0123' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
