import { describe, expect, it } from 'vitest';
import { jsonLeaves } from '../../../src/core/detect/fields.ts';

type Leaf = [path: string, key: string, value: string | number | boolean | null];

const leaves = (doc: unknown): Leaf[] => {
  const out: Leaf[] = [];
  jsonLeaves(doc, (path, key, value) => out.push([path, key, value]));
  return out;
};

describe('jsonLeaves', () => {
  it('names every leaf by its dotted path and last segment, array items by their parent with []', () => {
    const doc = { 'a.b': 1, '': 'e', x: { '': 'y', 'p.q': [1, [2, 'z']] }, tags: ['t1', { id: 7 }], n: null };
    expect(leaves(doc)).toEqual([
      ['a.b', 'b', 1],
      ['', '', 'e'],
      ['x', 'x', '\u0000object'],
      ['x.', '', 'y'],
      ['x.p.q', 'p.q', '\u0000object'],
      ['x.p.q[]', 'q[]', 1],
      ['x.p.q[][]', 'q[][]', 2],
      ['x.p.q[][]', 'q[][]', 'z'],
      ['tags', 'tags', '\u0000object'],
      ['tags[]', 'tags[]', 't1'],
      ['tags[].id', 'id', 7],
      ['n', 'n', null],
    ]);
    expect(leaves([['deep']])).toEqual([['[][]', '[][]', 'deep']]);
    expect(leaves('s')).toEqual([['', '', 's']]);
  });

  it('stops after 5,000 nodes and 32 levels (hostile bodies cost a bounded walk)', () => {
    expect(leaves(Array.from({ length: 9000 }, (_, i) => i))).toHaveLength(4999);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = { k: deep };
    expect(leaves(deep).filter(([, , v]) => v === 'bottom')).toHaveLength(0);
  });
});
