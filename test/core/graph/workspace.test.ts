/**
 * The graph of a real capture: the bundled sample workspace's shop-api.har (logins issuing JWTs,
 * orders whose ids are fetched next, a scanner's probes) imported into a temp workspace.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { openWorkspace, type Db } from '../../../src/core/store/db.ts';
import { importFile } from '../../../src/core/ingest/import.ts';
import { saveFindings, startRun } from '../../../src/core/detect/store.ts';
import { actorSession, aggregateView, buildWorkspaceGraph, GraphCache, queryFilter } from '../../../src/core/graph/index.ts';
import { ApiError } from '../../../src/shared/api.ts';

const dir = tempDir();
let db: Db;
const LOGIN = 'endpoint:POST api.shop.example/api/v1/auth/login';
const ORDERS = 'endpoint:POST api.shop.example/api/v1/orders';
const ORDER = 'endpoint:GET api.shop.example/api/v1/orders/{id}';

beforeAll(async () => {
  db = openWorkspace(join(dir, 'w.sqlite'), { create: true });
  const r = await importFile(db, { path: join(ROOT, 'resources/sample/shop-api.har') });
  expect(r.imported).toBe(326);
});

describe('the graph of the sample capture', () => {
  it('links the login to every endpoint its tokens open, and new orders to the order reads', () => {
    const g = buildWorkspaceGraph(db, {});
    expect(g.exchanges).toBe(326);
    expect(g.nodes.find((n) => n.id === LOGIN)).toMatchObject({ kind: 'endpoint', count: 90 });
    const auth = g.edges.filter((e) => e.kind === 'auth');
    expect(auth.length).toBeGreaterThanOrEqual(4);
    expect(auth.every((e) => e.source === LOGIN && e.via.includes('token'))).toBe(true);
    expect(g.edges.find((e) => e.kind === 'data-flow' && e.source === ORDERS && e.target === ORDER)).toMatchObject({ via: ['id'] });
    expect(g.edges.find((e) => e.kind === 'sequence' && e.source === ORDERS && e.target === ORDER)?.count).toBeGreaterThan(10);
    expect(g.nodes.find((n) => n.id === 'endpoint:GET api.shop.example/api/v1/users/{id}')?.sensitive).toContain('email');
  });

  it('narrows by filter, time and principal', () => {
    const all = buildWorkspaceGraph(db, {});
    const posts = buildWorkspaceGraph(db, { filter: 'method = POST' });
    expect(posts.nodes.filter((n) => n.kind === 'endpoint').every((n) => n.method === 'POST')).toBe(true);
    const { from, to } = all.timeRange!;
    const early = buildWorkspaceGraph(db, { from, to: from + (to - from) / 4 });
    expect(early.exchanges).toBeGreaterThan(0);
    expect(early.exchanges).toBeLessThan(all.exchanges);
    const one = buildWorkspaceGraph(db, { principal: 'user-1001' });
    expect(one.actors.map((a) => a.key)).toEqual(['user-1001']);
    expect(queryFilter({ filter: 'a', principal: 'x"y' })).toBe('(a) and principal = "x\\"y"');
  });

  it('reports a bad filter as the Api’s filter error', () => {
    let err: unknown;
    try {
      buildWorkspaceGraph(db, { filter: 'stauts = 200' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('filter');
  });

  it('highlights endpoints and hosts with open findings, not dismissed ones', () => {
    const runId = startRun(db, 'test', 1);
    const base = { rule: 'bola.object-walk', category: 'bola' as const, owasp: 'API1:2023', confidence: 0.9, title: 't', actor: { ip: null, principal: 'user-1001' }, requestIds: [], requestCount: 1, firstSeen: new Date().toISOString(), lastSeen: new Date().toISOString(), evidence: 'e' };
    saveFindings(db, runId, [
      { ...base, id: 'aaaaaaaa01', severity: 'high', endpoint: { host: 'api.shop.example', method: 'GET', path: '/api/v1/orders/{id}' } },
      { ...base, id: 'aaaaaaaa02', severity: 'medium', endpoint: { host: 'api.shop.example', method: 'GET', path: '/api/v1/orders/{id}' } },
      { ...base, id: 'aaaaaaaa03', severity: 'critical', endpoint: { host: 'api.shop.example', method: 'GET', path: '/api/v1/users/{id}' } },
    ]);
    db.prepare(`INSERT INTO finding_triage (finding_id, status, updated_at) VALUES ('aaaaaaaa03', 'false-positive', 1)`).run();
    const cache = new GraphCache();
    const g = cache.get(db, {}, {});
    expect(g.nodes.find((n) => n.id === ORDER)).toMatchObject({ findings: 2, maxSeverity: 'high' });
    expect(g.nodes.find((n) => n.id === 'endpoint:GET api.shop.example/api/v1/users/{id}')).toMatchObject({ findings: 0, maxSeverity: null });
    expect(g.nodes.find((n) => n.id === 'host:api.shop.example')).toMatchObject({ findings: 2, maxSeverity: 'high' });
    // The traffic graph is built once (its edges are shared); the findings on it follow every
    // triage decision, even two made within the same millisecond.
    const hostSeverity = () => {
      const again = cache.get(db, {}, {});
      expect(again.edges).toBe(g.edges);
      return again.nodes.find((n) => n.id === 'host:api.shop.example')?.maxSeverity;
    };
    db.prepare(`UPDATE finding_triage SET status = 'open' WHERE finding_id = 'aaaaaaaa03'`).run();
    expect(hostSeverity()).toBe('critical');
    db.prepare(`UPDATE finding_triage SET status = 'suppressed' WHERE finding_id = 'aaaaaaaa03'`).run();
    expect(hostSeverity()).toBe('high');
    expect(g.nodes.find((n) => n.id === 'host:api.shop.example')).toMatchObject({ findings: 2, maxSeverity: 'high' });
    const v = aggregateView(g, {});
    expect(v.nodes.find((n) => n.id === ORDER)?.findings).toBe(2);
  });

  it('follows one actor through the API, step by step', () => {
    const s = actorSession(db, { principal: 'user-1002', limit: 5 });
    expect(s.total).toBeGreaterThan(5);
    expect(s.steps).toHaveLength(5);
    expect(s.steps[0]).toMatchObject({ gapMs: null, newSession: true });
    expect(s.steps.every((x, i) => i === 0 || x.time >= s.steps[i - 1].time)).toBe(true);
    expect(s.steps.map((x) => x.node)).toContain('endpoint:GET api.shop.example/api/v1/products');
    expect(s.sessions).toBeGreaterThanOrEqual(1);
    expect(actorSession(db, { principal: 'nobody', limit: 5 })).toMatchObject({ total: 0, steps: [], sessions: 0 });
  });
});
