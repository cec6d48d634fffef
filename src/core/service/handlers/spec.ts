/**
 * The spec slice of the Api (src/shared/api-spec.ts) over the open workspace: the OpenAPI 3.1
 * export, and the diff against a published spec given as pasted text, a local path (desktop), an
 * upload (web mode) or the one the workspace remembers. Both run inline in the service worker,
 * already off the UI thread; body sampling keeps them bounded on big workspaces.
 */
import type { z } from 'zod';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ApiError } from '../../../shared/api.ts';
import type { SpecResults, specInputs } from '../../../shared/api-spec.ts';
import { buildOpenApi } from '../../inventory/openapi/build.ts';
import { readSpecFile } from '../../inventory/openapi/file.ts';
import { SpecError } from '../../inventory/openapi/load.ts';
import { diffWorkspace, NoSpecError } from '../../inventory/diff/run.ts';
import { rememberedSpecInfo } from '../../inventory/diff/remember.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

type Source = z.output<(typeof specInputs)['spec.diff']>['source'];

function specText(ctx: ServiceContext, source: Source): { name: string; text: string } | null {
  if ('remembered' in source) return null;
  if ('text' in source) return { name: source.name, text: source.text };
  if ('path' in source) return readSpecFile(resolve(source.path));
  const up = ctx.takeUpload(source.uploadId);
  if (!up) throw new ApiError('not-found', `unknown upload ${source.uploadId}`);
  try {
    return readSpecFile(up.path, source.name);
  } finally {
    rmSync(up.path, { force: true });
  }
}

export function specHandlers(ctx: ServiceContext): FeatureHandlers<typeof specInputs, SpecResults> {
  return {
    'spec.export': ({ host, format }) => {
      const built = buildOpenApi(ctx.db(), { host });
      const text = format === 'json' ? `${JSON.stringify(built.document, null, 2)}\n` : toYaml(built.document, { aliasDuplicateObjects: false, lineWidth: 0 });
      return { text, paths: built.paths, operations: built.operations, hosts: built.hosts };
    },
    'spec.diff': async ({ source, host }) => {
      try {
        const given = specText(ctx, source);
        const result = await diffWorkspace(ctx.db(), given, { host });
        if (given) ctx.changed('meta');
        return result;
      } catch (err) {
        if (err instanceof NoSpecError) throw new ApiError('not-found', err.message);
        if (err instanceof SpecError) throw new ApiError('bad-input', err.message);
        throw err;
      }
    },
    'spec.remembered': () => rememberedSpecInfo(ctx.db()),
  };
}
