/** The import-dialog slice of the Api (src/shared/api-ingest.ts): format detection and preview. */
import { ApiError } from '../../../shared/api.ts';
import type { IngestResults, ingestInputs } from '../../../shared/api-ingest.ts';
import { FormatError } from '../../ingest/registry.ts';
import { previewHead, readFileHead } from '../../ingest/preview.ts';
import { ReadError } from '../../ingest/reader.ts';
import { readHeadSync, withSavedMapping } from '../../ingest/formats/logs/mappings.ts';
import type { Db } from '../../store/db.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

/** Import format and options with the workspace's saved JSON-lines field mapping applied (or a given one saved). */
export function importOptions(
  db: Db,
  paths: readonly string[],
  format: string | undefined,
  options: Record<string, string> | undefined,
): { format: string | undefined; options: Record<string, string> | undefined } {
  try {
    return withSavedMapping(db, paths.map(readHeadSync), format, options);
  } catch (err) {
    if (err instanceof ReadError) throw new ApiError('bad-input', err.message);
    throw err;
  }
}

export function ingestHandlers(ctx: ServiceContext): FeatureHandlers<typeof ingestInputs, IngestResults> {
  return {
    'formats.sniff': async ({ name, path, head, size, format, options, limit }) => {
      let bytes: Uint8Array;
      let total = size ?? null;
      try {
        if (path !== undefined) {
          const raw = await readFileHead(path);
          bytes = raw.head;
          total = raw.size;
        } else bytes = Buffer.from(head ?? '', 'base64');
        // A preview uses a saved mapping but saves none; the import saves the one it is given.
        let use: ReturnType<typeof withSavedMapping> = { format, options };
        try {
          use = withSavedMapping(ctx.db(), [bytes], format, options, false);
        } catch (err) {
          // An invalid mapping: the reader reports it as the preview's error.
          if (!(err instanceof ReadError)) throw err;
        }
        const preview = await previewHead(name, bytes, { format: use.format, options: use.options, limit, size: total });
        const saved = use.options?.['mapping'];
        return saved !== undefined && saved !== options?.['mapping'] ? { ...preview, savedMapping: saved } : preview;
      } catch (err) {
        if (err instanceof FormatError) throw new ApiError('bad-input', err.message);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('not-found', `no such file: ${path}`);
        throw err;
      }
    },
  };
}
