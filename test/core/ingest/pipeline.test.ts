/**
 * Large files are parsed in a worker thread while the calling thread writes (src/core/ingest/pipeline.ts).
 * The pipelined import must store exactly what the single-thread import stores, keep what came
 * before a fatal error, stop on cancel, and fall back to one thread when no worker can start.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateHar } from '../../../bench/generate-har.ts';
import { importFile, type ImportOptions } from '../../../src/core/ingest/import.ts';
import { openWorkspace, type Db } from '../../../src/core/store/db.ts';
import { tempDir } from '../../helpers/tmp.ts';

let open: Db[] = [];
afterEach(() => {
  for (const db of open) db.close();
  open = [];
});

const dir = tempDir();
let n = 0;
function workspace(): Db {
  const db = openWorkspace(join(dir, `w${n++}.sqlite`), { create: true });
  open.push(db);
  return db;
}

/** Everything an import stores, ids included, as comparable rows. */
function contents(db: Db): unknown {
  return {
    exchanges: db.prepare('SELECT * FROM exchanges ORDER BY id').all(),
    bodies: db.prepare('SELECT id, hex(hash) AS hash, size, compressed, hex(data) AS data FROM bodies ORDER BY id').all(),
    search: ['Item 12', 'quantity', 'mail.example', 'not there'].map((t) => db.prepare('SELECT rowid FROM body_fts WHERE body_fts MATCH ? ORDER BY rowid').pluck().all(`"${t}"`)),
    sources: db.prepare('SELECT name, format, status, imported, skipped, error FROM sources').all(),
  };
}

const PIPELINED: ImportOptions = { pipelineMinBytes: 0 };

/** A generated capture with bad entries spliced in: an entry without url and one that is not an object. */
async function captureWithBadEntries(entries: number): Promise<string> {
  const file = join(dir, `bad-${entries}.har`);
  await generateHar(entries, file, 5);
  const text = readFileSync(file, 'utf8').replace('"entries":[\n', '"entries":[\n{"startedDateTime":"2026-11-01T00:00:00Z","time":1,"request":{"method":"GET"}},[1,2],\n');
  writeFileSync(file, text);
  return file;
}

describe('pipelined import (parse worker + writer)', () => {
  it('stores exactly what the single-thread import stores, skips included', { timeout: 60_000 }, async () => {
    const file = await captureWithBadEntries(700);
    const inThread = workspace();
    const piped = workspace();
    const a = await importFile(inThread, { path: file });
    const b = await importFile(piped, { path: file }, PIPELINED);
    expect(a).toMatchObject({ imported: 700, skipped: 2, fatal: null });
    expect({ ...b, seconds: 0 }).toEqual({ ...a, seconds: 0 });
    expect(b.errors.map((e) => e.at)).toEqual(['entry 0', 'entry 1']);
    expect(contents(piped)).toEqual(contents(inThread));
  });

  it('keeps the entries before a truncation and names the offset', { timeout: 60_000 }, async () => {
    const full = readFileSync(await captureWithBadEntries(400));
    const cut = join(dir, 'cut.har');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length * 0.7)));
    const inThread = workspace();
    const piped = workspace();
    const a = await importFile(inThread, { path: cut });
    const b = await importFile(piped, { path: cut }, PIPELINED);
    expect(a.fatal).toMatch(/truncated\?.*offset \d+/);
    expect(a.imported).toBeGreaterThan(200);
    expect({ ...b, seconds: 0 }).toEqual({ ...a, seconds: 0 });
    expect(contents(piped)).toEqual(contents(inThread));
  });

  it('stops on cancel with whole batches written and the source marked cancelled', { timeout: 60_000 }, async () => {
    const file = join(dir, 'cancel.har');
    await generateHar(1600, file, 9);
    const db = workspace();
    const abort = new AbortController();
    const progress: number[] = [];
    const r = await importFile(db, { path: file }, { ...PIPELINED, signal: abort.signal, progressEveryMs: 0, onProgress: (p) => (progress.push(p.entries), p.entries >= 500 && abort.abort()) });
    expect(r.fatal).toBeNull();
    expect(r.imported).toBeGreaterThanOrEqual(500);
    expect(r.imported).toBeLessThan(1600);
    expect(progress.length).toBeGreaterThan(1);
    expect(db.prepare('SELECT status, imported FROM sources').get()).toEqual({ status: 'cancelled', imported: r.imported });
    expect(db.prepare('SELECT count(*), max(entry_index) FROM exchanges').raw().get()).toEqual([r.imported, r.imported - 1]);
  });

  it('reads on the calling thread when the parse worker cannot start', { timeout: 60_000 }, async () => {
    const file = await captureWithBadEntries(200);
    const db = workspace();
    const r = await importFile(db, { path: file }, { ...PIPELINED, parseWorkerUrl: new URL('file:///nonexistent/import-worker.js') });
    expect(r).toMatchObject({ imported: 200, skipped: 2, fatal: null });
  });
});
