/**
 * Imports one file into a workspace: hash it (the same content twice adds nothing), sniff its
 * format, stream its records through the reader into the batched writer, and record provenance
 * (source file, sha256, entry index) and the outcome. A fatal read error keeps what came before it.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Db } from '../store/db.ts';
import { ExchangeWriter } from '../store/writer.ts';
import type { FileImportResult } from '../../shared/api.ts';
import { openInput } from './open.ts';
import { detectFormat } from './registry.ts';
import { ReadError } from './reader.ts';

export const MAX_REPORTED_ERRORS = 1000;

export interface ImportProgress {
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

export async function importFile(db: Db, file: { path: string; name?: string }, opts: ImportOptions = {}): Promise<FileImportResult> {
  const started = performance.now();
  const name = file.name ?? basename(file.path);
  const errors: FileImportResult['errors'] = [];
  const result = (fields: Partial<FileImportResult>): FileImportResult => ({
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

  let opened;
  let format: string;
  let sha: string;
  let reader;
  try {
    sha = await sha256File(file.path, opts.signal);
    opened = await openInput(file.path, name);
    reader = detectFormat(opened.head, name, opts.format).reader;
    format = reader.id;
  } catch (err) {
    const e = err as Error & { at?: string };
    return result({ fatal: e.message });
  }

  const existing = db.prepare('SELECT id, status FROM sources WHERE sha256 = ?').get(sha) as { id: number; status: string } | undefined;
  if (existing?.status === 'complete') return result({ format, duplicate: true });
  const now = Date.now();
  const sourceId = existing
    ? (db.prepare(`UPDATE sources SET status = 'running', error = NULL, started_at = ?, finished_at = NULL WHERE id = ?`).run(now, existing.id), existing.id)
    : Number(db.prepare(`INSERT INTO sources (name, path, sha256, format, size, status, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?)`).run(name, file.path, sha, format, opened.input.size, now).lastInsertRowid);

  const writer = new ExchangeWriter(db, sourceId, { trustedProxies: opts.trustedProxies });
  // Fewer, larger checkpoints while bulk-writing; restored afterwards.
  const checkpointPages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.pragma('wal_autocheckpoint = 20000');
  const signal = opts.signal ?? new AbortController().signal;
  let entries = 0;
  let skipped = 0;
  let fatal: string | null = null;
  let lastProgress = 0;
  const every = opts.progressEveryMs ?? 100;
  const progress = (force = false): void => {
    if (!opts.onProgress) return;
    const t = performance.now();
    if (!force && t - lastProgress < every) return;
    lastProgress = t;
    opts.onProgress({ bytesDone: opened.bytesRead(), bytesTotal: opened.input.size, entries, skipped });
  };

  try {
    for await (const item of reader.read(opened.input, { signal, options: opts.options ?? {} })) {
      if (item.kind === 'exchange') {
        writer.add(item.index, item.exchange);
        entries++;
      } else {
        skipped++;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ at: item.at, message: item.message });
      }
      if ((entries + skipped) % 256 === 0) {
        progress();
        if (signal.aborted) break;
      }
    }
  } catch (err) {
    fatal = err instanceof ReadError ? err.message : `${(err as Error).message ?? String(err)}`;
  }
  writer.flush();
  db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
  progress(true);

  const cancelled = signal.aborted && fatal === null;
  const status = fatal ? 'partial' : cancelled ? 'cancelled' : 'complete';
  const total = (db.prepare('SELECT count(*) AS n FROM exchanges WHERE source_id = ?').get(sourceId) as { n: number }).n;
  db.prepare('UPDATE sources SET status = ?, imported = ?, skipped = ?, error = ?, finished_at = ? WHERE id = ?').run(status, total, skipped, fatal ?? (cancelled ? 'cancelled by the user' : null), Date.now(), sourceId);
  return result({ format, imported: writer.written, skipped, fatal });
}
