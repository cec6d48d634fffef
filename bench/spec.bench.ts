/**
 * Spec bench (standalone: `node bench/spec.bench.ts`; BENCH_QUICK=1 for a 20k-entry smoke run):
 *  1. load — Okta's published management spec (3.4 MB of YAML, 732 operations): parse and
 *     resolve every $ref. Target: under 10 s.
 *  2. diff and export — N (default 200,000) generated ~1 KB exchanges imported into a workspace,
 *     then judged against a spec of that shop API, and rebuilt as OpenAPI 3.1. Bodies are sampled
 *     per operation, so both should scale with the exchange count alone. Target: 50,000
 *     exchanges per second for each.
 * Figures are CPU seconds of this process (user + system): the shared CI machine's load would
 * otherwise dominate wall-clock numbers; wall seconds are printed beside them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openWorkspace } from '../src/core/store/db.ts';
import { registerQueryFunctions } from '../src/core/query/index.ts';
import { importFile } from '../src/core/ingest/import.ts';
import { loadSpec } from '../src/core/inventory/openapi/load.ts';
import { buildOpenApi } from '../src/core/inventory/openapi/build.ts';
import { diffTraffic } from '../src/core/inventory/diff/diff.ts';
import { inventoryTemplateOf } from '../src/core/inventory/build.ts';
import { generateHar } from './generate-har.ts';
import { printTable, verdict } from './lib.ts';

const quick = process.env.BENCH_QUICK === '1';
const N = quick ? 20_000 : 200_000;
const LOAD_TARGET_S = 10;
const RATE_TARGET = 50_000;
const OKTA = resolve(import.meta.dirname, '../../shared/data/openapi/okta__okta-management-openapi-spec/management-minimal.yaml');

const SHOP_SPEC = `
openapi: 3.0.3
info: { title: shop, version: '1' }
paths:
  /api/v1/users/{userId}:
    get: { parameters: [{ name: userId, in: path, required: true, schema: { type: integer } }], responses: { '200': { description: ok } } }
  /api/v1/users/{userId}/orders:
    get: { parameters: [{ name: userId, in: path, required: true, schema: { type: integer } }, { name: page, in: query, schema: { type: integer } }], responses: { '200': { description: ok } } }
  /api/v1/orders/{orderId}:
    get: { deprecated: true, responses: { '200': { description: ok } } }
  /api/v1/products:
    get: { parameters: [{ name: search, in: query, schema: { type: string } }], responses: { '200': { description: ok } } }
  /api/v1/cart:
    get: { responses: { '200': { description: ok, content: { application/json: { schema: { type: object, properties: { items: { type: array } } } } } } } }
`;

const rows: (string | number)[][] = [['measure', 'value', 'target', 'ratio', 'verdict']];
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};
let c0 = process.cpuUsage();

let t0 = performance.now();
const okta = await loadSpec(readFileSync(OKTA, 'utf8'), 'management-minimal.yaml');
const loadWall = (performance.now() - t0) / 1000;
const loadS = cpuSeconds(c0);
rows.push(['Okta spec load CPU seconds (3.4 MB YAML)', loadS, LOAD_TARGET_S, loadS / LOAD_TARGET_S, verdict(loadS <= LOAD_TARGET_S)]);

const dir = mkdtempSync(join(tmpdir(), 'cartograph-spec-bench-'));
try {
  const har = join(dir, 'traffic.har');
  await generateHar(N, har);
  const db = openWorkspace(join(dir, 'w.sqlite'), { create: true });
  registerQueryFunctions(db);
  await importFile(db, { path: har });
  // The inventory is built once per workspace and kept; its build is the inventory bench's business.
  t0 = performance.now();
  const templateOf = inventoryTemplateOf(db);
  const inventoryS = (performance.now() - t0) / 1000;
  const { spec } = await loadSpec(SHOP_SPEC, 'shop.yaml');
  t0 = performance.now();
  c0 = process.cpuUsage();
  const diff = diffTraffic(db, spec, { templateOf });
  const diffS = cpuSeconds(c0);
  const diffWall = (performance.now() - t0) / 1000;
  t0 = performance.now();
  c0 = process.cpuUsage();
  const built = buildOpenApi(db, { templateOf });
  const buildS = cpuSeconds(c0);
  const buildWall = (performance.now() - t0) / 1000;
  rows.push([`diff exchanges / CPU s (${N.toLocaleString('en')})`, Math.round(N / diffS), RATE_TARGET, N / diffS / RATE_TARGET, verdict(N / diffS >= RATE_TARGET)]);
  rows.push([`export exchanges / CPU s (${N.toLocaleString('en')})`, Math.round(N / buildS), RATE_TARGET, N / buildS / RATE_TARGET, verdict(N / buildS >= RATE_TARGET)]);
  printTable('spec load, diff and export', rows);
  console.log(`  Okta: ${new Set(okta.spec.operations.map((o) => o.pointer)).size} operations, ${okta.spec.warnings.length} warnings, ${loadWall.toFixed(2)} s wall`);
  console.log(`  diff: ${diff.items.length} items (${Object.entries(diff.counts).map(([k, v]) => `${v} ${k}`).join(', ')}), ${diffS.toFixed(2)} s CPU / ${diffWall.toFixed(2)} s wall`);
  console.log(`  export: ${built.paths} paths, ${buildS.toFixed(2)} s CPU / ${buildWall.toFixed(2)} s wall; inventory templates ${inventoryS.toFixed(2)} s wall`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
