/**
 * Traffic queries on a large workspace: `node bench/traffic.bench.ts [--rows N]` (default 1,000,000).
 *
 * Builds (once, seeded, into .bench/) a workspace of N exchanges with realistic headers and a
 * body on one exchange in ten, then times: first pages under each sort, a deep offset, counts,
 * filtered pages, and iterateExchanges throughput with and without bodies.
 * Targets: first unfiltered page < 10 ms; iterate >= 100,000 rows/s without bodies.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { openWorkspace, type Db } from '../src/core/store/db.ts';
import { countTraffic, pageTraffic } from '../src/core/store/traffic.ts';
import { iterateExchanges } from '../src/core/store/exchanges.ts';
import { registerQueryFunctions } from '../src/core/query/index.ts';
import type { SortColumn } from '../src/shared/api.ts';
import { peakRssMb, rng } from './lib.ts';

const { values } = parseArgs({ options: { rows: { type: 'string' } } });
const N = Number(values.rows ?? 1_000_000);
const DIR = resolve(import.meta.dirname, '../.bench');
const FILE = resolve(DIR, `traffic-${N}.sqlite`);


function build(): void {
  mkdirSync(DIR, { recursive: true });
  rmSync(FILE, { force: true });
  const db = openWorkspace(FILE, { create: true });
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const hosts = ['api.shop.example', 'auth.shop.example', 'cdn.shop.example', 'admin.shop.example'];
  const paths = ['/api/v1/users', '/api/v1/orders', '/api/v1/products', '/login', '/static/app.js', '/api/v2/search'];
  const agents = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', 'curl/8.5.0', 'python-requests/2.31.0'];
  const statuses = [200, 200, 200, 201, 204, 304, 400, 401, 403, 404, 500, 502];
  db.prepare(`INSERT INTO sources (name, sha256, format, status, started_at) VALUES ('bench.har', 'bench', 'har', 'complete', 0)`).run();
  const ins = db.prepare(`INSERT INTO exchanges (source_id, entry_index, time, method, scheme, host, port, path, query, http_version, status, status_text,
    req_headers, resp_headers, req_body_id, resp_body_id, req_size, resp_size, mime, duration, ip, client_ip, principal)
    VALUES (1, ?, ?, ?, 'https', ?, NULL, ?, ?, 'HTTP/1.1', ?, '', ?, ?, NULL, ?, NULL, ?, 'application/json', ?, ?, ?, ?)`);
  const body = db.prepare('INSERT INTO bodies (hash, size, compressed, data) VALUES (?, ?, 1, ?)');
  const fts = db.prepare('INSERT INTO body_fts (rowid, text) VALUES (?, ?)');
  const t0 = Date.UTC(2024, 0, 1);
  const started = performance.now();
  for (let start = 0; start < N; start += 50_000) {
    db.transaction(() => {
      for (let i = start; i < Math.min(N, start + 50_000); i++) {
        const user = Math.floor(r() * 5000);
        let bodyId: number | null = null;
        if (i % 10 === 0) {
          const text = JSON.stringify({ id: i, user: `user${user}`, items: [{ sku: `SKU-${Math.floor(r() * 1e6)}`, qty: 1 }], note: i % 1000 === 0 ? 'secret-token-here' : 'ok' });
          const bytes = Buffer.from(text);
          bodyId = Number(body.run(createHash('sha256').update(bytes).digest(), bytes.length, deflateRawSync(bytes)).lastInsertRowid);
          fts.run(bodyId, text);
        }
        const ip = `10.${user % 256}.${(user >> 8) % 256}.${i % 200}`;
        ins.run(
          i, t0 + i * 50 + Math.floor(r() * 50), pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']), pick(hosts), pick(paths) + (r() < 0.3 ? `/${Math.floor(r() * 1e5)}` : ''),
          r() < 0.2 ? `?page=${Math.floor(r() * 50)}` : '', pick(statuses),
          JSON.stringify([['Host', 'api.shop.example'], ['User-Agent', pick(agents)], ['Accept', 'application/json'], ['Authorization', `Bearer tok${user}`]]),
          JSON.stringify([['Content-Type', 'application/json'], ['Content-Length', '123'], ['Server', 'nginx']]),
          bodyId, Math.floor(r() * 100_000), Math.round(r() * 2000 * 10) / 10, ip, ip, `user${user}`,
        );
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  console.log(`built ${N.toLocaleString()} rows in ${((performance.now() - started) / 1000).toFixed(1)} s → ${FILE}`);
}

function time<T>(label: string, f: () => T, runs = 5): T {
  let out!: T;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    out = f();
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} min ${ms[0].toFixed(2)} ms, median ${ms[Math.floor(ms.length / 2)].toFixed(2)} ms, max ${ms[ms.length - 1].toFixed(2)} ms`);
  return out;
}

if (!existsSync(FILE)) build();
const db: Db = openWorkspace(FILE);
registerQueryFunctions(db);
const base = { filter: '', sort: 'id' as SortColumn, dir: 'asc' as const, offset: 0, limit: 200 };

for (const sort of ['id', 'time', 'status', 'host', 'duration'] as SortColumn[]) {
  for (const dir of ['asc', 'desc'] as const) time(`page 1, sort ${sort} ${dir}, no filter`, () => pageTraffic(db, { ...base, sort, dir }));
}
time('page at offset 900,000, sort time asc', () => pageTraffic(db, { ...base, sort: 'time', offset: 900_000 }), 3);
time('page at offset 900,000, sort id desc', () => pageTraffic(db, { ...base, dir: 'desc', offset: 900_000 }), 3);
for (const sort of ['time', 'id'] as SortColumn[]) {
  let offset = 900_000;
  time(`scroll on from offset 900,000, sort ${sort} desc (10 pages)`, () => pageTraffic(db, { ...base, sort, dir: 'desc', offset: (offset += 200) }), 10);
}
time('count, no filter (cached after the first)', () => countTraffic(db, ''));
for (const filter of ['status = 5xx', 'host = admin.shop.example', 'path contains orders', 'principal = user42', 'header[user-agent] ~ "^curl/"', 'body contains secret-token', 'time 2024-01-01T01:00:00Z..2024-01-01T02:00:00Z']) {
  time(`page 1 + total, filter ${filter}`, () => pageTraffic(db, { ...base, filter, sort: 'time' }), 1);
  time(`  again (count cached)`, () => pageTraffic(db, { ...base, filter, sort: 'time', offset: 200 }), 1);
}

for (const withBodies of [false, true]) {
  for (const order of ['id', 'time'] as const) {
    const s = performance.now();
    let n = 0;
    for (const e of iterateExchanges(db, { order, withBodies })) n += e.id > 0 ? 1 : 0;
    const sec = (performance.now() - s) / 1000;
    console.log(`iterateExchanges order=${order} withBodies=${withBodies}: ${n.toLocaleString()} rows in ${sec.toFixed(2)} s = ${Math.round(n / sec).toLocaleString()} rows/s`);
  }
}
console.log(`peak RSS ${peakRssMb().toFixed(0)} MB`);
db.close();
