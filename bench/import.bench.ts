/**
 * HAR import: `node bench/import.bench.ts` (BENCH_QUICK=1 for a 20k-entry smoke run).
 * For 100k and 1M generated ~1 KB entries, medians over 3 runs (each in a fresh process) of
 * import entries/s, MB/s and peak RSS, beside a bare streaming JSON parse of the same file
 * (stream-json assembling each entry), and the time to the first screen of the 1M workspace.
 * Targets: >= 60,000 entries/s, peak RSS < 500 MB whatever the size, first screen < 1 s.
 * Large files are imported with a parse worker beside the writing thread: CPU s counts both threads.
 * BENCH_SIZES=100000,1000000 and BENCH_RUNS=3 override the sizes and runs (e.g. one 1M run).
 * Then the CPU of each stage of an import (import-stages.ts), and the speed its stages allow at best.
 */
import { existsSync, mkdirSync, rmSync, statSync, createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { child, median, peakRssMb, printTable, verdict } from './lib.ts';
import { generateHar } from './generate-har.ts';
import { REQUIRED_STAGES, WRITER_STAGES, stageCosts, type StageCosts } from './import-stages.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = resolve(ROOT, '.bench');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SELF = resolve(import.meta.dirname, 'import.bench.ts');

interface RunResult {
  seconds: number;
  /** User + system CPU seconds of all the process's threads. */
  cpu: number;
  entries: number;
  rssMb: number;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

async function childImport(file: string, db: string): Promise<RunResult> {
  const { openWorkspace } = await import('../src/core/store/db.ts');
  const { importFile } = await import('../src/core/ingest/import.ts');
  for (const s of ['', '-wal', '-shm']) rmSync(db + s, { force: true });
  const w = openWorkspace(db, { create: true });
  const t = performance.now();
  const c = process.cpuUsage();
  const r = await importFile(w, { path: file });
  const seconds = (performance.now() - t) / 1000;
  w.close();
  if (r.fatal) throw new Error(r.fatal);
  return { seconds, cpu: cpuSeconds(c), entries: r.imported, rssMb: peakRssMb() };
}

async function childParse(file: string): Promise<RunResult> {
  const { parser } = await import('stream-json');
  const { pick } = await import('stream-json/filters/pick.js');
  const { streamArray } = await import('stream-json/streamers/stream-array.js');
  const { default: chain } = await import('stream-chain');
  const t = performance.now();
  const c = process.cpuUsage();
  let entries = 0;
  const pipeline = chain([createReadStream(file), parser(), pick({ filter: 'log.entries' }), streamArray()]);
  for await (const _ of pipeline) entries++;
  return { seconds: (performance.now() - t) / 1000, cpu: cpuSeconds(c), entries, rssMb: peakRssMb() };
}

async function childFirstScreen(db: string): Promise<{ ms: number; total: number }> {
  const { openWorkspace } = await import('../src/core/store/db.ts');
  const { pageTraffic } = await import('../src/core/store/traffic.ts');
  const t = performance.now();
  const w = openWorkspace(db);
  const page = pageTraffic(w, { filter: '', sort: 'id', dir: 'asc', offset: 0, limit: 200 });
  const byTime = pageTraffic(w, { filter: '', sort: 'time', dir: 'desc', offset: 0, limit: 200 });
  const ms = performance.now() - t;
  w.close();
  if (page.rows.length !== 200 || byTime.rows.length !== 200) throw new Error('first screen incomplete');
  return { ms, total: page.total };
}

async function main(): Promise<void> {
  const sizes = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : process.env.BENCH_QUICK ? [20_000] : [100_000, 1_000_000];
  mkdirSync(DIR, { recursive: true });
  const rows: (string | number)[][] = [['entries', 'file MB', 'import entries/s', 'import MB/s', 'import CPU µs/entry', 'peak RSS MB', 'stream-json entries/s', 'import / parse', 'target']];
  let lastDb = '';
  for (const n of sizes) {
    const file = resolve(DIR, `bench-${n}.har`);
    if (!existsSync(file)) {
      process.stderr.write(`generating ${file}…\n`);
      await generateHar(n, file);
    }
    const mb = statSync(file).size / 1e6;
    const db = resolve(DIR, `import-${n}.sqlite`);
    const imports: RunResult[] = [];
    const parses: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      imports.push(child<RunResult>(SELF, ['--child', 'import', file, db]));
      parses.push(child<RunResult>(SELF, ['--child', 'parse', file]));
      process.stderr.write(`  ${n}: run ${i + 1}/${RUNS} import ${imports[i].seconds.toFixed(2)} s (CPU ${imports[i].cpu.toFixed(2)} s, RSS ${Math.round(imports[i].rssMb)} MB), parse ${parses[i].seconds.toFixed(2)} s\n`);
    }
    const rate = median(imports.map((r) => r.entries / r.seconds));
    const parseRate = median(parses.map((r) => r.entries / r.seconds));
    const rss = median(imports.map((r) => r.rssMb));
    const cpuPerEntry = median(imports.map((r) => (r.cpu / r.entries) * 1e6));
    rows.push([n, mb, Math.round(rate), (mb * rate) / n, Math.round(cpuPerEntry), Math.round(rss), Math.round(parseRate), `${(rate / parseRate).toFixed(2)}×`, verdict(rate >= 60_000 && rss < 500)]);
    lastDb = db;
  }
  printTable(`HAR import (medians of ${RUNS} runs, fresh process each)`, rows);
  const screens = Array.from({ length: RUNS }, () => child<{ ms: number; total: number }>(SELF, ['--child', 'screen', lastDb]));
  const ms = median(screens.map((s) => s.ms));
  printTable('First screen (open workspace, count, first 200 rows by id and by time)', [
    ['exchanges', 'median ms', 'target'],
    [screens[0].total, Math.round(ms), verdict(ms < 1000)],
  ]);
  printStages(resolve(DIR, `bench-${sizes[0]}.har`), Math.min(sizes[0], STAGE_ENTRIES));
}

/** Entries the stage breakdown measures (each pass keeps them all in memory). */
const STAGE_ENTRIES = 50_000;

function printStages(file: string, entries: number): void {
  const costs = child<StageCosts>(SELF, ['--child', 'stages', file, String(entries), resolve(DIR, 'import-stages.sqlite')]);
  const writer = new Set<string>(WRITER_STAGES);
  const sum = (names: readonly string[]): number => names.reduce((a, k) => a + costs[k], 0);
  const all = Object.keys(costs);
  printTable(`Import stages, one at a time on one thread (${entries.toLocaleString('en-US')} entries, CPU µs per entry, medians of 3 passes)`, [
    ['stage', 'µs/entry', 'thread', 'required'],
    ...all.map((k) => [k, costs[k], writer.has(k) ? 'writer' : 'parse worker', (REQUIRED_STAGES as readonly string[]).includes(k) ? 'yes' : '']),
  ]);
  const ceiling = (us: number, cores: number): string => `${Math.round((cores * 1e6) / us).toLocaleString('en-US')} entries/s`;
  const w = sum(WRITER_STAGES);
  const required = REQUIRED_STAGES.filter((k) => writer.has(k));
  const r = sum(required);
  process.stdout.write(`  all stages: ${sum(all).toFixed(1)} µs/entry, at most ${ceiling(sum(all), 2)} on two cores\n`);
  process.stdout.write(`  the writer's stages (one thread holds a workspace's write lock): ${w.toFixed(1)} µs/entry, at most ${ceiling(w, 1)}\n`);
  process.stdout.write(`  the writer's required stages alone (${required.join(', ')}): ${r.toFixed(1)} µs/entry, at most ${ceiling(r, 1)}\n`);
}

const [flag, kind, ...rest] = process.argv.slice(2);
if (flag === '--child') {
  const result =
    kind === 'import' ? await childImport(rest[0], rest[1])
    : kind === 'parse' ? await childParse(rest[0])
    : kind === 'stages' ? stageCosts(rest[0], Number(rest[1]), rest[2])
    : await childFirstScreen(rest[0]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await main();
}
