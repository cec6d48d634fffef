/**
 * Graph bench (standalone: `node bench/graph.bench.ts [--exchanges N]`; BENCH_QUICK=1 for 100k):
 *  1. build — N (default 1,000,000) StoredExchanges with JSON bodies, generated on the fly an hour
 *     of a 300-user shop at a time, through one incremental GraphBuilder; builder time only, peak
 *     RSS beside the RSS before it started. Target: 1M in under 15 s.
 *  2. view — the aggregation of a 2,000-endpoint, 10,000-edge graph to a drawable view (what every
 *     filter change in the graph view costs on top of a cached build).
 */
import { parseArgs } from 'node:util';
import { GraphBuilder } from '../src/core/graph/builder.ts';
import { aggregateView } from '../src/core/graph/aggregate.ts';
import type { GraphModel } from '../src/core/graph/builder.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
import { median, peakRssMb, printTable, rng, verdict } from './lib.ts';

const { values } = parseArgs({ options: { exchanges: { type: 'string' } } });
const quick = process.env.BENCH_QUICK === '1';
const total = Number(values.exchanges ?? (quick ? 100_000 : 1_000_000));
const TARGET_S_PER_M = 15;

// ---------- build ----------
const USERS = 300;
const HOUR = 3_600_000;
const startAt = Date.UTC(2026, 1, 2, 0, 0, 0);
const chunk = (c: number) => generateTraffic({ seed: 2000 + c, users: USERS, durationMs: HOUR, start: startAt + c * HOUR, incidents: c % 12 === 0 });
let next = chunk(0);
const rssBefore = process.memoryUsage().rss;
const builder = new GraphBuilder();
let ms = 0;
let cpuUs = 0;
let pushed = 0;
for (let c = 0; pushed < total; next = chunk(++c)) {
  const base = pushed;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const e of next.exchanges) {
    if (pushed >= total) break;
    e.id += base;
    builder.add(e);
    pushed++;
  }
  ms += performance.now() - t0;
  const c = process.cpuUsage(c0);
  cpuUs += c.user + c.system;
}
const t1 = performance.now();
const c1 = process.cpuUsage();
const model = builder.result();
ms += performance.now() - t1;
const cEnd = process.cpuUsage(c1);
cpuUs += cEnd.user + cEnd.system;
const seconds = ms / 1000;
const cpuSeconds = cpuUs / 1e6;
const load = (await import('node:os')).loadavg()[0];
const peakMb = peakRssMb();
const target = (TARGET_S_PER_M * total) / 1_000_000;
const kinds = new Map<string, number>();
for (const e of model.edges) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + e.count);
printTable(`graph build: ${total.toLocaleString('en')} exchanges (generated on the fly, ${USERS} users, JSON bodies)`, [
  ['measure', 'value', 'target', 'ratio', 'verdict'],
  ['builder seconds (wall)', seconds, target, seconds / target, verdict(seconds <= target)],
  // CPU time of this process (GC threads included): the builder's own cost, whatever else shares the cores.
  ['builder seconds (CPU)', cpuSeconds, target, cpuSeconds / target, verdict(cpuSeconds <= target)],
  ['exchanges / s', Math.round(total / seconds), Math.round(1_000_000 / TARGET_S_PER_M), total / seconds / (1_000_000 / TARGET_S_PER_M), verdict(total / seconds >= 1_000_000 / TARGET_S_PER_M)],
]);
console.log(`  graph: ${model.nodes.length} nodes, ${model.edges.length} edges; edge weights ${[...kinds].map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ')}`);
console.log(`  load average ${load.toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores while measuring (wall time stretches with it)`);
console.log(`  memory: peak RSS ${peakMb.toFixed(0)} MB; before the builder ${(rssBefore / 1024 / 1024).toFixed(0)} MB (node, modules, one traffic chunk)`);

// ---------- view aggregation ----------
function bigModel(endpoints: number, edges: number): GraphModel {
  const r = rng(7);
  const nodes: GraphModel['nodes'] = [];
  const hosts = 12;
  for (let h = 0; h < hosts; h++) nodes.push({ id: `host:h${h}.example`, kind: 'host', label: `h${h}.example`, count: 1000, host: `h${h}.example`, method: null, path: null, firstSeen: 0, lastSeen: 1, findings: 0, maxSeverity: null, sensitive: [] });
  for (let i = 0; i < endpoints; i++) {
    const h = `h${i % hosts}.example`;
    const path = `/api/v${1 + (i % 3)}/r${Math.floor(i / 7) % 60}/x${i}`;
    nodes.push({ id: `endpoint:GET ${h}${path}`, kind: 'endpoint', label: `GET ${path}`, count: 1 + Math.floor(r() * 500), host: h, method: 'GET', path, firstSeen: 0, lastSeen: 1, findings: 0, maxSeverity: null, sensitive: [] });
  }
  const eps = nodes.filter((n) => n.kind === 'endpoint');
  const out: GraphModel['edges'] = [];
  const kindsList = ['sequence', 'data-flow', 'auth', 'calls'] as const;
  for (let i = 0; i < edges; i++) {
    const s = eps[Math.floor(r() * eps.length)];
    const t = eps[Math.floor(r() * eps.length)];
    const kind = kindsList[i % 3];
    out.push({ id: `${kind}:${s.id}->${t.id}#${i}`, source: s.id, target: t.id, kind, count: 1 + Math.floor(r() * 100), firstSeen: 0, lastSeen: 1, via: [] });
  }
  return { nodes, edges: out, actors: [], droppedEdges: 0, exchanges: 1, timeRange: { from: 0, to: 1 } };
}
const big = bigModel(2000, 10_000);
const runs: number[] = [];
let drawn = { nodes: 0, edges: 0 };
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const v = aggregateView(big, { maxNodes: 400, maxEdges: 2000 });
  runs.push(performance.now() - t0);
  drawn = { nodes: v.nodes.length, edges: v.edges.length };
}
// Every host and path group the analyst could open, opened: all 2,000 endpoints drawn.
const allGroups = [...big.nodes.filter((n) => n.kind === 'host').map((n) => n.id), ...aggregateView(big, { maxNodes: 2500 }).nodes.flatMap((n) => (n.expandKey ? [n.expandKey] : []))];
const all: number[] = [];
let drawnAll = { nodes: 0, edges: 0 };
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const v = aggregateView(big, { maxNodes: 2500, maxEdges: 10_000, expanded: allGroups });
  all.push(performance.now() - t0);
  drawnAll = { nodes: v.nodes.length, edges: v.edges.length };
}
printTable('graph view: aggregating 2,000 endpoints / 10,000 edges (median of 5)', [
  ['view', 'ms', 'drawn nodes', 'drawn edges', 'target ms', 'verdict'],
  ['default caps (400 / 2,000)', median(runs), drawn.nodes, drawn.edges, 500, verdict(median(runs) <= 500)],
  ['every group expanded (2,500 / 10,000)', median(all), drawnAll.nodes, drawnAll.edges, 500, verdict(median(all) <= 500)],
]);
