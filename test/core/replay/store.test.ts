import { afterEach, describe, expect, it } from 'vitest';
import { addScope, listScope, removeScope } from '../../../src/core/replay/store.ts';
import { makeWorkspace, type TestWorkspace } from '../../helpers/workspace.ts';

let ws: TestWorkspace | undefined;
afterEach(() => ws?.db.close());

describe('replay scope store', () => {
  it('lists entries in the order they were added, even when added in the same millisecond', () => {
    ws = makeWorkspace([]);
    const now = 1_700_000_000_000;
    expect(addScope(ws.db, 'zeta.example', now)).toEqual(['loopback', 'zeta.example']);
    expect(addScope(ws.db, '*.alpha.example', now)).toEqual(['loopback', 'zeta.example', '*.alpha.example']);
    // Adding an entry again keeps its place; removing and re-adding moves it to the end.
    expect(addScope(ws.db, 'ZETA.example', now + 1)).toEqual(['loopback', 'zeta.example', '*.alpha.example']);
    removeScope(ws.db, 'loopback');
    expect(addScope(ws.db, 'loopback', now)).toEqual(['zeta.example', '*.alpha.example', 'loopback']);
    expect(listScope(ws.db)).toEqual(['zeta.example', '*.alpha.example', 'loopback']);
  });
});
