/**
 * The export slice of the Api (src/shared/api-export.ts): HAR exports of a traffic selection.
 * Without a target path the file goes to <userData>/exports under a generated name that the web
 * mode's download route serves (names are checked against EXPORT_NAME there: no paths).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api.ts';
import type { ExportResults, exportInputs } from '../../../shared/api-export.ts';
import { exportHarFile, findingExchangeIds } from '../../export/har.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

/** The only file names the download route hands out. */
export const EXPORT_NAME = /^cartograph-\d{8}T\d{6}Z-[a-f0-9]{6}\.har$/;

export function exportsDir(userDataDir: string): string {
  return join(userDataDir, 'exports');
}

function exportName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `cartograph-${stamp}-${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}.har`;
}

export function exportHandlers(ctx: ServiceContext): FeatureHandlers<typeof exportInputs, ExportResults> {
  return {
    'export.har': async ({ filter, findingId, ids, keepSecrets, path }) => {
      const db = ctx.db();
      const selection = findingId !== undefined ? { ids: findingExchangeIds(db, findingId) } : ids !== undefined ? { ids } : { filter };
      let target: string;
      let download: string | null = null;
      if (path !== undefined) target = resolve(path);
      else {
        const dir = exportsDir(ctx.userDataDir);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        download = exportName(new Date());
        target = join(dir, download);
      }
      try {
        const r = await exportHarFile(db, target, { ...selection, keepSecrets: keepSecrets === true });
        return { ...r, path: target, download };
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError('bad-input', `cannot write ${target}: ${(err as Error).message}`);
      }
    },
  };
}
