/**
 * Where a HAR import's CPU goes, stage by stage, on one thread (`import.bench.ts` runs it in a child;
 * alone: `node bench/import-stages.ts FILE [ENTRIES]`). Each stage runs over the same entries with the
 * real code (scanner, JSON.parse, normalise, har-validator, mapping, row preparation, the writer),
 * three times; the medians in CPU µs per entry say which stages bound the import speed, and what
 * speed the stages the issue requires (JSON.parse, har-validator, a row, its bodies stored once by
 * hash, their full-text index) allow at best, however the rest is arranged: the SQLite stages all
 * run on the one thread that holds the workspace's write lock.
 */
import { readFileSync } from 'node:fs';
import { HarEntryScanner } from '../src/core/ingest/formats/har-scanner.ts';
import { entryToExchange, normaliseEntry, validateEntry } from '../src/core/ingest/formats/har.ts';
import type { Exchange } from '../src/core/model/exchange.ts';
import { openWorkspace } from '../src/core/store/db.ts';
import { beginBulkLoad, createSortIndexes } from '../src/core/store/sort-indexes.ts';
import { ExchangeWriter, RowPreparer, type PreparedRow } from '../src/core/store/writer.ts';
import { cpuUs, median } from './lib.ts';
import { freshWorkspace } from './workspace.ts';

type Json = Record<string, unknown>;
export type StageCosts = Record<string, number>;

const CHUNK = 1024 * 1024;

/** Rows written into a fresh workspace the way a bulk import writes them; CPU µs per row. */
function writeCost(rows: PreparedRow[], file: string): number {
  const { db: w, sourceId } = freshWorkspace(file, 'import-stages');
  beginBulkLoad(w);
  const writer = new ExchangeWriter(w, sourceId, { batchSize: 5000 });
  const us = cpuUs(() => {
    for (const r of rows) writer.addPrepared(r);
    writer.flush();
  });
  w.close();
  return us / rows.length;
}

function once(bytes: Buffer, limit: number, db: string): StageCosts {
  const texts: Buffer[] = [];
  const scan = cpuUs(() => {
    const scanner = new HarEntryScanner();
    for (let at = 0; at < bytes.length && texts.length < limit; at += CHUNK) {
      for (const item of scanner.push(bytes.subarray(at, at + CHUNK))) if (item.kind === 'entry' && texts.length < limit) texts.push(item.bytes);
    }
  });
  const n = texts.length;
  const entries: Json[] = [];
  const parse = cpuUs(() => {
    for (const t of texts) entries.push(JSON.parse(t.toString('utf8')) as Json);
  });
  const normalise = cpuUs(() => {
    for (const e of entries) normaliseEntry(e);
  });
  const validate = cpuUs(() => {
    for (const e of entries) validateEntry(e);
  });
  const exchanges: Exchange[] = [];
  const map = cpuUs(() => {
    for (const e of entries) exchanges.push(entryToExchange(e));
  });
  const rows: PreparedRow[] = [];
  const prepare = cpuUs(() => {
    const preparer = new RowPreparer();
    for (const [i, e] of exchanges.entries()) rows.push(preparer.prepare(i, e));
  });
  // The parse worker posts rows in batches: one structured clone stands for serialising and reading back.
  const handOff = cpuUs(() => {
    for (let i = 0; i < n; i += 512) structuredClone(rows.slice(i, i + 512));
  });
  const noText = (b: PreparedRow['reqBody']): PreparedRow['reqBody'] => (b === null ? null : { ...b, text: null });
  const rowsOnly = writeCost(rows.map((r) => ({ ...r, reqBody: null, respBody: null })), db);
  const withBodies = writeCost(rows.map((r) => ({ ...r, reqBody: noText(r.reqBody), respBody: noText(r.respBody) })), db);
  const full = writeCost(rows, db);
  const w = openWorkspace(db);
  const indexes = cpuUs(() => createSortIndexes(w)) / n;
  w.close();
  return {
    scan: scan / n,
    'JSON.parse': parse / n,
    normalise: normalise / n,
    'har-validator': validate / n,
    'map to exchange': map / n,
    'prepare row': prepare / n,
    'hand-off': handOff / n,
    'insert rows': rowsOnly,
    'store bodies': Math.max(0, withBodies - rowsOnly),
    'full-text index': Math.max(0, full - withBodies),
    'sort indexes': indexes,
  };
}

/** Medians over three passes (fresh objects each) of each stage's CPU µs per entry. */
export function stageCosts(file: string, limit: number, db: string): StageCosts {
  const bytes = readFileSync(file);
  const passes = [once(bytes, limit, db), once(bytes, limit, db), once(bytes, limit, db)];
  return Object.fromEntries(Object.keys(passes[0]).map((k) => [k, median(passes.map((p) => p[k]))]));
}

/** The stages no arrangement avoids: each entry is parsed, validated, written as a row, its bodies stored and indexed. */
export const REQUIRED_STAGES = ['JSON.parse', 'har-validator', 'insert rows', 'store bodies', 'full-text index'] as const;
/** The stages that only the one thread holding the workspace's write lock can do. */
export const WRITER_STAGES = ['insert rows', 'store bodies', 'full-text index', 'sort indexes'] as const;

if (import.meta.filename === process.argv[1]) {
  const [file, limit] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(stageCosts(file, Number(limit ?? 50_000), '.bench/import-stages.sqlite'))}\n`);
}
