import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SchemaChecker, schemaHints, type JsonSchema } from '../../../../src/renderer/src/views/rules/schemaCheck.ts';

const RESOURCES = join(import.meta.dirname, '../../../../resources');
const schema = JSON.parse(readFileSync(join(RESOURCES, 'schemas/rule-pack.schema.json'), 'utf8')) as JsonSchema;
const checker = new SchemaChecker(schema);

function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? ruleFiles(join(dir, d.name)) : /\.ya?ml$/.test(d.name) ? [join(dir, d.name)] : []));
}

const base = { id: 'custom.test', kind: 'match', category: 'injection', title: 'T', severity: 'high', confidence: 0.5, evidence: '{count} from {actor}' };

describe('SchemaChecker on the published rule-pack schema', () => {
  it('accepts every built-in rule', () => {
    const files = ruleFiles(join(RESOURCES, 'rules'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect({ f, issues: checker.check(parse(readFileSync(f, 'utf8'))) }).toEqual({ f, issues: [] });
  });

  it('names a missing required property and a bad enum value, at their paths', () => {
    const issues = checker.check({ ...base, severity: 'huge', match: { field: 'path', contains: 'x' }, confidence: undefined });
    expect(issues).toContainEqual({ path: ['severity'], message: '"huge" is not one of: low, medium, high, critical' });
    expect(issues.map((i) => i.message)).toContain('expected number, found undefined');
  });

  it('reports properties a kind does not take, pointing at the key', () => {
    const issues = checker.check({ ...base, match: { field: 'path', contains: 'x' }, window: '1m' });
    expect(issues).toEqual([expect.objectContaining({ path: ['window'], atKey: true, message: expect.stringContaining('property "window" is not allowed here') })]);
  });

  it('explains predicates: an operator is needed, combinators do not mix', () => {
    expect(checker.check({ ...base, match: { field: 'path' } })).toEqual([{ path: ['match'], message: expect.stringMatching(/^needs one of: equals, in, regex/) }]);
    const mixed = checker.check({ ...base, match: { field: 'path', contains: 'a', all: [{ field: 'host', equals: 'h' }] } });
    expect(mixed).toContainEqual({ path: ['match'], message: '"all" cannot be combined with "field"' });
    expect(checker.check({ ...base, match: { all: [{ field: 'q', regex: 1 }] } })).toContainEqual({ path: ['match', 'all', 0, 'regex'], message: 'expected string, found 1' });
  });

  it('checks a pack of rules under `rules`', () => {
    expect(checker.check({ name: 'p', rules: [{ ...base, match: { signature: 'sqli' } }] })).toEqual([]);
    expect(checker.check({ name: 'p', rules: [{ ...base, id: 'NoDots', match: { signature: 'sqli' } }] })).toEqual([{ path: ['rules', 0, 'id'], message: expect.stringContaining('does not match the pattern') }]);
  });
});

describe('schemaHints', () => {
  it('reads property names and allowed values from the schema', () => {
    const h = schemaHints(schema);
    expect(h.props.rule).toEqual(expect.arrayContaining(['id', 'kind', 'category', 'match', 'threshold', 'bucket']));
    expect(h.props.predicate).toEqual(expect.arrayContaining(['all', 'any', 'not', 'field', 'regex', 'signature', 'targets']));
    expect(h.props.threshold).toEqual(expect.arrayContaining(['count', 'distinct', 'ratio']));
    expect(h.values.kind).toEqual(['match', 'window', 'behaviour']);
    expect(h.values.category).toContain('credential-stuffing');
    expect(h.values.targets).toContain('response.body');
    expect(h.values.key).toEqual(expect.arrayContaining(['actor', 'endpoint']));
    expect(h.predicateKeys).toEqual(expect.arrayContaining(['match', 'filter', 'ratio', 'all', 'any', 'not']));
  });
});
