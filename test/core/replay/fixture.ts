/**
 * A workspace whose captured traffic points at the live local target (target.ts): alice, bob and
 * root logged in for real, their requests stored as exchanges with principals, a BOLA finding over
 * alice's order, and a captured login → csrf → profile session whose tokens have since expired.
 */
import { createHash } from 'node:crypto';
import { undiciSender } from '../../../src/core/replay/sender.ts';
import { DEFAULT_SCOPE } from '../../../src/core/replay/scope.ts';
import { makeWorkspace, type TestWorkspace } from '../../helpers/workspace.ts';
import type { Target } from './target.ts';

export interface ReplayWorkspace extends TestWorkspace {
  /** Exchange ids by name. */
  x: { aliceOrder: number; bobOrder: number; rootAdmin: number; offScope: number; login: number; csrf: number; profile: number };
  bolaFinding: string;
}

export async function login(target: Target, user: string): Promise<string> {
  const r = await undiciSender.send({ method: 'POST', url: `${target.url}/api/login`, headers: [['content-type', 'application/json']], body: new TextEncoder().encode(JSON.stringify({ username: user })) }, { scope: DEFAULT_SCOPE });
  return (JSON.parse(new TextDecoder().decode(r.body)) as { token: string }).token;
}

export async function replayWorkspace(target: Target): Promise<ReplayWorkspace> {
  const port = Number(new URL(target.url).port);
  const [alice, bob, root] = [await login(target, 'alice'), await login(target, 'bob'), await login(target, 'root')];
  const at = { scheme: 'http' as const, host: '127.0.0.1', port };
  const json = [['content-type', 'application/json']] as [string, string][];
  const stale = 'deadbeefdeadbeefdeadbeef';
  const ws = makeWorkspace([
    { ...at, path: '/api/orders/7001', principal: 'alice', principalKind: 'bearer', reqHeaders: [['Authorization', `Bearer ${alice}`], ['Accept', 'application/json']], respHeaders: json, respBody: JSON.stringify({ id: 7001, owner: 'alice', total: 12.5 }) },
    { ...at, path: '/api/orders/7002', principal: 'bob', principalKind: 'bearer', reqHeaders: [['Authorization', `Bearer ${bob}`]], respHeaders: json, respBody: JSON.stringify({ id: 7002, owner: 'bob', total: 99 }) },
    { ...at, path: '/api/admin/users', principal: 'root', principalKind: 'bearer', reqHeaders: [['Authorization', `Bearer ${root}`]], respHeaders: json, respBody: JSON.stringify({ users: ['alice', 'bob', 'root'] }) },
    { scheme: 'https', host: 'api.shop.example', path: '/api/orders/1', principal: 'alice', reqHeaders: [['Authorization', 'Bearer captured']], respHeaders: json, respBody: '{"id":1}' },
    { ...at, method: 'POST', path: '/api/login', reqHeaders: json, reqBody: '{"username":"alice"}', respHeaders: json, respBody: JSON.stringify({ token: stale }) },
    { ...at, path: '/api/csrf', principal: 'session-alice', reqHeaders: [['Authorization', `Bearer ${stale}`]], respHeaders: json, respBody: '{"csrfToken":"0011223344556677"}' },
    { ...at, method: 'POST', path: '/api/profile', principal: 'session-alice', reqHeaders: [['Authorization', `Bearer ${stale}`], ['X-CSRF-Token', '0011223344556677'], ['content-type', 'application/json']], reqBody: '{"name":"Alice"}', respHeaders: json, respBody: '{"user":"alice","updated":true}' },
  ]);
  const [aliceOrder, bobOrder, rootAdmin, offScope, loginId, csrf, profile] = ws.ids;
  const bolaFinding = createHash('sha256').update('bola-test').digest('hex').slice(0, 16);
  const run = Number(ws.db.prepare(`INSERT INTO detection_runs (started_at, pack, rules, status) VALUES (0, 'test', 1, 'complete')`).run().lastInsertRowid);
  ws.db
    .prepare(
      `INSERT INTO findings (id, run_id, rule, category, owasp, severity, confidence, title, actor_ip, actor_principal, host, method, path, request_count, first_seen, last_seen, evidence)
       VALUES (?, ?, 'bola-walk', 'bola', 'API1:2023', 'high', 0.8, 'Object ids walked', NULL, 'alice', '127.0.0.1', 'GET', '/api/orders/{id}', 1, 0, 0, 'alice read order 7001')`,
    )
    .run(bolaFinding, run);
  ws.db.prepare('INSERT INTO finding_requests (finding_id, exchange_id) VALUES (?, ?)').run(bolaFinding, aliceOrder);
  return { ...ws, x: { aliceOrder, bobOrder, rootAdmin, offScope, login: loginId, csrf, profile }, bolaFinding };
}
