/**
 * `cartograph spec` and `cartograph diff --spec` as a CI script runs them (cli-contract.md): the
 * exported document is valid OpenAPI 3.1, the diff prints one JSON document, the spec it was given
 * is remembered for later diffs and for `detect`, and bad input exits 2 with a reason naming where.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cli } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';
import { openApiProblems } from '../core/inventory/openapi/validate.ts';
import type { DiffResult } from '../../src/shared/api-spec.ts';

const dir = tempDir();
const db = join(dir, 'shop.sqlite');
const FIXTURE = join(ROOT, 'test/core/inventory/diff/fixtures/shop-api.openapi.yaml');

beforeAll(async () => {
  expect((await cli(['import', join(ROOT, 'resources/sample/shop-api.har'), '--db', db])).code).toBe(0);
}, 120_000);

describe('cartograph spec', () => {
  it('writes a valid OpenAPI 3.1 document, JSON or YAML by the file name', { timeout: 120_000 }, async () => {
    const out = join(dir, 'shop.json');
    const r = await cli(['spec', '--db', db, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wrote .*shop\.json: 11 paths, 12 operations/);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.openapi).toBe('3.1.0');
    expect(await openApiProblems(doc)).toEqual([]);
    const yaml = await cli(['spec', '--db', db, '--host', 'api.shop.example']);
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual({ ...doc, info: { ...doc.info, title: 'api.shop.example (reconstructed from traffic)' } });
  });

  it('says so when a host has no traffic, and refuses bad usage', { timeout: 120_000 }, async () => {
    const none = await cli(['spec', '--db', db, '--host', 'nowhere.example', '--format', 'json']);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout).paths).toEqual({});
    expect(none.stderr).toMatch(/no API traffic to nowhere\.example/);
    const bad = await cli(['spec', '--db', db, '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be yaml or json/);
    expect((await cli(['spec', '--db', join(dir, 'missing.sqlite')])).code).toBe(2);
  });
});

describe('cartograph diff --spec', () => {
  it('exits 2 naming where a spec is broken, missing or absent', { timeout: 120_000 }, async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'openapi: 3.0.0\ninfo: {title: x, version: "1"}\npaths:\n  /a: {get: [\n');
    const r = await cli(['diff', '--spec', broken, '--db', db, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/broken\.yaml is not valid YAML: .*\(at line \d+, column \d+\)/);
    const swagger1 = join(dir, 'old.json');
    writeFileSync(swagger1, '{"swaggerVersion": "1.2", "apis": []}');
    expect((await cli(['diff', '--spec', swagger1, '--db', db])).stderr).toMatch(/not an OpenAPI document: no "openapi" or "swagger" version field/);
    expect((await cli(['diff', '--spec', join(dir, 'nope.yaml'), '--db', db])).stderr).toMatch(/cannot read spec .*nope\.yaml: ENOENT/);
    // Nothing remembered yet in this workspace: a diff without --spec has nothing to judge by.
    const none = await cli(['diff', '--db', db]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no published spec given, and none is remembered/);
  });

  it('prints the diff as one JSON document, and remembers the spec for later diffs and detect', { timeout: 120_000 }, async () => {
    const r = await cli(['diff', '--spec', FIXTURE, '--db', db, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as DiffResult;
    expect(d.spec).toMatchObject({ title: 'Shop API', openapi: '3.0.3', operations: 9 });
    expect(d.counts).toEqual({ shadow: 4, zombie: 2, orphan: 2, 'undocumented-param': 2, 'undocumented-field': 3, 'type-mismatch': 2 });
    for (const i of d.items) expect(Object.keys(i)).toEqual(expect.arrayContaining(['class', 'host', 'method', 'path', 'specPath', 'location', 'name', 'reason', 'count', 'requestIds', 'filter']));

    const again = await cli(['diff', '--db', db, '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as DiffResult).counts).toEqual(d.counts);
    // detect now judges shadow endpoints by the remembered spec.
    const after = await cli(['detect', '--db', db, '--json']);
    expect(after.stderr).not.toMatch(/no published spec/);
    expect((JSON.parse(after.stdout) as { category: string }[]).some((f) => f.category === 'shadow-api')).toBe(true);
  });

  it('prints a human table grouped by class', { timeout: 120_000 }, async () => {
    const r = await cli(['diff', '--spec', FIXTURE, '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Shop API 1\.4\.0 .* against 326 exchanges/);
    expect(r.stdout).toMatch(/SHADOW \(4\)[\s\S]*\/api\/v1\/admin\/users[\s\S]*ZOMBIE \(2\)/);
    expect(r.stdout).toMatch(/items\[\]\.price: integer ≠ number/);
  });
});
