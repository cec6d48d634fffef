import { describe, expect, it } from 'vitest';
import { aggregateView, groupKey, searchNodes, GROUP_THRESHOLD } from '../../../src/core/graph/aggregate.ts';
import type { GraphModel } from '../../../src/core/graph/builder.ts';
import { endpointFilter, quote, templateRegex } from '../../../src/core/graph/filters.ts';
import { compileFilter } from '../../../src/core/query/index.ts';
import type { GraphEdge, GraphNode } from '../../../src/shared/api-graph.ts';

const node = (id: string, p: Partial<GraphNode>): GraphNode => ({ id, kind: 'endpoint', label: id, count: 1, host: null, method: null, path: null, firstSeen: 1, lastSeen: 2, findings: 0, maxSeverity: null, sensitive: [], ...p });
const ep = (host: string, method: string, path: string, count = 1, extra: Partial<GraphNode> = {}) => node(`endpoint:${method} ${host}${path}`, { label: `${method} ${path}`, host, method, path, count, ...extra });
const edge = (kind: GraphEdge['kind'], source: string, target: string, count: number): GraphEdge => ({ id: `${kind}:${source}->${target}`, source, target, kind, count, firstSeen: 10, lastSeen: 20, via: [] });

/** One small host and one with many endpoints under a few prefixes, plus a service. */
function model(): GraphModel {
  const nodes: GraphNode[] = [node('host:small.test', { kind: 'host', label: 'small.test', host: 'small.test', count: 30 }), node('host:big.test', { kind: 'host', label: 'big.test', host: 'big.test', count: 900 })];
  nodes.push(ep('small.test', 'POST', '/login', 10), ep('small.test', 'GET', '/me', 20, { findings: 2, maxSeverity: 'high', sensitive: ['email'] }));
  for (const area of ['users', 'orders', 'items']) for (let i = 0; i < 20; i++) nodes.push(ep('big.test', 'GET', `/api/${area}/r${i}`, 10 + i));
  nodes.push(node('service:orders:9000', { kind: 'service', label: 'orders:9000', count: 5 }));
  const edges = [
    edge('auth', 'endpoint:POST small.test/login', 'endpoint:GET small.test/me', 9),
    edge('sequence', 'endpoint:GET small.test/me', 'endpoint:GET big.test/api/users/r1', 4),
    edge('data-flow', 'endpoint:GET big.test/api/users/r1', 'endpoint:GET big.test/api/orders/r2', 3),
    edge('data-flow', 'endpoint:GET big.test/api/users/r3', 'endpoint:GET big.test/api/orders/r4', 2),
    edge('sequence', 'endpoint:GET big.test/api/items/r1', 'endpoint:GET big.test/api/items/r2', 1),
    edge('calls', 'host:big.test', 'service:orders:9000', 5),
  ];
  return { nodes, edges, actors: [], droppedEdges: 0, exchanges: 930, timeRange: { from: 1, to: 2 } };
}

describe('aggregateView', () => {
  it('draws small hosts endpoint by endpoint and groups big hosts by path prefix, merging edges', () => {
    const v = aggregateView(model());
    const ids = v.nodes.map((n) => n.id);
    expect(60).toBeGreaterThan(GROUP_THRESHOLD);
    expect(ids).toEqual(expect.arrayContaining(['host:small.test', 'endpoint:POST small.test/login', 'endpoint:GET small.test/me', groupKey('big.test', '/api/users'), groupKey('big.test', '/api/orders'), 'service:orders:9000']));
    const users = v.nodes.find((n) => n.id === groupKey('big.test', '/api/users'))!;
    expect(users).toMatchObject({ members: 20, parent: 'host:big.test', expandKey: groupKey('big.test', '/api/users'), count: 20 * 10 + 190 });
    // Two data-flow edges between the same groups become one with the summed count.
    expect(v.edges.find((e) => e.kind === 'data-flow')).toMatchObject({ source: groupKey('big.test', '/api/users'), target: groupKey('big.test', '/api/orders'), count: 5 });
    // Inside one group an edge is a self-loop and is not drawn.
    expect(v.edges.some((e) => e.source === e.target)).toBe(false);
    expect(v.nodes.find((n) => n.id === 'endpoint:GET small.test/me')).toMatchObject({ findings: 2, maxSeverity: 'high', sensitive: ['email'], parent: 'host:small.test' });
    expect(v.capped).toBe(false);
  });

  it('expands a group the analyst opened', () => {
    const v = aggregateView(model(), { expanded: [groupKey('big.test', '/api/users')] });
    expect(v.nodes.filter((n) => n.path?.startsWith('/api/users/'))).toHaveLength(20);
    expect(v.edges.find((e) => e.kind === 'data-flow' && e.source === 'endpoint:GET big.test/api/users/r1')?.target).toBe(groupKey('big.test', '/api/orders'));
  });

  it('filters by edge kind, host and minimum count', () => {
    expect(aggregateView(model(), { kinds: ['auth'] }).edges.map((e) => e.kind)).toEqual(['auth']);
    const small = aggregateView(model(), { hosts: ['small.test'] });
    expect(small.nodes.every((n) => n.host === 'small.test')).toBe(true);
    expect(small.nodes.some((n) => n.kind === 'service')).toBe(false);
    const busy = aggregateView(model(), { minCount: 5 });
    expect(busy.edges.map((e) => e.count).every((c) => c >= 5)).toBe(true);
    expect(busy.nodes.some((n) => n.id === 'endpoint:POST small.test/login')).toBe(true);
  });

  it('narrows to a node’s neighbourhood', () => {
    const v = aggregateView(model(), { focus: 'endpoint:GET small.test/me', depth: 1 });
    expect(v.nodes.map((n) => n.id).sort()).toEqual(['endpoint:GET big.test/api/users/r1', 'endpoint:GET small.test/me', 'endpoint:POST small.test/login', 'host:big.test', 'host:small.test']);
  });

  it('collapses the quietest hosts, then caps nodes and edges to fit', () => {
    const collapsed = aggregateView(model(), { maxNodes: 6 });
    expect(collapsed.nodes.find((n) => n.id === 'host:small.test')).toMatchObject({ expandKey: 'host:small.test', members: 2, count: 30 });
    expect(collapsed.edges.find((e) => e.kind === 'auth')).toBeUndefined();
    expect(collapsed.edges.find((e) => e.kind === 'sequence' && e.source === 'host:small.test')?.count).toBe(4);
    const capped = aggregateView(model(), { maxNodes: 10, expanded: ['host:big.test', groupKey('big.test', '/api/users'), groupKey('big.test', '/api/orders'), groupKey('big.test', '/api/items')] });
    expect(capped.capped).toBe(true);
    expect(capped.nodes.filter((n) => n.kind !== 'host').length).toBeLessThanOrEqual(10);
    // The busiest endpoints are the ones kept.
    expect(capped.nodes.find((n) => n.id === 'endpoint:GET big.test/api/users/r19')).toBeDefined();
    const fewEdges = aggregateView(model(), { maxEdges: 1 });
    expect(fewEdges.capped).toBe(true);
    expect(fewEdges.edges.map((e) => e.kind)).toEqual(['auth']);
  });

  it('gives every drawn node and edge a filter the query language accepts', () => {
    const v = aggregateView(model());
    for (const x of [...v.nodes, ...v.edges]) expect(() => compileFilter(x.filter)).not.toThrow();
    expect(v.nodes.find((n) => n.id === 'service:orders:9000')?.filter).toBe('host = "big.test"');
  });

  it('finds nodes by name with the aggregate holding them', () => {
    const m = model();
    const v = aggregateView(m);
    const hits = searchNodes(m, v, 'orders/r1');
    expect(hits.map((h) => h.id)).toContain('endpoint:GET big.test/api/orders/r1');
    expect(hits.find((h) => h.id === 'endpoint:GET big.test/api/orders/r1')?.expandKey).toBe(groupKey('big.test', '/api/orders'));
  });
});

describe('graph filters', () => {
  it('turns templates into anchored regexes and quotes safely', () => {
    expect(templateRegex('/api/v1.0/users/{id}')).toBe('^/api/v1\\.0/users/[^/]+$');
    expect(new RegExp(templateRegex('/a/{id}/b')).test('/a/42/b')).toBe(true);
    expect(new RegExp(templateRegex('/a/{id}/b')).test('/a/42/b/c')).toBe(false);
    expect(quote('say "hi"\\\n')).toBe('"say \\"hi\\"\\\\\\u000a"');
    expect(endpointFilter('h.test:8443', 'GET', '/x/{id}')).toBe('host = "h.test" and port = 8443 and method = "GET" and path ~ "^/x/[^/]+$"');
    expect(() => compileFilter(endpointFilter('h.test', 'GET', '/a (b)/{id}/c.d$'))).not.toThrow();
  });
});
