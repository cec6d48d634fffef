/**
 * Loading published specs: every real spec in the shared data (Swagger 2.0, OpenAPI 3.0 and 3.1,
 * YAML and JSON), and bad input named precisely: syntax errors by line and column, wrong
 * documents by JSON pointer, $refs that leave the document never followed.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shared } from '../../../helpers/paths.ts';
import { tempDir } from '../../../helpers/tmp.ts';
import { loadSpec, SpecError } from '../../../../src/core/inventory/openapi/load.ts';
import { readSpecFile } from '../../../../src/core/inventory/openapi/file.ts';

const dir = tempDir();

async function failure(text: string): Promise<SpecError> {
  try {
    await loadSpec(text, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('real published specs', () => {
  it.each([
    ['openapi/OAI__OpenAPI-Specification/petstore.yaml', '3.0.0', 3],
    ['openapi/OAI__OpenAPI-Specification/petstore-expanded.yaml', '3.0.0', 4],
    ['openapi/erev0s__VAmPI/openapi3.yml', '3.0.1', 14],
    ['openapi/OWASP__crAPI/crapi-openapi-spec.json', '3.0.1', 40],
    ['openapi/openclarity__apiclarity/petstorev2.json', '2.0', 20],
    ['openapi/openclarity__apiclarity/payment.json', null, 4],
  ])('%s', async (file, version, minOps) => {
    const { spec, detect } = await loadSpec(readFileSync(shared(file), 'utf8'), file);
    if (version) expect(spec.openapi).toBe(version);
    expect(new Set(spec.operations.map((o) => o.pointer)).size).toBeGreaterThanOrEqual(minOps);
    expect(spec.warnings).toEqual([]);
    expect(detect.operations).toHaveLength(spec.operations.length);
    for (const op of spec.operations) expect(op.pathTemplate.startsWith('/')).toBe(true);
  });

  it('resolves $refs into parameters and body schemas (crAPI)', async () => {
    const { spec } = await loadSpec(readFileSync(shared('openapi/OWASP__crAPI/crapi-openapi-spec.json'), 'utf8'), 'crapi.json');
    const signup = spec.operations.find((o) => o.method === 'POST' && o.specPath === '/identity/api/auth/signup');
    expect(Object.keys(signup?.requestBody?.properties ?? {})).toEqual(expect.arrayContaining(['email', 'password', 'name', 'number']));
    expect(JSON.stringify(spec.operations)).not.toContain('"$ref"');
  });
});

describe('bad specs', () => {
  it('names the line and column of a YAML syntax error', async () => {
    const e = await failure('openapi: 3.1.0\ninfo: {title: x, version: "1"}\npaths:\n  /a: {get: [\n');
    expect(e.message).toMatch(/not valid YAML/);
    expect(e.where).toMatch(/^line \d+, column \d+$/);
  });

  it('names the position of a JSON syntax error', async () => {
    const e = await failure('{"openapi": "3.0.0", "paths": {"/a": }}');
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.where).toBe('line 1, column 38');
    expect((await failure('{\n  "openapi": "3.0.0",\n  "paths": {\n    "/a": {"get": [1, 2,]}\n  }\n}')).where).toBe('line 4, column 25');
    expect((await failure('{"openapi": "3.0.0", "paths": {')).where).toBe('line 1, column 32');
    expect((await failure('[' + '['.repeat(100_000))).where).toBe('line 1, column 100002');
  });

  it('says what is wrong with a document that is not OpenAPI', async () => {
    expect((await failure('[1, 2]')).message).toMatch(/top level is an array/);
    expect((await failure('hello: world')).where).toBe('#/');
    expect((await failure('swagger: "1.2"\npaths: {}')).message).toMatch(/Swagger version 1\.2 is not supported/);
    expect((await failure('openapi: 4.0.0\npaths: {}')).where).toBe('#/openapi');
    expect((await failure('openapi: 3.1.0\npaths: 12')).where).toBe('#/paths');
    expect((await failure('openapi: 3.0.0\ninfo: {title: x}')).message).toMatch(/documents no paths/);
    expect((await failure('   \n')).message).toMatch(/empty/);
  });

  it('refuses alias bombs', async () => {
    const bomb = ['openapi: 3.0.0', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    bomb.push('paths: {}');
    expect((await failure(bomb.join('\n'))).message).toMatch(/not valid YAML/);
  });

  it('never follows $refs out of the document, and warns where one was left', async () => {
    const text = `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: x
          content:
            application/json:
              schema: {$ref: '/etc/passwd'}
  /b:
    get:
      parameters: [{$ref: 'http://127.0.0.1:9/params.yaml#/id'}]
      responses: {'200': {description: x, content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}}}
`;
    const { spec } = await loadSpec(text, 'refs.yaml');
    expect(spec.operations).toHaveLength(2);
    expect(spec.warnings.join('\n')).toMatch(/external \$ref "\/etc\/passwd" is not followed \(at #\/paths\/~1a\/get\/responses\/200\/content\/application~1json\/schema\)/);
    expect(spec.warnings.join('\n')).toMatch(/Missing \$ref pointer "#\/components\/schemas\/Missing".*\(at #\/paths\/~1b/);
  });

  it('reads files with clear errors for missing, binary and directory paths', () => {
    expect(() => readSpecFile(join(dir, 'nope.yaml'))).toThrow(/cannot read spec .*nope\.yaml: ENOENT/);
    expect(() => readSpecFile(dir)).toThrow(/is not a file/);
    const bin = join(dir, 'x.bin');
    writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
    expect(() => readSpecFile(bin)).toThrow(/binary/);
  });
});
