/**
 * The spec slice of the Api through the service's handlers, on the bundled sample workspace: the
 * export, the diff from pasted text, a path, a web-mode upload and the remembered spec, and the
 * errors each source can produce.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError, validateInput } from '../../../src/shared/api.ts';
import { ROOT } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { useService } from '../../helpers/service.ts';

const dir = tempDir();
const FIXTURE = join(ROOT, 'test/core/inventory/diff/fixtures/shop-api.openapi.yaml');
const { call, changed, service } = useService();


async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError');
}


describe('spec slice', () => {
  it('exports the sample workspace as OpenAPI 3.1 YAML or JSON', async () => {
    const yaml = await call('spec.export', {});
    expect(yaml).toMatchObject({ paths: 11, operations: 12, hosts: ['api.shop.example'] });
    expect(parseYaml(yaml.text).openapi).toBe('3.1.0');
    const json = await call('spec.export', { format: 'json', host: 'api.shop.example' });
    expect(JSON.parse(json.text).paths['/api/v1/users/{userId}']).toBeDefined();
  });

  it('diffs pasted text, remembers it, and diffs the remembered spec again', async () => {
    expect(await call('spec.remembered', {})).toBeNull();
    expect((await apiError(call('spec.diff', { source: { remembered: true } }))).code).toBe('not-found');
    const text = readFileSync(FIXTURE, 'utf8');
    const r = await call('spec.diff', { source: { text, name: 'shop.yaml' } });
    expect(r.counts).toEqual({ shadow: 4, zombie: 2, orphan: 2, 'undocumented-param': 2, 'undocumented-field': 3, 'type-mismatch': 2 });
    expect(changed.flat()).toContain('meta');
    expect(await call('spec.remembered', {})).toMatchObject({ name: 'shop.yaml', title: 'Shop API', operations: 9 });
    const again = await call('spec.diff', { source: { remembered: true }, host: 'api.shop.example' });
    expect(again.counts).toEqual(r.counts);
  });

  it('reads a local path and a web-mode upload (removing the uploaded file)', async () => {
    expect((await call('spec.diff', { source: { path: FIXTURE } })).spec.source).toBe('shop-api.openapi.yaml');
    const uploaded = join(dir, 'upload-1');
    copyFileSync(FIXTURE, uploaded);
    const id = 'a'.repeat(32);
    service().registerUpload(id, uploaded, 'published.yaml');
    expect((await call('spec.diff', { source: { uploadId: id, name: 'published.yaml' } })).spec.source).toBe('published.yaml');
    expect(existsSync(uploaded)).toBe(false);
    expect((await apiError(call('spec.diff', { source: { uploadId: id, name: 'published.yaml' } }))).code).toBe('not-found');
  });

  it('reports bad specs as bad input naming where', async () => {
    const e = await apiError(call('spec.diff', { source: { text: 'openapi: 3.1.0\npaths:\n  /a: [\n', name: 'typed.yaml' } }));
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/typed\.yaml is not valid YAML: .*\(at line \d+, column \d+\)/);
    expect((await apiError(call('spec.diff', { source: { path: join(dir, 'missing.yaml') } }))).message).toMatch(/ENOENT/);
    // The remembered spec is untouched by a failed load.
    expect(await call('spec.remembered', {})).toMatchObject({ title: 'Shop API' });
    expect(() => validateInput('spec.diff', { source: { text: 'x', path: '/a' } })).toThrow(ApiError);
    expect(() => validateInput('spec.diff', { source: { text: 'x'.repeat(1_000_000) } })).toThrow(/too big|at most|<=/i);
  });
});
