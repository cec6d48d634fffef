/** The import-dialog slice of the Api (src/shared/api-ingest.ts): format detection and preview. */
import { ApiError } from '../../../shared/api.ts';
import type { IngestResults, ingestInputs } from '../../../shared/api-ingest.ts';
import { FormatError } from '../../ingest/registry.ts';
import { previewHead, readFileHead } from '../../ingest/preview.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

export function ingestHandlers(_ctx: ServiceContext): FeatureHandlers<typeof ingestInputs, IngestResults> {
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
        return await previewHead(name, bytes, { format, options, limit, size: total });
      } catch (err) {
        if (err instanceof FormatError) throw new ApiError('bad-input', err.message);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('not-found', `no such file: ${path}`);
        throw err;
      }
    },
  };
}
