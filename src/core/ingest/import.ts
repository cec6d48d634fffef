/**
 * Imports one file into a workspace: hash it (the same content twice adds nothing), sniff its
 * format, stream its records through the reader into the batched writer, and record provenance
 * (source file, sha256, entry index) and the outcome. A fatal read error keeps what came before it.
 */
import { createReadStream, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Db } from '../store/db.ts';
import { ExchangeWriter, RowPreparer } from '../store/writer.ts';
import { beginBulkLoad, createSortIndexes } from '../store/sort-indexes.ts';
import type { FileImportResult, JobProgress } from '../../shared/api.ts';
import { openInput } from './open.ts';
import type { OpenedInput } from './open.ts';
import { detectFormat, FormatError } from './registry.ts';
import { isZip, isZipShapedCapture, openZip } from './zip.ts';
import type { OpenedZip } from './zip.ts';
import { fatalMessage, readBatches, startParseWorker } from './pipeline.ts';

export const MAX_REPORTED_ERRORS = 1000;

export interface ImportProgress {
  /** 'indexing': the rows are in; the sort indexes a bulk import dropped are being built again. */
  phase: NonNullable<JobProgress['phase']>;
  bytesDone: number;
  bytesTotal: number | null;
  entries: number;
  skipped: number;
}

export interface ImportOptions {
  format?: string;
  options?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?(p: ImportProgress): void;
  /** Milliseconds between progress callbacks. */
  progressEveryMs?: number;
  trustedProxies?: readonly string[];
  /** Files at least this large are parsed in a worker thread while this one writes. */
  pipelineMinBytes?: number;
  /** Entry of the parse worker (the import worker itself, which also serves as parser). */
  parseWorkerUrl?: URL;
  /** Drop the sort indexes during the import and rebuild them after (default: when bulkLoadPays). */
  bulkLoad?: boolean;
}

/** Formats whose large files are parsed in a worker thread while the calling thread writes. */
const PIPELINED_FORMATS = new Set(['har']);
export const PIPELINE_MIN_BYTES = 8 * 1024 * 1024;
export const DEFAULT_PARSE_WORKER = new URL('../workers/import-worker.ts', import.meta.url);
/**
 * Rows per transaction: larger ones make fewer, bigger full-text segments to merge. 100k-entry HAR
 * imports: 2,000 rows 6,849/s, 5,000 (parser 12 batches ahead) 7,382/s at the same 402 MB peak RSS,
 * 10,000 (24 ahead) 7,299/s at 483 MB.
 */
const WRITE_BATCH = 5000;

/**
 * A bulk import (sort indexes dropped, then rebuilt once at the end) needs an input at least this
 * large, and one expected to hold more entries than the workspace already does: the rebuild costs
 * in proportion to every row in the workspace, the saving in proportion to the rows added.
 */
export const BULK_MIN_BYTES = 8 * 1024 * 1024;
/** Input bytes per entry when guessing a file's entry count (~1 KB HAR entries; logs have more entries per byte). */
const BYTES_PER_ENTRY = 1024;

/** Whether dropping the sort indexes for this import and rebuilding them afterwards pays. */
export function bulkLoadPays(db: Db, inputBytes: number | null): boolean {
  if (inputBytes === null || inputBytes < BULK_MIN_BYTES) return false;
  const rows = db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number;
  return rows < inputBytes / BYTES_PER_ENTRY;
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    if (signal?.aborted) throw new Error('cancelled');
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** Sources left 'running' by a killed process become 'partial'; re-importing them resumes. */
export function recoverInterruptedImports(db: Db): number {
  return db.prepare(`UPDATE sources SET status = 'partial', error = coalesce(error, 'import was interrupted'), finished_at = coalesce(finished_at, ?) WHERE status = 'running'`).run(Date.now()).changes;
}

/** Where an import reads from: a file, or a member of a zip archive already opened. */
interface Source {
  name: string;
  path: string;
  /** Set for a zip member: one that is no capture (a README) is skipped, not a failed import. */
  member?: string;
  sha256(): Promise<string>;
  open(): Promise<OpenedInput>;
}

function resultFor(name: string, started: number, errors: FileImportResult['errors']): (fields: Partial<FileImportResult>) => FileImportResult {
  return (fields) => ({
    file: name,
    format: 'unknown',
    imported: 0,
    skipped: 0,
    errors,
    seconds: (performance.now() - started) / 1000,
    fatal: null,
    duplicate: false,
    ...fields,
  });
}

export async function importFile(db: Db, file: { path: string; name?: string }, opts: ImportOptions = {}): Promise<FileImportResult> {
  const name = file.name ?? basename(file.path);
  return importSource(db, { name, path: file.path, sha256: () => sha256File(file.path, opts.signal), open: () => openInput(file.path, name) }, opts);
}

/**
 * Imports a path: a zip archive no reader claims as a whole (a zip of HAR files, logs…) is opened
 * and each member imported as `archive.zip!member`, one result each; any other file is one result.
 */
export async function importPath(db: Db, file: { path: string; name?: string }, opts: ImportOptions = {}): Promise<FileImportResult[]> {
  const name = file.name ?? basename(file.path);
  if (opts.format || !(await isArchiveOfCaptures(file.path, name))) return [await importFile(db, file, opts)];
  const started = performance.now();
  let zip: OpenedZip;
  try {
    zip = await openZip(file.path, statSync(file.path).size);
  } catch (err) {
    return [resultFor(name, started, [])({ format: 'zip', fatal: `not a readable zip archive: ${(err as Error).message} (at zip central directory)` })];
  }
  const results: FileImportResult[] = [];
  try {
    if (zip.members.length === 0) return [resultFor(name, started, [])({ format: 'zip', fatal: 'the zip archive holds no files (at zip central directory)' })];
    for (const member of zip.members) {
      if (opts.signal?.aborted) break;
      const memberName = `${name}!${member.name}`;
      if (member.refused) {
        results.push(resultFor(memberName, performance.now(), [])({ fatal: `${member.refused} (at zip member ${member.name})` }));
        continue;
      }
      const open = (): Promise<OpenedInput> => zip.open(member, memberName);
      const sha256 = async (): Promise<string> => sha256Chunks((await open()).input.chunks(), opts.signal);
      results.push(await importSource(db, { name: memberName, path: `${file.path}!${member.name}`, member: member.name, sha256, open }, opts));
    }
  } finally {
    zip.close();
  }
  return results;
}

/** A zip that is not itself a zip-shaped capture (a Fiddler .saz is read whole by its reader). */
async function isArchiveOfCaptures(path: string, name: string): Promise<boolean> {
  let opened: OpenedInput;
  try {
    opened = await openInput(path, name);
  } catch {
    return false; // importFile reports why the file cannot be read
  }
  if (opened.compression !== 'none' || !isZip(opened.head)) return false;
  let zip: OpenedZip;
  try {
    zip = await openZip(path, statSync(path).size);
  } catch {
    return true; // importPath reports the broken archive
  }
  zip.close();
  return !isZipShapedCapture(zip.members.map((m) => m.name));
}

async function sha256Chunks(chunks: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) {
    if (signal?.aborted) throw new Error('cancelled');
    hash.update(chunk);
  }
  return hash.digest('hex');
}

async function importSource(db: Db, source: Source, opts: ImportOptions): Promise<FileImportResult> {
  const started = performance.now();
  const name = source.name;
  const errors: FileImportResult['errors'] = [];
  const result = resultFor(name, started, errors);

  let opened: OpenedInput | undefined;
  let format: string;
  let sha: string;
  let reader;
  try {
    sha = await source.sha256();
    opened = await source.open();
    reader = detectFormat(opened.head, name, opts.format).reader;
    format = reader.id;
  } catch (err) {
    if (err instanceof FormatError && source.member !== undefined) {
      const what = opened && isZip(opened.head) ? 'a zip inside the zip (not expanded: unpack it first)' : 'not a format Cartograph reads';
      errors.push({ at: `zip member ${source.member}`, message: `${what}; skipped` });
      return result({ skipped: 1 });
    }
    const e = err as Error & { at?: string };
    return result({ fatal: e.message });
  }

  const existing = db.prepare('SELECT id, status FROM sources WHERE sha256 = ?').get(sha) as { id: number; status: string } | undefined;
  if (existing?.status === 'complete') return result({ format, duplicate: true });
  const now = Date.now();
  const sourceId = existing
    ? (db.prepare(`UPDATE sources SET status = 'running', error = NULL, started_at = ?, finished_at = NULL WHERE id = ?`).run(now, existing.id), existing.id)
    : Number(db.prepare(`INSERT INTO sources (name, path, sha256, format, size, status, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?)`).run(name, source.path, sha, format, opened.input.size, now).lastInsertRowid);

  const writer = new ExchangeWriter(db, sourceId, { batchSize: WRITE_BATCH });
  // Fewer, larger checkpoints while bulk-writing; restored afterwards.
  const checkpointPages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.pragma('wal_autocheckpoint = 20000');
  const signal = opts.signal ?? new AbortController().signal;
  let entries = 0;
  let skipped = 0;
  let bytesDone = 0;
  let fatal: string | null = null;
  let lastProgress = 0;
  const every = opts.progressEveryMs ?? 100;
  const progress = (force = false, phase: ImportProgress['phase'] = 'importing'): void => {
    if (!opts.onProgress) return;
    const t = performance.now();
    if (!force && t - lastProgress < every) return;
    lastProgress = t;
    opts.onProgress({ phase, bytesDone, bytesTotal: opened.input.size, entries, skipped });
  };

  const bulk = opts.bulkLoad ?? bulkLoadPays(db, opened.input.size);
  if (bulk) beginBulkLoad(db);
  const trustedProxies = opts.trustedProxies ?? [];
  const pipelined =
    source.member === undefined && PIPELINED_FORMATS.has(format) && (opened.input.size ?? 0) >= (opts.pipelineMinBytes ?? PIPELINE_MIN_BYTES)
      ? await startParseWorker(opts.parseWorkerUrl ?? DEFAULT_PARSE_WORKER, { path: source.path, name, format, options: opts.options ?? {}, trustedProxies })
      : null;
  const batches = pipelined ?? readBatches(reader, opened, { signal, options: opts.options ?? {} }, new RowPreparer({ trustedProxies }));
  try {
    try {
      for await (const batch of batches) {
        for (const row of batch.rows) writer.addPrepared(row);
        entries += batch.rows.length;
        skipped += batch.skips.length;
        for (const skip of batch.skips) if (errors.length < MAX_REPORTED_ERRORS) errors.push(skip);
        bytesDone = batch.bytesRead;
        progress();
        if (signal.aborted) break;
      }
    } catch (err) {
      fatal = fatalMessage(err);
    }
    writer.flush();
  } finally {
    // Whatever ended the import (cancel, a fatal read error, a failed write), the workspace gets its indexes back.
    if (bulk) createSortIndexes(db, () => progress(true, 'indexing'));
    db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
  }
  progress(true);

  const cancelled = signal.aborted && fatal === null;
  const status = fatal ? 'partial' : cancelled ? 'cancelled' : 'complete';
  const total = (db.prepare('SELECT count(*) AS n FROM exchanges WHERE source_id = ?').get(sourceId) as { n: number }).n;
  db.prepare('UPDATE sources SET status = ?, imported = ?, skipped = ?, error = ?, finished_at = ? WHERE id = ?').run(status, total, skipped, fatal ?? (cancelled ? 'cancelled by the user' : null), Date.now(), sourceId);
  return result({ format, imported: writer.written, skipped, fatal });
}
