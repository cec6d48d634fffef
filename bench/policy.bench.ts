/**
 * Policy dry-run bench (standalone: `node bench/policy.bench.ts [--exchanges N] [--runs R]`).
 * A policy is drafted from seeded shop-API traffic (labelled incidents, findings from the
 * built-in detection pack). A workspace of N (default 1,000,000) exchanges — the pool imported
 * through the real writer, then replayed with shifted times — is built once under .bench/ with
 * the findings stored. The dry-run runs exactly as the CLI (one-shot: streams the workspace) and
 * the Api (keeps a copy of the request side for the next run) run it: findings listed from the
 * workspace, exchanges read and judged. Prints the one-shot run, the workbench's first dry-run and
 * R re-runs (default 5; wall and CPU) and checks all give the same result. Target: the median
 * re-run under 5 s, so a dry-run can follow every edit.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { detectExchanges } from '../src/core/detect/engine.ts';
import { builtinPack } from '../src/core/detect/pack.ts';
import { finishRun, listFindings, saveFindings, startRun } from '../src/core/detect/store.ts';
import type { Finding } from '../src/core/detect/types.ts';
import type { StoredExchange } from '../src/core/model/exchange.ts';
import { draftPolicy } from '../src/core/policy/draft.ts';
import { simulatePolicy } from '../src/core/policy/simulate.ts';
import { openWorkspace, type Db } from '../src/core/store/db.ts';
import { ExchangeWriter } from '../src/core/store/writer.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
import { median, peakRssMb } from './lib.ts';
import { freshWorkspace } from './workspace.ts';

const { values } = parseArgs({ options: { exchanges: { type: 'string' }, runs: { type: 'string' } } });
const quick = process.env.BENCH_QUICK === '1';
const total = Number(values.exchanges ?? (quick ? 100_000 : 1_000_000));
const runs = Number(values.runs ?? (quick ? 1 : 5));
const TARGET_S = 5;
const DIR = resolve(import.meta.dirname, '../.bench');
const FILE = resolve(DIR, `policy-${total}.sqlite`);

const generated = generateTraffic({ seed: 7, users: 300, durationMs: 12 * 3600_000, incidents: true });
const pool = generated.exchanges;
const findings = detectExchanges(pool, builtinPack(), { spec: generated.spec });
const policy = draftPolicy({ findings, exchanges: pool, name: 'bench' });
console.log(`pool: ${pool.length} exchanges, ${findings.length} findings; drafted ${policy.rules.length} rules: ${policy.rules.map((r) => `${r.id} (${r.type})`).join(', ')}`);

/** The pool through the real writer (identity extraction, bodies), then copied cycle by cycle. */
function build(exchanges: readonly StoredExchange[], found: readonly Finding[]): void {
  const started = performance.now();
  const { db, sourceId } = freshWorkspace(FILE, 'bench.har');
  const size = Math.min(total, exchanges.length);
  const writer = new ExchangeWriter(db, sourceId, { batchSize: 5000 });
  for (let i = 0; i < size; i++) writer.add(i, exchanges[i]);
  writer.flush();
  // Replays keep ids in time order (ids = position), so the findings' request ids hold in cycle 0.
  const span = exchanges[exchanges.length - 1].time - exchanges[0].time + 3_600_000;
  const cols = `method, scheme, host, port, path, query, http_version, status, status_text, req_headers, resp_headers, req_body_id, resp_body_id,
    req_size, resp_size, mime, duration, ip, client_ip, server_ip, principal, principal_kind, error, websocket, extra`;
  const copy = db.prepare(`INSERT INTO exchanges (source_id, entry_index, time, ${cols})
    SELECT source_id, entry_index + @shift, time + @offset, ${cols} FROM exchanges WHERE id <= @rows ORDER BY id`);
  for (let cycle = 1; cycle * size < total; cycle++) copy.run({ shift: cycle * size, offset: cycle * span, rows: Math.min(size, total - cycle * size) });
  const run = startRun(db, 'builtin', 0);
  saveFindings(db, run, found);
  finishRun(db, run, { exchanges: size, findings: found.length });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  console.log(`built ${total.toLocaleString('en')} exchanges in ${((performance.now() - started) / 1000).toFixed(1)} s → ${FILE}`);
}

function open(): Db | null {
  if (!existsSync(FILE)) return null;
  try {
    const db = openWorkspace(FILE);
    const n = (db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number);
    if (n === total) return db;
    db.close();
  } catch {
    // An older schema or a half-built file: build again.
  }
  return null;
}

let db = open();
if (!db) {
  build(pool, findings);
  db = open()!;
}

interface Timed {
  result: ReturnType<typeof simulatePolicy>;
  wall: number;
  cpu: number;
}

function timed(keep: boolean): Timed {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // What the policy.simulate handler (keep: true) and `cartograph policy simulate` (a one-shot
  // stream) run.
  const result = simulatePolicy(db!, policy, { findings: listFindings(db!), keep });
  const cpu = process.cpuUsage(cpu0);
  return { result, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

function report(label: string, t: Timed): void {
  // CPU time too: on a shared machine wall time also measures the neighbours.
  console.log(`${label}: ${t.result.exchanges.toLocaleString('en')} exchanges in ${t.wall.toFixed(2)} s (${Math.round(t.result.exchanges / t.wall).toLocaleString('en')}/s; ${t.cpu.toFixed(2)} s CPU)`);
}

const stream = timed(false);
report('one-shot (CLI: streams the workspace)', stream);
const first = timed(true);
report('first dry-run in the workbench (streams, keeps a copy)', first);
const reruns: Timed[] = [];
for (let r = 0; r < runs; r++) {
  const t = timed(true);
  reruns.push(t);
  report(`re-run ${r + 1} (as after an edit: only the copy carries over)`, t);
}
db.close();
const last = reruns[reruns.length - 1]!.result;
for (const t of [first, ...reruns]) {
  if (JSON.stringify({ ...t.result, seconds: 0 }) !== JSON.stringify({ ...stream.result, seconds: 0 })) throw new Error('a dry-run from the kept copy differs from the streamed one');
}
const wall = median(reruns.map((t) => t.wall));
const t = last.totals;
console.log(`totals of the last run: ${t.blocked} blocked (${t.blockedFlagged} flagged, ${t.blockedClean} clean), ${t.throttled} throttled, ${t.logged} logged, ${t.passed} passed`);
for (const r of last.rules) console.log(`  ${r.id.padEnd(44)} matched ${String(r.matched).padStart(8)}  flagged ${String(r.likelyTruePositives.requests).padStart(8)}  clean ${String(r.likelyFalsePositives.requests).padStart(8)}`);
console.log(
  `policy simulate: re-run after an edit median ${wall.toFixed(2)} s wall, ${median(reruns.map((r) => r.cpu)).toFixed(2)} s CPU over ${runs} runs; first dry-run ${first.wall.toFixed(2)} s; ` +
    `one-shot ${stream.wall.toFixed(2)} s; peak RSS ${Math.round(peakRssMb())} MB — ${total.toLocaleString('en')} exchanges in a workspace (target < ${TARGET_S} s for a re-run${quick ? ', quick run' : ''}; ratio ${(wall / TARGET_S).toFixed(2)}) ${wall < TARGET_S || quick ? 'OK' : 'SLOW'}`,
);
if (!quick && wall >= TARGET_S) process.exitCode = 1;
