/**
 * The import-dialog slice of the Api (composed into src/shared/api.ts): which formats claim a
 * chosen file and what its first records look like, read from the file's first 64 KiB, before
 * the import starts. In web mode the browser sends that head itself (base64); with a path (the
 * desktop app) the service reads it.
 */
import { z } from 'zod';

/** 64 KiB of raw file bytes as base64, with room for padding. */
const HEAD_BASE64_MAX = Math.ceil((64 * 1024) / 3) * 4 + 4;

export const ingestInputs = {
  'formats.sniff': z
    .object({
      name: z.string().min(1).max(512),
      path: z.string().min(1).max(4096).optional(),
      head: z.base64().max(HEAD_BASE64_MAX).optional(),
      /** The whole file's size, when known (a head shorter than it is a cut preview). */
      size: z.number().int().nonnegative().optional(),
      format: z.string().max(64).optional(),
      options: z.record(z.string().max(64), z.string().max(10_000)).optional(),
      limit: z.number().int().min(1).max(100).optional(),
    })
    .strict()
    .refine((v) => (v.path === undefined) !== (v.head === undefined), { message: 'give either path or head' }),
} as const;

export type PreviewRecord =
  | { index: number; kind: 'exchange'; time: string | null; method: string; url: string; status: number | null; clientIp: string | null; contentType: string | null }
  | { index: number; kind: 'skip'; at: string; message: string };

export interface FormatPreview {
  file: string;
  compression: 'none' | 'gzip' | 'zlib';
  /** 'zip' when the file is an archive of captures: each member is detected when imported. */
  container: 'zip' | null;
  /** Formats that claim the content, most confident first. */
  candidates: { id: string; label: string; confidence: number }[];
  /** The format the records were read with (forced or the best candidate); null when none. */
  format: string | null;
  records: PreviewRecord[];
  /** Why the preview could not be read (a wrong forced format, a bad log format string…). */
  error: string | null;
  /** True when only the file's head was read. */
  partial: boolean;
  /** The workspace's saved JSON-lines field mapping this preview used, when none was given. */
  savedMapping?: string;
}

export interface IngestResults {
  'formats.sniff': FormatPreview;
}
