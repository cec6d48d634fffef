/**
 * Inventory bench (standalone: `node bench/inventory.bench.ts [--exchanges N]`; BENCH_QUICK=1 for
 * a 100k-exchange smoke run):
 *  1. template accuracy — precision and recall of the inferred endpoint templates against known
 *     ones, beside har-to-openapi's on the very same traffic:
 *       - generated shop traffic (test/core/detect/generator.ts), truth = its spec, three seeds;
 *       - a real Okta API recording (JupiterOne graph-okta), truth = Okta's published spec.
 *  2. build time — a workspace of N (default 1,000,000) exchanges: generated traffic written by
 *     the importer's writer, then multiplied in SQL with fresh ids in the paths; full build, a
 *     cached load, and an incremental refinement after a 1% import. Target: full build < 10 s.
 * Figures are wall seconds with CPU seconds beside them (the machine is shared).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSpecs } from 'har-to-openapi';
import type { Har } from 'har-format';
import { buildInventory, inventoryTemplateOf, loadInventory } from '../src/core/inventory/index.ts';
import { exchangeUrl, type Exchange, type StoredExchange } from '../src/core/model/exchange.ts';
import { generateTraffic, SHOP_SPEC } from '../test/core/detect/generator.ts';
import { accuracy, emptyWorkspace, harExchanges, importExchanges, OKTA_HAR, OKTA_SPEC, specTruth, truthMatcher, type Accuracy } from '../test/core/inventory/fixture.ts';
import { printTable } from './lib.ts';

const quick = process.env.BENCH_QUICK === '1';
const { values } = parseArgs({ options: { exchanges: { type: 'string' } } });
const N = Number(values.exchanges ?? (quick ? 100_000 : 1_000_000));
const TARGET_S = 10;
const dir = mkdtempSync(join(tmpdir(), 'cartograph-inv-bench-'));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const dec = new TextDecoder();

// ---------- helpers ----------

function toHar(exchanges: readonly Exchange[]): Har {
  const headers = (h: Exchange['requestHeaders']) => h.map(([name, value]) => ({ name, value }));
  return {
    log: {
      version: '1.2',
      creator: { name: 'cartograph-bench', version: '1' },
      entries: exchanges.map((e) => {
        const reqType = e.requestHeaders.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
        const resType = e.responseHeaders.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
        const query = [...new URLSearchParams(e.query)].map(([name, value]) => ({ name, value }));
        return {
          startedDateTime: new Date(e.time).toISOString(),
          time: e.durationMs ?? 0,
          request: {
            method: e.method, url: exchangeUrl(e), httpVersion: 'HTTP/1.1', headers: headers(e.requestHeaders), queryString: query, cookies: [], headersSize: -1, bodySize: e.requestBody?.length ?? 0,
            ...(e.requestBody ? { postData: { mimeType: reqType, text: dec.decode(e.requestBody) } } : {}),
          },
          response: {
            status: e.status ?? 0, statusText: e.statusText, httpVersion: 'HTTP/1.1', headers: headers(e.responseHeaders), cookies: [], redirectURL: '', headersSize: -1, bodySize: e.responseBody?.length ?? 0,
            content: { size: e.responseBody?.length ?? 0, mimeType: resType, ...(e.responseBody ? { text: dec.decode(e.responseBody) } : {}) },
          },
          cache: {},
          timings: { send: 0, wait: e.durationMs ?? 0, receive: 0 },
        };
      }),
    },
  } as Har;
}

/** har-to-openapi's templates as a path → template resolver (literal paths before parameterised ones). */
async function harToOpenApiOf(har: Har, host: string): Promise<(method: string, path: string) => string> {
  const specs = await generateSpecs(har, { includeDomains: [host], attemptToParameterizeUrl: true, logErrors: false } as never);
  const ops: { method: string; template: string }[] = [];
  for (const s of specs) {
    const paths = (s.spec as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
    for (const [template, item] of Object.entries(paths)) for (const m of Object.keys(item)) if (/^(get|put|post|delete|patch|head|options)$/.test(m)) ops.push({ method: m.toUpperCase(), template });
  }
  const match = truthMatcher(ops);
  return (method, path) => match(method, path) ?? path;
}

async function compare(name: string, exchanges: readonly StoredExchange[], host: string, truth: (m: string, p: string) => string | null): Promise<{ ours: Accuracy; theirs: Accuracy }> {
  const { db, path } = emptyWorkspace(dir);
  importExchanges(db, `${name}.har`, exchanges);
  buildInventory(db);
  const templateOf = inventoryTemplateOf(db);
  const on = exchanges.filter((e) => e.host === host);
  const labelled = on.map((e) => ({ method: e.method, path: e.path, truth: truth(e.method, e.path) }));
  const ours = accuracy(labelled, (method, p) => templateOf({ host, method, path: p }));
  const theirsOf = await harToOpenApiOf(toHar(on), host);
  const theirs = accuracy(labelled, theirsOf);
  db.close();
  rmSync(path, { force: true });
  return { ours, theirs };
}

// ---------- 1. accuracy ----------

const shopTruth = truthMatcher(SHOP_SPEC.operations.map((o) => ({ method: o.method, template: o.pathTemplate })));
const rows: (string | number)[][] = [['corpus', 'exchanges', 'true templates', 'cartograph P', 'cartograph R', 'har-to-openapi P', 'har-to-openapi R']];
for (const seed of quick ? [1] : [1, 2, 3]) {
  const g = generateTraffic({ seed, users: 40, durationMs: 2 * 3600_000, incidents: true });
  const { ours, theirs } = await compare(`shop-${seed}`, g.exchanges, 'api.shop.example', shopTruth);
  rows.push([`generated shop, seed ${seed}`, g.exchanges.length, ours.truth, pct(ours.precision), pct(ours.recall), pct(theirs.precision), pct(theirs.recall)]);
}
{
  const okta = harExchanges(OKTA_HAR);
  const { ours, theirs } = await compare('okta', okta, okta[0].host, specTruth(OKTA_SPEC));
  rows.push(['Okta recording (real)', okta.length, ours.truth, pct(ours.precision), pct(ours.recall), pct(theirs.precision), pct(theirs.recall)]);
}
printTable('Template accuracy (endpoint level, parameter names ignored; same traffic for both tools)', rows);

// ---------- 2. build time ----------

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const w = performance.now();
  const c = cpu();
  const value = fn();
  return { value, wall: (performance.now() - w) / 1000, cpu: cpu() - c };
}

const { db, path } = emptyWorkspace(dir);
const base = generateTraffic({ seed: 9, users: 300, durationMs: 6 * 3600_000, incidents: false });
importExchanges(db, 'base.har', base.exchanges);
// Multiply in SQL: each round copies the workspace as a new source, shifted in time, with a fresh
// trailing id in every path ending in digits (so distinct paths grow as real traffic's do).
let count = db.prepare(`SELECT count(*) FROM exchanges`).pluck().get() as number;
for (let round = 1; count < N; round++) {
  const src = Number(db.prepare(`INSERT INTO sources (name, path, sha256, format, size, status, imported, started_at) VALUES (?, ?, ?, 'har', 0, 'complete', 0, 0)`)
    .run(`copy-${round}`, `/bench/copy-${round}`, `copy-${round}-${Date.now()}`).lastInsertRowid);
  db.prepare(`INSERT INTO exchanges (source_id, entry_index, time, method, scheme, host, port, path, query, http_version, status, status_text,
      req_headers, resp_headers, req_body_id, resp_body_id, req_size, resp_size, mime, duration, ip, client_ip, server_ip, principal, principal_kind, error, websocket, extra)
    SELECT ?, id, time + ? * 86400000, method, scheme, host, port,
      CASE WHEN path GLOB '*/[0-9]*' AND path NOT GLOB '*[^0-9]' THEN rtrim(path, '0123456789') || (abs(random()) % 1000000) ELSE path END,
      query, http_version, status, status_text, req_headers, resp_headers, req_body_id, resp_body_id, req_size, resp_size, mime, duration, ip, client_ip, server_ip, principal, principal_kind, error, websocket, extra
    FROM exchanges WHERE source_id < ? LIMIT ?`).run(src, round, src, N - count);
  count = db.prepare(`SELECT count(*) FROM exchanges`).pluck().get() as number;
}
const distinct = db.prepare(`SELECT count(*) FROM (SELECT DISTINCT host, method, path FROM exchanges)`).pluck().get() as number;
process.stdout.write(`\nworkspace: ${count.toLocaleString('en-US')} exchanges, ${distinct.toLocaleString('en-US')} distinct paths\n`);

const full = timed(() => buildInventory(db));
const cached = timed(() => loadInventory(db));
const more = Math.max(1000, Math.floor(count / 100));
importExchanges(db, 'more.har', generateTraffic({ seed: 10, users: 300, durationMs: 6 * 3600_000, incidents: true, start: Date.parse('2027-01-01') }).exchanges.slice(0, more));
const inc = timed(() => loadInventory(db));
printTable(`Inventory build over ${count.toLocaleString('en-US')} exchanges`, [
  ['step', 'endpoints', 'wall s', 'cpu s', 'target s', 'wall / target'],
  ['full build', full.value.endpoints.length, full.wall.toFixed(2), full.cpu.toFixed(2), N >= 1_000_000 ? TARGET_S : (TARGET_S * N) / 1_000_000, (full.wall / (N >= 1_000_000 ? TARGET_S : (TARGET_S * N) / 1_000_000)).toFixed(2)],
  ['cached load', cached.value.endpoints.length, cached.wall.toFixed(2), cached.cpu.toFixed(2), '-', '-'],
  [`incremental (+${more.toLocaleString('en-US')})`, inc.value.endpoints.length, inc.wall.toFixed(2), inc.cpu.toFixed(2), '-', '-'],
]);
process.stdout.write(`\n1M-equivalent build rate: ${Math.round(count / full.wall).toLocaleString('en-US')} exchanges/s (target ${(1_000_000 / TARGET_S).toLocaleString('en-US')}/s): ${full.wall <= (TARGET_S * N) / 1_000_000 ? 'OK' : 'SLOWER THAN TARGET'}\n`);
db.close();
rmSync(path, { force: true });
rmSync(dir, { recursive: true, force: true });
