import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from './target.ts';
import { undiciSender, ReplayError } from '../../../src/core/replay/sender.ts';
import { DEFAULT_SCOPE, ScopeError, assertInScope, parseScopeEntry } from '../../../src/core/replay/scope.ts';
import { fromHttpText, toHttpText, type ReplayRequest } from '../../../src/core/replay/http-text.ts';
import { withCredentials, credentialsOf, parsePastedCredentials } from '../../../src/core/replay/credentials.ts';
import { diffResponses } from '../../../src/core/replay/diff.ts';
import { classify } from '../../../src/core/replay/verdict.ts';
import { replaySession, type SessionStep } from '../../../src/core/replay/session.ts';
import { exportRequest } from '../../../src/core/replay/export.ts';
import { resolveVariables, VariableError } from '../../../src/core/replay/variables.ts';
import { mapLimited } from '../../../src/core/replay/limiter.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
let target: Target;
const scope = DEFAULT_SCOPE;

async function login(user: string): Promise<string> {
  const r = await undiciSender.send({ method: 'POST', url: `${target.url}/api/login`, headers: [['content-type', 'application/json']], body: enc(JSON.stringify({ username: user })) }, { scope });
  return (JSON.parse(dec(r.body)) as { token: string }).token;
}

beforeAll(async () => {
  target = await startTarget();
});
afterAll(() => target.close());

describe('scope', () => {
  it('allows loopback by default and refuses everything else with a clear message', () => {
    expect(assertInScope(scope, 'http://127.0.0.1:8080/x').hostname).toBe('127.0.0.1');
    expect(assertInScope(scope, 'http://localhost/x').hostname).toBe('localhost');
    expect(assertInScope(scope, 'http://[::1]:9/x').port).toBe('9');
    expect(() => assertInScope(scope, 'https://api.shop.example/x')).toThrow(/api\.shop\.example:443 is outside this workspace's replay scope/);
    expect(() => assertInScope(scope, 'file:///etc/passwd')).toThrow(ScopeError);
    expect(() => assertInScope([], 'http://127.0.0.1/')).toThrow(ScopeError);
  });
  it('matches listed hosts, ports and leading wildcards', () => {
    const s = [parseScopeEntry('api.shop.example:443'), parseScopeEntry('*.staging.example')];
    expect(assertInScope(s, 'https://api.shop.example/x').host).toBe('api.shop.example');
    expect(() => assertInScope(s, 'http://api.shop.example/x')).toThrow(/:80 is outside/);
    expect(assertInScope(s, 'http://a.staging.example:8443/').host).toBe('a.staging.example:8443');
    expect(() => assertInScope(s, 'http://staging.example/')).toThrow(ScopeError);
    expect(() => parseScopeEntry('a:b:c')).toThrow(ScopeError);
    expect(() => parseScopeEntry('host:70000')).toThrow(/port out of range/);
  });
  it('never sends a request outside the scope', async () => {
    await expect(undiciSender.send({ method: 'GET', url: 'http://203.0.113.9/', headers: [], body: null }, { scope })).rejects.toThrow(ScopeError);
  });
});

describe('single replay and edit', () => {
  it('round-trips raw HTTP text and sends an edited request', async () => {
    const token = await login('alice');
    const original: ReplayRequest = { method: 'GET', url: `${target.url}/api/orders/7001`, headers: [['Authorization', `Bearer ${token}`], ['Accept', 'application/json']], body: null };
    const text = toHttpText(original);
    expect(text).toMatch(/^GET \/api\/orders\/7001 HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\nAuthorization: Bearer/);
    const edited = fromHttpText(text.replace('/api/orders/7001', '/api/orders/7002'), original.url);
    const res = await undiciSender.send(edited, { scope });
    expect(res.status).toBe(200);
    expect(JSON.parse(dec(res.body))).toMatchObject({ id: 7002, owner: 'bob' });
    expect(() => fromHttpText('not a request line', original.url)).toThrow(/line 1/);
    expect(() => fromHttpText('GET / HTTP/1.1\nbroken header', original.url)).toThrow(/line 2/);
  });
  it('times out and caps oversized responses', async () => {
    await expect(undiciSender.send({ method: 'GET', url: `${target.url}/slow`, headers: [], body: null }, { scope, timeoutMs: 200 })).rejects.toThrow(/timed out after 200 ms/);
    const huge = await undiciSender.send({ method: 'GET', url: `${target.url}/huge`, headers: [], body: null }, { scope, maxResponseBytes: 64 * 1024 });
    expect(huge.truncated).toBe(true);
    expect(huge.body.length).toBe(64 * 1024);
  });
  it('returns redirects by default and follows them only within scope when asked', async () => {
    const token = await login('alice');
    const req: ReplayRequest = { method: 'GET', url: `${target.url}/redirect`, headers: [['Authorization', `Bearer ${token}`]], body: null };
    expect((await undiciSender.send(req, { scope })).status).toBe(302);
    const followed = await undiciSender.send(req, { scope, maxRedirects: 3 });
    expect(followed.status).toBe(200);
    expect(followed.url).toMatch(/\/api\/orders\/7001$/);
  });
  it('reports connection failures as ReplayError', async () => {
    await expect(undiciSender.send({ method: 'GET', url: 'http://127.0.0.1:1/', headers: [], body: null }, { scope })).rejects.toThrow(ReplayError);
  });
});

describe('identity swap', () => {
  it('confirms the BOLA as bypassed and the admin route as enforced', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    const root = await login('root');
    const asBob = credentialsOf({ requestHeaders: [['Authorization', `Bearer ${bob}`]], query: '' });

    const order: ReplayRequest = { method: 'GET', url: `${target.url}/api/orders/7001`, headers: [['Authorization', `Bearer ${alice}`]], body: null };
    const mine = await undiciSender.send(order, { scope });
    const theirs = await undiciSender.send(withCredentials(order, asBob), { scope });
    const d = diffResponses({ status: mine.status, headers: mine.headers, body: mine.body }, theirs);
    expect(d.headers).not.toContain('date');
    expect(classify({ status: mine.status, bytes: mine.body.length }, { status: theirs.status, bytes: theirs.body.length }, d)).toMatchObject({ verdict: 'bypassed' });

    const admin: ReplayRequest = { method: 'GET', url: `${target.url}/api/admin/users`, headers: [['Authorization', `Bearer ${root}`]], body: null };
    const ok = await undiciSender.send(admin, { scope });
    const denied = await undiciSender.send(withCredentials(admin, asBob), { scope });
    const v = classify({ status: ok.status, bytes: ok.body.length }, { status: denied.status, bytes: denied.body.length }, diffResponses({ status: ok.status, headers: ok.headers, body: ok.body }, denied));
    expect(v).toEqual({ verdict: 'enforced', reason: 'refused with 403' });

    const anonymous = await undiciSender.send(withCredentials(order, null), { scope });
    expect(anonymous.status).toBe(401);
    expect(target.requests.at(-1)?.headers.authorization).toBeUndefined();
  });
  it('parses pasted credentials and swaps API keys in the query too', () => {
    expect(parsePastedCredentials('abc.def.ghi').headers).toEqual([['Authorization', 'Bearer abc.def.ghi']]);
    expect(parsePastedCredentials('Cookie: sid=1\nX-Api-Key: k').headers).toEqual([['Cookie', 'sid=1'], ['X-Api-Key', 'k']]);
    const swapped = withCredentials({ method: 'GET', url: 'http://127.0.0.1/a?api_key=OLD&page=2', headers: [['X-Api-Key', 'OLD']], body: null }, { headers: [['X-Api-Key', 'NEW']], query: [['api_key', 'NEW']] });
    expect(swapped.url).toBe('http://127.0.0.1/a?page=2&api_key=NEW');
    expect(swapped.headers).toEqual([['X-Api-Key', 'NEW']]);
  });
  it('calls an unclear verdict unclear', () => {
    const d = diffResponses({ status: 200, headers: [], body: enc('{"a":1,"b":2,"c":3}') }, { status: 200, headers: [], body: enc('{"x":9}') });
    expect(classify({ status: 200, bytes: 19 }, { status: 200, bytes: 7 }, d).verdict).toBe('unclear');
  });
});

describe('diff', () => {
  it('is JSON-aware and ignores volatile fields', () => {
    const a = enc(JSON.stringify({ id: 1, balance: 10, updatedAt: '2026-01-01T00:00:00Z', requestId: 'aaa' }));
    const b = enc(JSON.stringify({ id: 1, balance: 12, updatedAt: '2026-02-02T10:00:00Z', requestId: 'bbb' }));
    const d = diffResponses({ status: 200, headers: [['Date', 'x'], ['X-Powered-By', 'A']], body: a }, { status: 200, headers: [['Date', 'y'], ['X-Powered-By', 'B']], body: b });
    expect(d.status).toBe(false);
    expect(d.headers).toEqual(['x-powered-by']);
    expect(d.body).toEqual([{ path: '$.balance', from: 10, to: 12 }]);
    expect(d.similarity).toBeCloseTo(0.75);
  });
});

describe('session replay', () => {
  it('carries a fresh token and CSRF value through the steps', async () => {
    // The "original" capture, recorded earlier with values that are no longer valid.
    const oldToken = 'deadbeefdeadbeefdeadbeef';
    const steps: SessionStep[] = [
      { requestId: 1, request: { method: 'POST', url: `${target.url}/api/login`, headers: [['content-type', 'application/json']], body: enc('{"username":"alice"}') }, original: { status: 200, headers: [], body: enc(JSON.stringify({ token: oldToken })) } },
      { requestId: 2, request: { method: 'GET', url: `${target.url}/api/csrf`, headers: [['Authorization', `Bearer ${oldToken}`]], body: null }, original: { status: 200, headers: [], body: enc('{"csrfToken":"0011223344556677"}') } },
      { requestId: 3, request: { method: 'POST', url: `${target.url}/api/profile`, headers: [['Authorization', `Bearer ${oldToken}`], ['X-CSRF-Token', '0011223344556677']], body: enc('{"name":"Alice"}') }, original: { status: 200, headers: [], body: enc('{"user":"alice","updated":true}') } },
    ];
    const seen: number[] = [];
    const results = await replaySession(steps, undiciSender, { scope, onStep: (r) => seen.push(r.index) });
    expect(seen).toEqual([0, 1, 2]);
    expect(results.map((r) => r.response?.status)).toEqual([200, 200, 200]);
    expect(results[2].substitutions.map((s) => s.source).sort()).toEqual(['step 1 $.token', 'step 2 $.csrfToken']);
    expect(results.every((r) => !r.diverged)).toBe(true);
  });
  it('stops at the first divergence', async () => {
    const steps: SessionStep[] = [
      { requestId: 1, request: { method: 'GET', url: `${target.url}/api/orders/7001`, headers: [['Authorization', 'Bearer expired']], body: null }, original: { status: 200, headers: [], body: null } },
      { requestId: 2, request: { method: 'GET', url: `${target.url}/api/orders/7002`, headers: [], body: null }, original: { status: 200, headers: [], body: null } },
    ];
    const results = await replaySession(steps, undiciSender, { scope });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ diverged: true, response: { status: 401 } });
  });
});

describe('exports, variables and limits', () => {
  const req: ReplayRequest = { method: 'POST', url: 'http://127.0.0.1:8080/api/x?q=1', headers: [['Content-Type', 'application/json'], ['X-Note', "it's"]], body: enc('{"a":"b"}') };
  it('exports curl, fetch, python and httpie', () => {
    expect(exportRequest(req, 'curl')).toBe(`curl -X POST 'http://127.0.0.1:8080/api/x?q=1' \\\n  -H 'Content-Type: application/json' \\\n  -H 'X-Note: it'\\''s' \\\n  --data-raw '{"a":"b"}'`);
    expect(exportRequest(req, 'fetch')).toContain('"body": "{\\"a\\":\\"b\\"}"');
    expect(exportRequest(req, 'python')).toContain('requests.request(\n    "POST",');
    expect(exportRequest(req, 'httpie')).toMatch(/^printf '%s' '\{"a":"b"\}' \| http POST/);
  });
  it('resolves {{variables}} and names unknown ones', () => {
    const r = resolveVariables({ method: 'GET', url: 'http://127.0.0.1/{{version}}/x', headers: [['Authorization', 'Bearer {{ token }}']], body: null }, { version: 'v2', token: 't0k' });
    expect(r.url).toBe('http://127.0.0.1/v2/x');
    expect(r.headers).toEqual([['Authorization', 'Bearer t0k']]);
    expect(() => resolveVariables({ method: 'GET', url: 'http://127.0.0.1/', headers: [['A', '{{nope}}']], body: null }, {})).toThrow(VariableError);
  });
  it('limits concurrency', async () => {
    let running = 0;
    let peak = 0;
    await mapLimited([1, 2, 3, 4, 5, 6], { concurrency: 2, perSecond: 1000 }, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    expect(peak).toBe(2);
  });
});
