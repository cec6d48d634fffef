/**
 * Exported documents from real third-party captures (har-to-openapi's fixtures, the JupiterOne Okta
 * recording): valid for both validators, every method kept, auth schemes recognised.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { shared } from '../../../helpers/paths.ts';
import { tempDir } from '../../../helpers/tmp.ts';
import { openWorkspace, type Db } from '../../../../src/core/store/db.ts';
import { registerQueryFunctions } from '../../../../src/core/query/index.ts';
import { importFile } from '../../../../src/core/ingest/import.ts';
import { buildOpenApi } from '../../../../src/core/inventory/openapi/build.ts';
import { oas, openApiProblems } from './validate.ts';

const dir = tempDir();

async function workspaceOf(file: string): Promise<Db> {
  const db = openWorkspace(join(dir, `${Math.random().toString(36).slice(2)}.sqlite`), { create: true });
  registerQueryFunctions(db);
  await importFile(db, { path: file });
  return db;
}

describe('other real captures', () => {
  it('every method and status of har-to-openapi\'s request generator capture', async () => {
    const db = await workspaceOf(shared('har/jonluca__har-to-openapi/request-generator-all-status-and-method.har'));
    const built = buildOpenApi(db);
    expect(built.operations).toBeGreaterThan(5);
    expect(await openApiProblems(built.document)).toEqual([]);
    const methods = new Set(Object.values(built.document.paths).flatMap((item) => Object.keys(item)));
    expect(methods).toEqual(new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']));
    db.close();
  });

  it('the Okta management API recording and the auth-variants capture', async () => {
    for (const file of [shared('har/JupiterOne__graph-okta/steps_741716276/recording.har'), shared('har/jonluca__har-to-openapi/auth-variants.har')]) {
      const db = await workspaceOf(file);
      const built = buildOpenApi(db);
      expect(built.operations, file).toBeGreaterThan(0);
      expect(await openApiProblems(built.document), file).toEqual([]);
      db.close();
    }
    const db = await workspaceOf(shared('har/jonluca__har-to-openapi/auth-variants.har'));
    const schemes = oas(buildOpenApi(db).document).components?.securitySchemes ?? {};
    expect(Object.values(schemes).map((s) => `${String(s.type)}:${String(s.scheme ?? s.in)}`).sort()).toEqual(expect.arrayContaining(['http:basic', 'http:bearer', 'apiKey:header']));
    db.close();
  });
});

