/** docs/filter-language.md is what users read: its examples must parse and its errors must be real. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFilter, compileFilter } from '../../../src/core/query/index.ts';
import { ROOT } from '../../helpers/paths.ts';

const doc = readFileSync(resolve(ROOT, 'docs/filter-language.md'), 'utf8');
const blocks = [...doc.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1].split('\n').filter((l) => l.trim() !== ''));
const errorsSection = doc.slice(doc.indexOf('## Errors'));
const errorBlock = /```text\n([\s\S]*?)```/.exec(errorsSection)![1].split('\n').filter(Boolean);
/** Example lines are `expression   comment`; the comment is separated by 3+ spaces. */
const expression = (line: string): string => line.split(/\s{3,}/)[0].trim();

describe('docs/filter-language.md', () => {
  it('has examples and an error table', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(errorBlock.length).toBeGreaterThanOrEqual(5);
  });

  it('every example outside the error table compiles', () => {
    for (const block of blocks) {
      if (block.join('\n') === errorBlock.join('\n')) continue;
      for (const line of block) expect([line, checkFilter(expression(line))]).toEqual([line, { ok: true }]);
    }
  });

  it('every documented error is the one the parser gives', () => {
    for (const line of errorBlock) {
      const [expr, message] = line.split(/\s{3,}/);
      expect(() => compileFilter(expr.trim())).toThrow(message.trim());
      const r = checkFilter(expr.trim());
      expect(r.ok).toBe(false);
    }
  });

  it('inline examples in the operator table compile', () => {
    const table = doc.slice(doc.indexOf('### Operators'), doc.indexOf('### Values'));
    const examples = [...table.matchAll(/\| `([^`|]+)`(?:, `([^`|]+)`)*(?:, `([^`|]+)`)? \|\n/g)].flatMap((m) => m.slice(1).filter(Boolean));
    expect(examples.length).toBeGreaterThanOrEqual(10);
    for (const e of examples) expect([e, checkFilter(e)]).toEqual([e, { ok: true }]);
  });
});
