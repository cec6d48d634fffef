/**
 * The replay slice of the Api through the service's handlers, against the real local target:
 * single replay and edit, variables, identity-swap verdicts recorded on a finding, session replay
 * with fresh token extraction, scope refusal, timeouts, oversized responses, exports and history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createService, type Service } from '../../../src/core/service/service.ts';
import { validateInput, type ApiInput, type ApiMethod, type ApiResults } from '../../../src/shared/api.ts';
import { startTarget, type Target } from '../replay/target.ts';
import { replayWorkspace, type ReplayWorkspace } from '../replay/fixture.ts';
import { ROOT } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { insertRows } from '../../helpers/workspace.ts';

let target: Target;
let ws: ReplayWorkspace;
let service: Service;
const changed: string[][] = [];

async function call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]> {
  const v = validateInput<M>(method, input);
  return service.handle(v.method, v.input);
}

beforeAll(async () => {
  target = await startTarget();
  ws = await replayWorkspace(target);
  service = await createService({
    userDataDir: join(tempDir(), 'user-data'),
    workspace: ws.path,
    resourcesDir: join(ROOT, 'resources'),
    emit: (event, payload) => {
      if (event === 'workspace.changed') changed.push((payload as { tables: string[] }).tables);
    },
  });
});
afterAll(async () => {
  service?.close();
  ws?.db.close();
  await target?.close();
});

describe('replay.send', () => {
  it('re-sends a stored exchange, stores it linked to the original and diffs it', async () => {
    const draft = await call('replay.prepare', { exchangeId: ws.x.aliceOrder });
    expect(draft.text).toMatch(/^GET \/api\/orders\/7001 HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\nAuthorization: Bearer [0-9a-f]+/);
    expect(draft).toMatchObject({ inScope: true, principal: 'alice', original: { status: 200 } });

    const sent = await call('replay.send', { exchangeId: ws.x.aliceOrder });
    expect(sent).toMatchObject({ exchangeId: ws.x.aliceOrder, kind: 'send', as: null, status: 200, changed: false, verdict: null, error: null });
    expect(sent.diff).toMatchObject({ status: false, headers: [], body: [], similarity: 1 });
    expect(JSON.parse(sent.response!.body!.text!)).toEqual({ id: 7001, owner: 'alice', total: 12.5 });
    expect(sent.original?.status).toBe(200);
    expect(changed.flat()).toContain('replays');

    const again = await call('replay.get', { id: sent.id });
    expect(again.request.text).toContain('GET /api/orders/7001');
    expect(again.response?.status).toBe(200);
  });

  it('sends edited raw text and reports the JSON body changes', async () => {
    const draft = await call('replay.prepare', { exchangeId: ws.x.aliceOrder });
    const sent = await call('replay.send', { exchangeId: ws.x.aliceOrder, text: draft.text.replace('/api/orders/7001', '/api/orders/7002') });
    expect(sent.url).toMatch(/\/api\/orders\/7002$/);
    expect(sent.changed).toBe(true);
    expect(sent.diff?.body).toEqual([
      { path: '$.id', from: 7001, to: 7002 },
      { path: '$.owner', from: 'alice', to: 'bob' },
      { path: '$.total', from: 12.5, to: 99 },
    ]);
    await expect(call('replay.send', { exchangeId: ws.x.aliceOrder, text: 'GET /x HTTP/1.1\nbroken' })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/line 2/) });
    await expect(call('replay.send', { text: 'GET / HTTP/1.1\n\n' })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/base URL/) });
  });

  it('fills {{variables}} from the active environment and names unknown ones', async () => {
    const env = await call('env.save', { name: 'local', variables: { order: '7002' } });
    await call('env.activate', { id: env.id });
    expect(await call('env.list', {})).toEqual([{ id: env.id, name: 'local', variables: { order: '7002' }, active: true }]);
    const draft = await call('replay.prepare', { exchangeId: ws.x.aliceOrder });
    const sent = await call('replay.send', { exchangeId: ws.x.aliceOrder, text: draft.text.replace('7001', '{{order}}') });
    expect(sent.url).toMatch(/\/api\/orders\/7002$/);
    await expect(call('replay.send', { exchangeId: ws.x.aliceOrder, text: draft.text.replace('7001', '{{nope}}') })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('{{nope}}') });
    await expect(call('env.save', { name: 'local', variables: {} })).rejects.toMatchObject({ code: 'bad-input' });
    // A stored request replays as captured: its own "{{" is data, not a variable.
    const [templated] = insertRows(ws.db, [{ scheme: 'http', host: '127.0.0.1', port: Number(new URL(target.url).port), method: 'POST', path: '/api/login', reqHeaders: [['content-type', 'application/json']], reqBody: '{"username":"alice","note":"{{nope}}"}' }]);
    expect(await call('replay.send', { exchangeId: templated })).toMatchObject({ status: 200, error: null });
    await call('env.activate', { id: null });
    await call('env.delete', { id: env.id });
    expect(await call('env.list', {})).toEqual([]);
  });

  it('sets headers, swaps to another principal and judges the answer', async () => {
    const sent = await call('replay.send', { exchangeId: ws.x.aliceOrder, as: { kind: 'principal', principal: 'bob' }, set: [['X-Trace', 'cartograph']] });
    expect(sent).toMatchObject({ as: 'bob', status: 200, verdict: 'bypassed' });
    expect(sent.request.headers).toContainEqual(['X-Trace', 'cartograph']);
    expect(target.requests.at(-1)?.headers['x-trace']).toBe('cartograph');
    const anon = await call('replay.send', { exchangeId: ws.x.aliceOrder, as: { kind: 'none' } });
    expect(anon).toMatchObject({ as: 'anonymous', status: 401, verdict: 'enforced', reason: 'refused with 401' });
    await expect(call('replay.send', { exchangeId: ws.x.aliceOrder, as: { kind: 'principal', principal: 'mallory' } })).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('identity swap', () => {
  it("confirms a finding's BOLA evidence as bypassed and records verdicts on the finding", async () => {
    const result = await call('replay.swap', { findingId: ws.bolaFinding, identities: [{ kind: 'principal', principal: 'bob' }, { kind: 'none' }] });
    expect(result.baseline).toMatchObject([{ exchangeId: ws.x.aliceOrder, status: 200 }]);
    expect(result.outcomes.map((o) => [o.as, o.status, o.verdict])).toEqual([
      ['bob', 200, 'bypassed'],
      ['anonymous', 401, 'enforced'],
    ]);
    const verdicts = await call('replay.verdicts', { findingId: ws.bolaFinding });
    expect(verdicts.map((v) => [v.as, v.verdict]).sort()).toEqual([
      ['anonymous', 'enforced'],
      ['bob', 'bypassed'],
    ]);
    expect(verdicts[0].reason).toBeTruthy();
  });

  it('calls the guarded admin route enforced, with pasted credentials too', async () => {
    const bobToken = String(ws.db.prepare(`SELECT req_headers FROM exchanges WHERE id = ?`).pluck().get(ws.x.bobOrder)).match(/Bearer ([0-9a-f]+)/)![1];
    const result = await call('replay.swap', { exchangeId: ws.x.rootAdmin, identities: [{ kind: 'principal', principal: 'alice' }, { kind: 'pasted', text: bobToken, label: 'bob token' }] });
    expect(result.outcomes.map((o) => [o.as, o.status, o.verdict, o.reason])).toEqual([
      ['alice', 403, 'enforced', 'refused with 403'],
      ['pasted: bob token', 403, 'enforced', 'refused with 403'],
    ]);
    const principals = await call('replay.principals', {});
    expect(principals.map((p) => p.principal)).toEqual(expect.arrayContaining(['alice', 'bob', 'root']));
    expect(principals.find((p) => p.principal === 'bob')?.carries).toEqual(['Authorization']);
  });
});

describe('session replay', () => {
  it('replays a captured login → csrf → profile sequence with fresh token and CSRF value', async () => {
    const result = await call('replay.session', { exchangeIds: [ws.x.login, ws.x.csrf, ws.x.profile] });
    expect(result.skipped).toBe(0);
    expect(result.steps.map((s) => [s.status, s.diverged])).toEqual([
      [200, false],
      [200, false],
      [200, false],
    ]);
    expect(result.steps[2].substitutions.map((s) => s.source).sort()).toEqual(['step 1 $.token', 'step 2 $.csrfToken']);
    const stored = await call('replay.list', { runId: result.runId });
    expect(stored.rows.map((r) => r.step)).toEqual([2, 1, 0]);
    expect(stored.rows.every((r) => r.kind === 'session')).toBe(true);
  });

  it("stops at the first divergence of a principal's sequence", async () => {
    // session-alice's captured token is stale and nothing earlier in its sequence refreshes it.
    const result = await call('replay.session', { principal: 'session-alice' });
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({ status: 401, originalStatus: 200, diverged: true });
    expect(result.skipped).toBe(1);
  });
});

describe('cancel', () => {
  it('stops a running session: the step in flight ends cancelled, later ones are not sent', async () => {
    const port = Number(new URL(target.url).port);
    const [slow, next] = insertRows(ws.db, [
      { scheme: 'http', host: '127.0.0.1', port, path: '/slow' },
      { scheme: 'http', host: '127.0.0.1', port, path: '/api/orders/7001' },
    ]);
    const before = target.requests.length;
    const running = call('replay.session', { exchangeIds: [slow, next], stopOnDivergence: false, runKey: 'session-1' });
    await new Promise((r) => setTimeout(r, 150));
    await expect(call('replay.session', { exchangeIds: [next], runKey: 'session-1' })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('already running') });
    expect(await call('replay.cancel', { runKey: 'session-1' })).toBe(true);
    const result = await running;
    expect(result.steps).toMatchObject([{ requestId: slow, error: 'cancelled', status: null }]);
    expect(result.skipped).toBe(1);
    expect(target.requests.length).toBe(before + 1);
    expect(await call('replay.cancel', { runKey: 'session-1' })).toBe(false);
  });
});

describe('scope and limits', () => {
  it('refuses targets outside the scope before anything is sent, and the scope is editable', async () => {
    expect(await call('scope.list', {})).toEqual(['loopback']);
    const before = target.requests.length;
    const count = (await call('replay.list', {})).total;
    await expect(call('replay.send', { exchangeId: ws.x.offScope })).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringContaining("api.shop.example:443 is outside this workspace's replay scope"),
    });
    await expect(call('replay.send', { exchangeId: ws.x.aliceOrder, target: 'http://203.0.113.7:8080' })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('203.0.113.7:8080 is outside') });
    expect((await call('replay.prepare', { exchangeId: ws.x.offScope })).inScope).toBe(false);
    expect(await call('scope.add', { entry: 'API.shop.example:443' })).toEqual(['loopback', 'api.shop.example:443']);
    expect(await call('scope.remove', { entry: 'loopback' })).toEqual(['api.shop.example:443']);
    await expect(call('replay.send', { exchangeId: ws.x.aliceOrder })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('127.0.0.1') });
    await expect(call('replay.swap', { exchangeId: ws.x.aliceOrder, identities: [{ kind: 'none' }] })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(call('scope.add', { entry: 'a:b:c' })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(call('scope.remove', { entry: 'nothere.example' })).rejects.toMatchObject({ code: 'not-found' });
    await call('scope.add', { entry: 'loopback' });
    await call('scope.remove', { entry: 'api.shop.example:443' });
    expect(target.requests.length).toBe(before);
    expect((await call('replay.list', {})).total).toBe(count);
  });

  it('records a timeout as a failed replay and caps oversized responses', async () => {
    const slow = await call('replay.send', { request: { method: 'GET', url: `${target.url}/slow`, headers: [], body: null }, timeoutMs: 200 });
    expect(slow).toMatchObject({ status: null, response: null, error: expect.stringMatching(/timed out after 200 ms/) });
    expect((await call('replay.get', { id: slow.id })).error).toMatch(/timed out/);
    const huge = await call('replay.send', { request: { method: 'GET', url: `${target.url}/huge`, headers: [], body: null }, maxResponseBytes: 64 * 1024 });
    expect(huge.response).toMatchObject({ status: 200, truncated: true, bytes: 64 * 1024 });
    expect(huge.response?.body?.size).toBe(64 * 1024);
    await expect(call('replay.send', { request: { method: 'GET', url: `${target.url}/`, headers: [], body: null }, timeoutMs: 10_000_000 })).rejects.toMatchObject({ code: 'bad-input' });
  });
});

describe('history and exports', () => {
  it('lists and filters replays', async () => {
    const all = await call('replay.list', {});
    expect(all.total).toBeGreaterThan(10);
    expect(all.rows[0].id).toBeGreaterThan(all.rows[1].id);
    const ofAlice = await call('replay.list', { exchangeId: ws.x.aliceOrder });
    expect(ofAlice.rows.every((r) => r.exchangeId === ws.x.aliceOrder)).toBe(true);
    expect((await call('replay.list', { q: '4xx' })).rows.every((r) => r.status! >= 400 && r.status! < 500)).toBe(true);
    const slow = await call('replay.list', { q: '/SLOW' });
    expect(slow.rows.map((r) => [new URL(r.url).pathname, r.error])).toEqual([
      ['/slow', expect.stringMatching(/timed out/)],
      ['/slow', 'cancelled'],
    ]);
    const bypassed = await call('replay.list', { verdict: 'bypassed', kind: 'swap' });
    expect(bypassed.rows.map((r) => r.as)).toEqual(['bob']);
    expect((await call('replay.list', { q: 'anonymous' })).total).toBeGreaterThanOrEqual(2);
  });

  it('exports a stored exchange, edited text and a replay', async () => {
    const curl = await call('replay.export', { exchangeId: ws.x.login, format: 'curl' });
    expect(curl).toMatch(/^curl -X POST http:\/\/127\.0\.0\.1:\d+\/api\/login \\\n {2}-H 'content-type: application\/json'/);
    expect(curl).toContain(`--data-raw '{"username":"alice"}'`);
    const py = await call('replay.export', { text: 'GET /a?b=1 HTTP/1.1\nHost: 127.0.0.1:9\n\n', base: 'http://127.0.0.1:9/', format: 'python' });
    expect(py).toContain('"http://127.0.0.1:9/a?b=1"');
    const last = (await call('replay.list', { limit: 1 })).rows[0];
    expect(await call('replay.export', { replayId: last.id, format: 'httpie' })).toMatch(/^http GET /);
    await expect(call('replay.get', { id: 999_999 })).rejects.toMatchObject({ code: 'not-found' });
  });
});
