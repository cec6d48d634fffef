import { describe, expect, it } from 'vitest';
import { enclosingKeys, siblingKeys } from '../../../../src/renderer/src/views/rules/yamlContext.ts';

const RULE = `id: custom.x
kind: match
match:
  all:
    - field: path
      contains: /admin
    - not:
        field: status

bucket:
  capacity: 5
`.split('\n');

describe('enclosingKeys', () => {
  it('reads the enclosing keys from indentation', () => {
    expect(enclosingKeys(RULE, 2)).toEqual({ keys: [], inList: false });
    expect(enclosingKeys(RULE, 4)).toEqual({ keys: ['match'], inList: false });
    expect(enclosingKeys(RULE, 6)).toEqual({ keys: ['match', 'all'], inList: true });
    expect(enclosingKeys(RULE, 5)).toEqual({ keys: ['match', 'all'], inList: true });
    expect(enclosingKeys(RULE, 8)).toEqual({ keys: ['match', 'all', 'not'], inList: false });
    expect(enclosingKeys(RULE, 11)).toEqual({ keys: ['bucket'], inList: false });
  });
});

describe('siblingKeys', () => {
  it('lists the keys the mapping already has, within one list item', () => {
    // The cursor's own line is not a sibling: its key may be what is being typed.
    expect([...siblingKeys(RULE, 2, 0)].sort()).toEqual(['bucket', 'id', 'match']);
    expect([...siblingKeys(RULE, 6, 6)]).toEqual(['field']);
    expect([...siblingKeys(RULE, 5, 6)]).toEqual(['contains']);
    expect([...siblingKeys(RULE, 12, 2)]).toEqual(['capacity']);
  });
});
