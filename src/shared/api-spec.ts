/**
 * The spec slice of the Api (composed into src/shared/api.ts): the OpenAPI 3.1 document rebuilt
 * from the workspace's traffic, and the traffic judged against a published spec (shadow, zombie,
 * orphan, undocumented parameters and fields, type mismatches). A spec loaded here, or with
 * `cartograph diff --spec` / `detect --spec`, is remembered by the workspace.
 *
 * The diff vocabulary is defined here, where both the engine (src/core/inventory/diff) and the
 * renderer can import it; `cartograph diff --json` prints the same DiffResult.
 */
import { z } from 'zod';

/**
 * shadow: served, not documented. zombie: documented as deprecated, or a superseded version (/v1
 * when /v2 exists), still served. orphan: documented, never seen. undocumented-param /
 * undocumented-field: a query parameter or body field the spec does not list. type-mismatch: a
 * value of another type than the documented one.
 */
export const DIFF_CLASSES = ['shadow', 'zombie', 'orphan', 'undocumented-param', 'undocumented-field', 'type-mismatch'] as const;
export type DiffClass = (typeof DIFF_CLASSES)[number];

export const DIFF_LOCATIONS = ['path', 'query', 'request-body', 'response-body'] as const;
export type DiffLocation = (typeof DIFF_LOCATIONS)[number];

export interface DiffItem {
  class: DiffClass;
  /** Host the traffic went to; null for orphans (never seen). */
  host: string | null;
  method: string;
  /** Observed path template (shadow) or the documented one, server base path included. */
  path: string;
  /** The documented path this item is judged against (the key under `paths`), if any. */
  specPath: string | null;
  location: DiffLocation | null;
  /** Parameter name, or body field path such as `items[].price`. */
  name: string | null;
  /** Documented type(s), e.g. `integer` or `string|null`, for type mismatches. */
  expected: string | null;
  /** Observed type for type mismatches. */
  observed: string | null;
  /** One human sentence on why. */
  reason: string;
  /** Exchanges that showed it (0 for orphans). */
  count: number;
  /** A few of them (at most 20), oldest first. */
  requestIds: number[];
  /** Filter-language expression selecting this item's traffic in the traffic view (null for orphans). */
  filter: string | null;
}

export interface DiffSpecInfo {
  source: string;
  title: string;
  version: string;
  openapi: string;
  operations: number;
}

export interface DiffResult {
  spec: DiffSpecInfo;
  /** Exchanges read from the workspace. */
  exchanges: number;
  /** Of those, exchanges that fell under a documented operation. */
  matched: number;
  /** Undocumented exchanges not judged: static assets, CORS preflights, other hosts. */
  ignored: number;
  /** Undocumented requests the server did not serve (only 404/405/410/5xx): probes, not shadow APIs. */
  notServed: number;
  counts: Record<DiffClass, number>;
  items: DiffItem[];
  /** Problems in the spec that did not stop the diff (unresolvable $refs…). */
  warnings: string[];
  seconds: number;
}

export interface RememberedSpecInfo {
  name: string;
  /** Epoch ms when it was loaded. */
  loadedAt: number;
  title: string;
  version: string;
  openapi: string;
  operations: number;
}

/** Where a spec comes from: pasted text, a local path (desktop), an upload (web mode), or the remembered one. */
const specSource = z.union([
  z.object({ text: z.string().min(1).max(900_000), name: z.string().min(1).max(512).default('pasted spec') }).strict(),
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z.object({ uploadId: z.string().regex(/^[a-f0-9]{32}$/), name: z.string().min(1).max(512) }).strict(),
  z.object({ remembered: z.literal(true) }).strict(),
]);
export type SpecSource = z.input<typeof specSource>;

export const specInputs = {
  'spec.export': z.object({ host: z.string().min(1).max(1024).optional(), format: z.enum(['json', 'yaml']).default('yaml') }).strict(),
  'spec.diff': z.object({ source: specSource, host: z.string().min(1).max(1024).optional() }).strict(),
  'spec.remembered': z.object({}).strict(),
} as const;

export interface SpecResults {
  /** The document as text in the requested format, and what it holds. */
  'spec.export': { text: string; paths: number; operations: number; hosts: string[] };
  'spec.diff': DiffResult;
  'spec.remembered': RememberedSpecInfo | null;
}
