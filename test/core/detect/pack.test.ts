import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPack, builtinRulesDir, loadRulePack, parseDuration, parseRuleFile, RulePackError } from '../../../src/core/detect/pack.ts';
import { CATEGORIES } from '../../../src/core/detect/types.ts';

const MINIMAL = `id: test.rule
kind: match
category: injection
title: T
severity: low
confidence: 0.5
evidence: "{count}"
match:
  field: method
  equals: GET
`;

function error(text: string, source = 'rules/x.yaml'): string {
  try {
    parseRuleFile(text, source);
  } catch (err) {
    expect(err).toBeInstanceOf(RulePackError);
    return (err as Error).message;
  }
  throw new Error('expected a RulePackError');
}

describe('rule packs', () => {
  it('the built-in pack loads, covers every category, and documents every rule', () => {
    const pack = builtinPack();
    const categories = new Set(pack.rules.map((r) => r.category));
    for (const c of Object.keys(CATEGORIES)) expect(categories, c).toContain(c);
    for (const r of pack.rules) {
      expect(r.doc, `${r.id} has no .md`).toBeDefined();
      expect(r.doc).toMatch(/\*\*What\.\*\*/);
      expect(r.doc).toMatch(/\*\*(?:Tune|How)\.\*\*/);
      expect(r.source.startsWith(builtinRulesDir())).toBe(true);
    }
  });

  it('rule ids match their files', () => {
    for (const r of builtinPack().rules) {
      const [category, name] = r.id.split('.');
      expect(r.source.endsWith(join(r.category, `${name}.yaml`)) || r.id.startsWith(category), r.id).toBe(true);
    }
  });

  it('parses durations', () => {
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('1.5h', 'x')).toBe(5_400_000);
    expect(parseDuration(250, 'x')).toBe(250);
    expect(() => parseDuration('soon', 'x')).toThrow(/bad duration/);
  });

  it('errors name the file, the rule and the field', () => {
    expect(error(MINIMAL.replace('severity: low', 'severity: severe'))).toMatch(/^rules\/x\.yaml: rule test\.rule: \/severity: must be one of low, medium, high, critical/);
    expect(error(MINIMAL.replace('field: method', 'field: methd'))).toMatch(/rules\/x\.yaml: rule test\.rule: \/match\/field: unknown field "methd"/);
    expect(error(MINIMAL.replace('equals: GET', 'regex: "(unclosed"'))).toMatch(/rule test\.rule: \/match\/regex: Invalid regular expression/);
    expect(error(MINIMAL.replace('kind: match', 'kind: window'))).toMatch(/rule test\.rule: .*(match|key|threshold|window)/);
    expect(error(`${MINIMAL}bogus: 1\n`)).toMatch(/rule test\.rule: \/: property "bogus" is not allowed/);
    expect(error(MINIMAL.replace('  field: method\n  equals: GET', '  signature: nope'))).toMatch(/\/match\/signature: unknown signature library "nope"/);
    expect(error('id: [unclosed')).toMatch(/^rules\/x\.yaml: not valid YAML/);
    expect(error(`rules:\n  - ${MINIMAL.trim().split('\n').join('\n    ')}\n  - id: second.rule\n    kind: match\n`)).toMatch(/rule second\.rule: \/: must have required property/);
    expect(error(MINIMAL.replace('id: test.rule', 'id: Bad Id'))).toMatch(/rule Bad Id: \/id: must match pattern/);
  });

  it('window rules need the fields their thresholds count', () => {
    const w = `id: w.rule\nkind: window\ncategory: scanner\ntitle: W\nseverity: low\nconfidence: 0.5\nevidence: x\nkey: [actor]\nwindow: 1m\nthreshold:\n  distinct: 3\n`;
    expect(error(w)).toMatch(/rule w\.rule: \/threshold\/distinct: needs a 'distinct' field/);
    expect(parseRuleFile(`${w}distinct: path\n`, 'w.yaml')[0]).toMatchObject({ kind: 'window', windowMs: 60_000, distinctOf: 'path' });
  });

  it('directories load recursively, refuse duplicates and report unreadable paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'a.yaml'), MINIMAL);
    writeFileSync(join(dir, 'a.md'), '# a\n**What.** x');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const pack = loadRulePack(dir);
    expect(pack.rules.map((r) => r.id)).toEqual(['test.rule']);
    expect(pack.rules[0].doc).toContain('**What.**');
    writeFileSync(join(dir, 'b.yml'), MINIMAL);
    expect(() => loadRulePack(dir)).toThrow(/b\.yml: rule test\.rule: \/id: duplicate of the rule in .*a\.yaml/);
    expect(() => loadRulePack(join(dir, 'missing'))).toThrow(/cannot read rules at .*missing: ENOENT/);
    const empty = mkdtempSync(join(tmpdir(), 'rules-empty-'));
    expect(() => loadRulePack(empty)).toThrow(/no rule files/);
    const huge = mkdtempSync(join(tmpdir(), 'rules-huge-'));
    writeFileSync(join(huge, 'big.yaml'), `${MINIMAL}description: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
    expect(() => loadRulePack(huge)).toThrow(/big\.yaml: rule file is \d+ bytes/);
  });

  it('the published schema file is the one the loader validates with', () => {
    const schema = JSON.parse(readFileSync(join(builtinRulesDir(), '../schemas/rule-pack.schema.json'), 'utf8'));
    expect(schema.$schema).toMatch(/draft-07/);
    expect(existsSync(join(builtinRulesDir(), '../schemas/rule-pack.schema.json'))).toBe(true);
  });
});
