/**
 * The export slice of the Api (composed into src/shared/api.ts): a selection of traffic (a filter
 * expression, a finding's evidence, or exact ids) written as HAR 1.2, secrets redacted unless
 * `keepSecrets` is set. With `path` the file is written there (desktop save dialog); without,
 * it goes to the service's exports folder and `download` names it for the web mode's
 * GET /api/download/<name>.
 */
import { z } from 'zod';

export const exportInputs = {
  'export.har': z
    .object({
      filter: z.string().max(10_000).optional(),
      findingId: z.string().min(1).max(200).optional(),
      ids: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
      keepSecrets: z.boolean().optional(),
      path: z.string().min(1).max(4096).optional(),
    })
    .strict()
    .refine((v) => [v.filter, v.findingId, v.ids].filter((x) => x !== undefined).length <= 1, { message: 'give at most one of filter, findingId, ids' }),
} as const;

export interface HarExportInfo {
  entries: number;
  bytes: number;
  redacted: boolean;
  /** Where the file was written. */
  path: string;
  /** File name under the exports folder, for the web mode's download route; null when `path` was given. */
  download: string | null;
}

export interface ExportResults {
  'export.har': HarExportInfo;
}
