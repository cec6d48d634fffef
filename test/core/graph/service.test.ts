/**
 * The graph slice through the service host, as the graph view uses it: on the bundled sample
 * workspace after a detection run, the view marks endpoints with findings, validates its input,
 * reports bad filters, searches, and lists an actor's session.
 */
import { describe, expect, it } from 'vitest';
import { useServiceHost } from '../../helpers/service.ts';

const call = useServiceHost({ detect: true });

describe('graph slice on the sample workspace', () => {
  it('draws the shop with its findings highlighted', async () => {
    const v = await call('graph.view', {});
    expect(v.total.exchanges).toBe(326);
    expect(v.hosts).toEqual(['api.shop.example']);
    const order = v.nodes.find((n) => n.id === 'endpoint:GET api.shop.example/api/v1/orders/{id}');
    expect(order?.findings).toBeGreaterThan(0);
    expect(order?.maxSeverity).not.toBeNull();
    expect(order?.filter).toBe('host = "api.shop.example" and method = "GET" and path ~ "^/api/v1/orders/[^/]+$"');
    const traffic = await call('traffic.count', { filter: order!.filter });
    expect(traffic).toBe(order!.count);
    for (const e of v.edges.slice(0, 5)) expect(await call('traffic.count', { filter: e.filter })).toBeGreaterThan(0);
    expect(v.actors[0].count).toBeGreaterThan(1);
    expect(v.seconds).toBeGreaterThanOrEqual(0);
  });

  it('searches the whole graph and focuses one node', async () => {
    const hit = await call('graph.view', { search: 'payment' });
    expect(hit.matches.map((m) => m.id)).toEqual(['endpoint:GET api.shop.example/api/v1/users/{id}/payment-methods']);
    const focused = await call('graph.view', { focus: hit.matches[0].id, depth: 1 });
    expect(focused.nodes.length).toBeLessThan(hit.nodes.length);
    expect(focused.nodes.some((n) => n.id === hit.matches[0].id)).toBe(true);
  });

  it('validates its input and reports filter errors with a column', async () => {
    await expect(call('graph.view', { kinds: ['telepathy'] })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(call('graph.view', { maxNodes: 1_000_000 })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(call('graph.session', {})).rejects.toMatchObject({ code: 'bad-input' });
    await expect(call('graph.view', { filter: 'status >' })).rejects.toMatchObject({ code: 'filter' });
  });

  it('lists an actor’s path', async () => {
    const s = await call('graph.session', { principal: 'user-1001', limit: 3 });
    expect(s.steps).toHaveLength(3);
    expect(s.total).toBeGreaterThan(3);
    expect(s.actor.principal).toBe('user-1001');
  });
});
