/**
 * Real traffic and spec pairs from the shared data: the VAmPI and crAPI Postman collections
 * (imported as traffic) against those projects' own OpenAPI documents.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shared } from '../../../helpers/paths.ts';
import { tempDir } from '../../../helpers/tmp.ts';
import { openWorkspace, type Db } from '../../../../src/core/store/db.ts';
import { registerQueryFunctions } from '../../../../src/core/query/index.ts';
import { importFile } from '../../../../src/core/ingest/import.ts';
import { loadSpec } from '../../../../src/core/inventory/openapi/load.ts';
import { diffTraffic } from '../../../../src/core/inventory/diff/diff.ts';

const dir = tempDir();

async function pair(traffic: string, specFile: string) {
  const db: Db = openWorkspace(join(dir, `${Math.random().toString(36).slice(2)}.sqlite`), { create: true });
  registerQueryFunctions(db);
  await importFile(db, { path: shared(traffic) });
  const { spec } = await loadSpec(readFileSync(shared(specFile), 'utf8'), specFile);
  const r = diffTraffic(db, spec);
  db.close();
  return r;
}

describe('real collections against their published specs', () => {
  it('VAmPI: every request documented, and the mass-assignable "admin" field on register found', async () => {
    const r = await pair('proxy/erev0s__VAmPI/VAmPI.postman_collection.json', 'openapi/erev0s__VAmPI/openapi3.yml');
    expect(r).toMatchObject({ exchanges: 15, matched: 15, notServed: 0 });
    expect(r.counts).toMatchObject({ shadow: 0, zombie: 0, orphan: 0, 'undocumented-param': 0 });
    expect(r.items.filter((i) => i.class === 'undocumented-field').map((i) => `${i.method} ${i.path} ${i.location} ${i.name}`)).toEqual(['POST /users/v1/register request-body admin']);
  });

  it('crAPI: Postman placeholders are not type mismatches; undocumented paging parameters are found', async () => {
    const r = await pair('proxy/OWASP__crAPI/crAPI.postman_collection.json', 'openapi/OWASP__crAPI/crapi-openapi-spec.json');
    expect(r.exchanges).toBe(49);
    expect(r.matched).toBe(43);
    // The collection holds requests only: undocumented ones were never answered, so they are not shadow APIs.
    expect(r.counts.shadow).toBe(0);
    expect(r.notServed).toBe(6);
    expect(r.items.filter((i) => i.class === 'undocumented-param').map((i) => `${i.path} ${i.name}`).sort()).toEqual(['/workshop/api/shop/products limit', '/workshop/api/shop/products offset']);
    expect(r.items.filter((i) => i.class === 'type-mismatch' && i.location !== 'request-body')).toEqual([]);
    expect(r.items.find((i) => i.class === 'type-mismatch')).toMatchObject({ path: '/workshop/api/shop/products', name: 'price', expected: 'string', observed: 'integer' });
    expect(r.counts.orphan).toBe(10);
  });
});
