/**
 * `cartograph replay` and `cartograph scope` as a user runs them, against the real local target:
 * the cli-contract.md `replay --json` shape, editing with --set, identity swap with --as, retargeting,
 * scope refusal and management, timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun } from '../helpers/cli.ts';
import { main } from '../../src/cli/main.ts';
import { startTarget, type Target } from '../core/replay/target.ts';
import { replayWorkspace, type ReplayWorkspace } from '../core/replay/fixture.ts';

/** The command in-process (each spawned launcher costs a second); the first test spawns the real one. */
async function run(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), cwd: process.cwd(), isTTY: false });
  return { code, stdout, stderr };
}

let target: Target;
let ws: ReplayWorkspace;

beforeAll(async () => {
  target = await startTarget();
  ws = await replayWorkspace(target);
});
afterAll(async () => {
  ws?.db.close();
  await target?.close();
});

describe('cartograph replay', () => {
  it('re-sends a request and prints the contract JSON', async () => {
    const r = await cli(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['replayId', 'requestId', 'as', 'original', 'response', 'verdict', 'reason', 'diff']);
    expect(out).toMatchObject({ requestId: ws.x.aliceOrder, as: null, original: { status: 200, bytes: 40 }, response: { status: 200, bytes: 40 }, verdict: null, reason: null, diff: { status: false, headers: [], body: [] } });
    expect(out.response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(out.response.body)).toEqual({ id: 7001, owner: 'alice', total: 12.5 });
    expect(ws.db.prepare('SELECT exchange_id FROM replays WHERE id = ?').pluck().get(out.replayId)).toBe(ws.x.aliceOrder);
  });

  it('swaps identity with --as and gives the verdict', async () => {
    const bob = await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--as', 'bob', '--json']);
    expect(bob.code).toBe(0);
    expect(JSON.parse(bob.stdout)).toMatchObject({ as: 'bob', response: { status: 200 }, verdict: 'bypassed', reason: expect.stringMatching(/100% similar/) });
    const anon = await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--as', 'anonymous', '--json']);
    expect(JSON.parse(anon.stdout)).toMatchObject({ as: 'anonymous', response: { status: 401 }, verdict: 'enforced', diff: { status: true } });
    const human = await run(['replay', '--request', String(ws.x.rootAdmin), '--db', ws.path, '--as', 'bob']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^replay \d+ of request \d+ as bob: 403 Forbidden/);
    expect(human.stdout).toContain('verdict: enforced (refused with 403)');
    const nobody = await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--as', 'mallory']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/no principal "mallory"/);
  });

  it('edits headers with --set and retargets with --target', async () => {
    const r = await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--set', 'X-Edited=yes', '--set', 'Accept=text/plain', '--target', target.url.replace('127.0.0.1', 'localhost'), '--json']);
    expect(r.code).toBe(0);
    const last = target.requests.at(-1)!;
    expect(last.headers['x-edited']).toBe('yes');
    expect(last.headers.accept).toBe('text/plain');
    expect(last.headers.host).toMatch(/^localhost:\d+$/);
    const bad = await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--set', 'no-equals']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--set expects HEADER=VALUE');
  });

  it('refuses targets outside the scope, exit 2 with the reason, nothing sent', async () => {
    const before = target.requests.length;
    const r = await run(['replay', '--request', String(ws.x.offScope), '--db', ws.path, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/api\.shop\.example:443 is outside this workspace's replay scope \(add it with `cartograph scope add api\.shop\.example:443`\)/);
    const retarget = await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--target', 'https://example.org']);
    expect(retarget.code).toBe(2);
    expect(target.requests.length).toBe(before);
    expect((await run(['replay', '--db', ws.path])).code).toBe(2);
    expect(await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--target', 'not a url'])).toMatchObject({ code: 2, stderr: expect.stringContaining('target is not a URL') });
    expect(await run(['replay', '--request', String(ws.x.aliceOrder), '--db', ws.path, '--target', 'file:///etc'])).toMatchObject({ code: 2, stderr: expect.stringContaining('http or https') });
    expect((await run(['replay', '--request', 'abc', '--db', ws.path])).code).toBe(2);
    expect((await run(['replay', '--request', '99999', '--db', ws.path])).stderr).toMatch(/no exchange with id 99999/);
  });

  it('reports a timeout as a failed replay (exit 1)', async () => {
    const id = Number(
      ws.db
        .prepare(`INSERT INTO exchanges (source_id, entry_index, time, method, scheme, host, port, path, query, http_version, status, status_text, req_headers, resp_headers)
                  VALUES (1, 1000, 0, 'GET', 'http', '127.0.0.1', ?, '/slow', '', 'HTTP/1.1', 200, 'OK', '[]', '[]')`)
        .run(Number(new URL(target.url).port)).lastInsertRowid,
    );
    const r = await run(['replay', '--request', String(id), '--db', ws.path, '--timeout', '200', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/timed out after 200 ms/);
    expect(JSON.parse(r.stdout)).toMatchObject({ response: null, error: expect.stringMatching(/timed out/) });
  });
});

describe('cartograph scope', () => {
  it('lists, adds and removes entries; loopback by default', async () => {
    expect(await run(['scope', 'list', '--db', ws.path])).toMatchObject({ code: 0, stdout: 'loopback\n' });
    const added = await run(['scope', 'add', 'API.Shop.Example:443', '--db', ws.path]);
    expect(added).toMatchObject({ code: 0, stdout: 'loopback\napi.shop.example:443\n' });
    expect((await run(['scope', 'add', '*.staging.example', '--db', ws.path])).stdout).toBe('loopback\napi.shop.example:443\n*.staging.example\n');
    expect((await run(['scope', 'remove', '*.staging.example', '--db', ws.path])).code).toBe(0);
    expect((await run(['scope', 'remove', 'api.shop.example:443', '--db', ws.path])).stdout).toBe('loopback\n');
    const bad = await run(['scope', 'add', 'host:99999', '--db', ws.path]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/port out of range/);
    expect((await run(['scope', 'remove', 'nothere.example', '--db', ws.path])).code).toBe(2);
    expect((await run(['scope', 'frobnicate', '--db', ws.path])).code).toBe(2);
    expect((await run(['scope', 'add', '--db', ws.path])).code).toBe(2);
  });
});
