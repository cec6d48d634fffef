/**
 * `cartograph policy` as a CI script uses it on a real capture: draft from the workspace's
 * findings, dry-run (JSON shape of cli-contract.md), export a bundle with its manifest, and
 * clear errors for bad usage and broken policies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const db = join(dir, 'ws.sqlite');

beforeAll(async () => {
  expect((await cli(['import', '--db', db, join(ROOT, 'resources/sample/shop-api.har')])).code).toBe(0);
  expect((await cli(['detect', '--db', db])).code).toBe(0);
}, 120_000);

describe('cartograph policy', () => {
  it('drafts, simulates and exports', { timeout: 120_000 }, async () => {
    const policy = join(dir, 'policy.yaml');
    const drafted = await cli(['policy', 'draft', '--db', db, '--out', policy]);
    expect(drafted.code).toBe(0);
    expect(readFileSync(policy, 'utf8')).toMatch(/^cartograph-policy: 1$/m);

    const sim = await cli(['policy', 'simulate', '--db', db, '--policy', policy, '--json']);
    expect(sim.code).toBe(0);
    const r = JSON.parse(sim.stdout);
    expect(r.exchanges).toBe(326);
    for (const rule of r.rules) expect(Object.keys(rule)).toEqual(expect.arrayContaining(['id', 'type', 'action', 'matched', 'blocked', 'actors']));
    expect(r.totals.blocked).toBeGreaterThan(0);

    const out = join(dir, 'kong');
    const exp = await cli(['policy', 'export', '--db', db, '--policy', policy, '--format', 'kong', '--out', out, '--json']);
    expect(exp.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'kong', policy: { revision: expect.stringMatching(/^[0-9a-f]{16}$/) } });
    expect(readFileSync(join(out, 'kong.yaml'), 'utf8')).toMatch(/_format_version: "3.0"/);
  });

  it('names the problem in bad usage and broken policies', { timeout: 60_000 }, async () => {
    const noFormat = await cli(['policy', 'export', '--db', db, '--out', join(dir, 'x')]);
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/--format/);
    const badFormat = await cli(['policy', 'export', '--db', db, '--format', 'iptables', '--out', join(dir, 'x')]);
    expect(badFormat.stderr).toMatch(/--format must be one of openapi, kong, nginx/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'cartograph-policy: 1\nname: b\nrules:\n  - {id: r, type: rate-limit, action: throttle, source: {origin: manual}, key: ip, limit: 0, window: 1m}\n');
    const sim = await cli(['policy', 'simulate', '--db', db, '--policy', broken]);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toMatch(/broken\.yaml: rule r: \/limit: must be >= 1/);
    expect((await cli(['policy'])).stderr).toMatch(/export, simulate or draft/);
  });
});
