/**
 * Building and refining the persisted inventory (migration 4).
 *
 * The distinct paths of every host+method are counted in SQL (inventory_paths); templates are
 * inferred from those (cheap: distinct paths, not exchanges). Each endpoint's accumulator is
 * persisted, so a later import is folded in without a rebuild: only its new exchanges are read,
 * and only endpoints whose set of paths changed (a template refined by the new evidence, or by
 * an analyst decision) are rescanned — over their own paths' exchanges, not the workspace.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Header, PrincipalKind } from '../model/exchange.ts';
import type { Db } from '../store/db.ts';
import { cached, decodeBody } from '../store/exchanges.ts';
import { loadCatalogue, type Classifier } from './classifiers.ts';
import { RowBuffer, SCAN_COLUMNS } from './buffer.ts';
import { EndpointStats, type LightRow, type StatsState } from './stats.ts';
import { ID_KINDS, segmentKind, splitPath, decodeSegment } from './segments.ts';
import { inferHost, normalPrefix, type HostTemplates, type PathSample } from './templater.ts';
import type { Endpoint, EndpointFlag, InventoryOptions, InventorySummary, TemplateDecision, TemplateResolver } from './types.ts';

const DEFAULT_MAX_BODIES = 200;
const DEFAULT_MAX_BODY_BYTES = 1 << 20;
/** Exchanges a build reads in one scan (kept column-wise, ~60 bytes each); more are read twice. */
const SINGLE_PASS_MAX = 2_000_000;
/** Response-key lookups per build (only for paths whose last segment is not an identifier). */
const MAX_KEY_LOOKUPS = 5000;

const lightColumns = (t: string): string =>
  `${t}id, ${t}time, ${t}method, ${t}host, ${t}path, ${t}query, ${t}status, ${t}duration, coalesce(${t}ip, ${t}client_ip), ${t}principal, ${t}principal_kind`;

function lightRow(r: unknown[]): LightRow {
  return {
    id: r[0] as number,
    time: r[1] as number,
    method: r[2] as string,
    host: r[3] as string,
    path: r[4] as string,
    query: r[5] as string,
    status: r[6] as number | null,
    duration: r[7] as number | null,
    ip: r[8] as string | null,
    principal: r[9] as string | null,
    principalKind: r[10] as PrincipalKind | null,
  };
}

// ---------- state ----------

function getState(db: Db, key: string): string | null {
  const row = cached(db, `SELECT value FROM inventory_state WHERE key = ?`).get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

function setState(db: Db, key: string, value: string): void {
  cached(db, `INSERT INTO inventory_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
}

/** Marks the inventory for re-templating at the next load (decisions changed). */
export function markDecisionsChanged(db: Db): void {
  setState(db, 'decisions-dirty', '1');
}

/** Bump when inference or statistics change: persisted inventories then rebuild once. */
const INVENTORY_VERSION = '2';

function catalogueFingerprint(catalogue: readonly Classifier[]): string {
  const h = createHash('sha1').update(INVENTORY_VERSION);
  // Content only: the same rules read from another folder (app resources vs checkout) are the same catalogue.
  for (const c of catalogue) {
    h.update(c.id);
    try {
      h.update(readFileSync(c.file));
    } catch {
      h.update(c.title);
    }
  }
  return h.digest('hex').slice(0, 16);
}

export function listDecisions(db: Db): TemplateDecision[] {
  const rows = db.prepare(`SELECT id, host, method, prefix, kind, name, created_at FROM inventory_decisions ORDER BY id`).all() as {
    id: number; host: string; method: string; prefix: string; kind: TemplateDecision['kind']; name: string | null; created_at: number;
  }[];
  return rows.map((r) => ({ id: r.id, host: r.host, method: r.method, prefix: r.prefix, kind: r.kind, name: r.name, createdAt: new Date(r.created_at).toISOString() }));
}

// ---------- the build ----------

interface Context {
  db: Db;
  catalogue: Classifier[];
  maxBodies: number;
  maxBodyBytes: number;
  now: number;
  /** By endpoint id, and by host\nmethod\ntemplate (no hashing per exchange). */
  accs: Map<string, EndpointStats>;
  byKey: Map<string, EndpointStats>;
}

function maxExchangeId(db: Db): number {
  return ((db.prepare(`SELECT max(id) AS m FROM exchanges`).get() as { m: number | null }).m ?? 0);
}

function accFor(ctx: Context, host: string, method: string, template: string): EndpointStats {
  const key = `${host}\n${method}\n${template}`;
  let acc = ctx.byKey.get(key);
  if (acc) return acc;
  const probe = EndpointStats.empty(host, method, template);
  acc = ctx.accs.get(probe.id);
  if (!acc) {
    const row = cached(ctx.db, `SELECT state FROM inventory_endpoints WHERE id = ?`).get(probe.id) as { state: string } | undefined;
    acc = row ? new EndpointStats(JSON.parse(row.state) as StatsState) : probe;
    ctx.accs.set(probe.id, acc);
  }
  ctx.byKey.set(key, acc);
  return acc;
}

function json<T>(text: unknown): T | null {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function readBody(db: Db, id: number | null): Uint8Array | null {
  if (id === null) return null;
  const row = cached(db, `SELECT compressed, data FROM bodies WHERE id = ?`).raw(true).get(id) as unknown[] | undefined;
  if (!row) return null;
  try {
    return decodeBody(row[0], row[1]);
  } catch {
    return null;
  }
}

function fold(ctx: Context, acc: EndpointStats, r: LightRow): void {
  acc.add(r);
  if (acc.detailed >= ctx.maxBodies) return;
  const d = cached(ctx.db, `SELECT req_headers, resp_headers, req_body_id, resp_body_id, extra FROM exchanges WHERE id = ?`).raw(true).get(r.id) as unknown[] | undefined;
  if (!d) return;
  const extra = json<Record<string, unknown>>(d[4]);
  acc.addDetail(r, {
    requestHeaders: json<Header[]>(d[0]) ?? [],
    responseHeaders: json<Header[]>(d[1]) ?? [],
    requestBody: readBody(ctx.db, d[2] as number | null),
    responseBody: readBody(ctx.db, d[3] as number | null),
    consumer: typeof extra?.consumer === 'string' ? extra.consumer : null,
  }, ctx.catalogue, ctx.maxBodyBytes);
}

/** Top-level keys of one JSON response of a path: the sibling-similarity evidence. */
function responseKeys(db: Db, host: string, method: string, path: string): string[] {
  // Exchange first, then its body: joining lets the planner start from bodies and scan them all.
  const bodyId = cached(db, `SELECT resp_body_id FROM exchanges INDEXED BY exchanges_path WHERE path = ? AND host = ? AND method = ? AND resp_body_id IS NOT NULL LIMIT 1`).pluck().get(path, host, method) as number | undefined;
  if (bodyId === undefined) return [];
  const row = cached(db, `SELECT compressed, data FROM bodies WHERE id = ? AND size < 262144`).raw(true).get(bodyId) as unknown[] | undefined;
  if (!row) return [];
  try {
    const body = decodeBody(row[0], row[1]);
    const first = body?.[0];
    if (!body || (first !== 0x7b && first !== 0x5b)) return [];
    let v = JSON.parse(new TextDecoder().decode(body)) as unknown;
    if (Array.isArray(v)) v = v[0];
    return v && typeof v === 'object' ? Object.keys(v).slice(0, 64) : [];
  } catch {
    return [];
  }
}

/**
 * Adds path hits to inventory_paths; returns the hosts they touch. Paths ending in an identifier
 * need no response keys (they are parameters whatever their siblings say): stored as [] at once.
 */
function recordPaths(db: Db, paths: Iterable<{ host: string; method: string; path: string; count: number }>): Set<string> {
  const upsert = cached(db, `INSERT INTO inventory_paths (host, method, path, count, keys) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (host, method, path) DO UPDATE SET count = count + excluded.count`);
  const hosts = new Set<string>();
  for (const p of paths) {
    const slash = p.path.lastIndexOf('/');
    const last = decodeSegment(p.path.slice(slash + 1));
    upsert.run(p.host, p.method, p.path, p.count, last !== '' && ID_KINDS.has(segmentKind(last)) ? '[]' : null);
    hosts.add(p.host);
  }
  return hosts;
}

function* groupedPaths(db: Db, from: number, to: number): Generator<{ host: string; method: string; path: string; count: number }> {
  const rows = db.prepare(`SELECT host, method, path, count(*) FROM exchanges WHERE id > ? AND id <= ? GROUP BY host, method, path`).raw(true).all(from, to) as [string, string, string, number][];
  for (const [host, method, path, count] of rows) yield { host, method, path, count };
}

/** Fetches the similarity keys of paths new to inventory_paths. */
function fetchKeys(db: Db): void {
  const fresh = db.prepare(`SELECT host, method, path FROM inventory_paths WHERE keys IS NULL`).raw(true).all() as [string, string, string][];
  const setKeys = db.prepare(`UPDATE inventory_paths SET keys = ? WHERE host = ? AND method = ? AND path = ?`);
  let lookups = 0;
  for (const [host, method, path] of fresh) {
    const segs = splitPath(path);
    const last = decodeSegment(segs[segs.length - 1] ?? '');
    const wanted = lookups < MAX_KEY_LOOKUPS && last !== '' && !ID_KINDS.has(segmentKind(last));
    if (wanted) lookups++;
    setKeys.run(JSON.stringify(wanted ? responseKeys(db, host, method, path) : []), host, method, path);
  }
}

/**
 * Full build, paths in memory: similarity keys fetched, templates inferred per host and every
 * path stored once with its template (no second read or update of inventory_paths).
 */
function templateFresh(db: Db, paths: readonly { host: string; method: string; path: string; count: number }[], decisions: readonly TemplateDecision[], resolvers: Map<string, HostTemplates>): string[] {
  const byHost = new Map<string, number[]>();
  const keys: string[][] = [];
  let lookups = 0;
  paths.forEach((p, i) => {
    const last = decodeSegment(p.path.slice(p.path.lastIndexOf('/') + 1));
    const wanted = last !== '' && !ID_KINDS.has(segmentKind(last)) && lookups++ < MAX_KEY_LOOKUPS;
    keys.push(wanted ? responseKeys(db, p.host, p.method, p.path) : []);
    const list = byHost.get(p.host);
    if (list) list.push(i);
    else byHost.set(p.host, [i]);
  });
  const out: string[] = new Array<string>(paths.length);
  const insert = db.prepare(`INSERT INTO inventory_paths (host, method, path, count, keys, template) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const [host, list] of byHost) {
    const templates = inferHost(host, list.map((i) => ({ method: paths[i].method, path: paths[i].path, count: paths[i].count, keys: keys[i] })), decisions);
    resolvers.set(host, templates);
    for (const i of list) {
      const p = paths[i];
      out[i] = templates.resolve(p.method, p.path);
      insert.run(host, p.method, p.path, p.count, JSON.stringify(keys[i]), out[i]);
    }
  }
  return out;
}

function inferFromPaths(db: Db, host: string, decisions: readonly TemplateDecision[]): { templates: HostTemplates; paths: { method: string; path: string; old: string | null }[] } {
  const rows = db.prepare(`SELECT method, path, count, keys, template FROM inventory_paths WHERE host = ?`).raw(true).all(host) as [string, string, number, string | null, string | null][];
  const samples: PathSample[] = rows.map(([method, path, count, keys]) => ({ method, path, count, keys: json<string[]>(keys) ?? undefined }));
  return { templates: inferHost(host, samples, decisions), paths: rows.map(([method, path, , , old]) => ({ method, path, old })) };
}

/**
 * Folds exchanges (from, to] into the persisted inventory, re-templating the hosts they touch
 * (all hosts when `retemplateAll`) and rescanning only endpoints whose paths moved.
 */
function refine(db: Db, opts: InventoryOptions, from: number, to: number, retemplateAll: boolean): void {
  const catalogue = loadCatalogue(opts.classifiers);
  const ctx: Context = {
    db, catalogue, maxBodies: opts.maxBodiesPerEndpoint ?? DEFAULT_MAX_BODIES, maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    now: (opts.now ?? Date.now)(), accs: new Map(), byKey: new Map(),
  };
  const decisions = listDecisions(db);
  // One scan when the new rows fit in memory (paths counted and rows kept column-wise), else two.
  let buffer: RowBuffer | null = null;
  let touched = new Set<string>();
  /** Template of each buffered path, when a full build could infer them straight from memory. */
  let fresh: string[] | null = null;
  const resolvers = new Map<string, HostTemplates>();
  const dirty = new Set<string>();
  if (to > from && to - from <= SINGLE_PASS_MAX) {
    const b = new RowBuffer();
    for (const raw of db.prepare(`SELECT ${SCAN_COLUMNS} FROM exchanges WHERE id > ? AND id <= ?`).raw(true).iterate(from, to) as IterableIterator<unknown[]>) b.push(raw);
    buffer = b;
    if (from === 0) fresh = templateFresh(db, b.paths, decisions, resolvers);
    else touched = recordPaths(db, b.paths);
  } else touched = recordPaths(db, groupedPaths(db, from, to));
  if (!fresh) {
    fetchKeys(db);
    const hosts = retemplateAll ? (db.prepare(`SELECT DISTINCT host FROM inventory_paths`).pluck().all() as string[]) : [...touched];
    const setTemplate = db.prepare(`UPDATE inventory_paths SET template = ? WHERE host = ? AND method = ? AND path = ?`);
    for (const host of hosts) {
      const { templates, paths } = inferFromPaths(db, host, decisions);
      resolvers.set(host, templates);
      for (const p of paths) {
        const t = templates.resolve(p.method, p.path);
        if (t === p.old) continue;
        setTemplate.run(t, host, p.method, p.path);
        // A path that moved takes its earlier exchanges along: both endpoints are recounted.
        if (p.old !== null) {
          dirty.add(`${host}\n${p.method}\n${p.old}`);
          dirty.add(`${host}\n${p.method}\n${t}`);
        }
      }
    }
  }
  if (dirty.size > 0) {
    const del = db.prepare(`DELETE FROM inventory_endpoints WHERE id = ?`);
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS inventory_rescan (host TEXT, method TEXT, path TEXT, PRIMARY KEY (host, method, path)) WITHOUT ROWID; DELETE FROM temp.inventory_rescan;`);
    const addRescan = db.prepare(`INSERT OR IGNORE INTO temp.inventory_rescan SELECT host, method, path FROM inventory_paths WHERE host = ? AND method = ? AND template = ?`);
    for (const key of dirty) {
      const [host, method, template] = key.split('\n');
      const probe = EndpointStats.empty(host, method, template);
      del.run(probe.id);
      ctx.accs.set(probe.id, probe);
      addRescan.run(host, method, template);
    }
    const rescan = db.prepare(`SELECT ${lightColumns('e.')}
      FROM temp.inventory_rescan d JOIN exchanges e INDEXED BY exchanges_path ON e.path = d.path AND e.host = d.host AND e.method = d.method WHERE e.id <= ? ORDER BY e.id`).raw(true);
    for (const raw of rescan.iterate(from) as IterableIterator<unknown[]>) {
      const r = lightRow(raw);
      const t = (resolvers.get(r.host) as HostTemplates).resolve(r.method, r.path);
      fold(ctx, accFor(ctx, r.host, r.method, t), r);
    }
  }
  const resolverOf = (host: string): HostTemplates => {
    let templates = resolvers.get(host);
    if (!templates) resolvers.set(host, (templates = inferFromPaths(db, host, decisions).templates));
    return templates;
  };
  if (buffer) {
    // Templates and accumulators once per distinct path, not per exchange.
    const templates = fresh;
    const accs = buffer.paths.map((p, i) => accFor(ctx, p.host, p.method, templates ? templates[i] : resolverOf(p.host).resolve(p.method, p.path)));
    for (let i = 0; i < buffer.length; i++) fold(ctx, accs[buffer.keyOf(i)], buffer.row(i));
  } else if (to > from) {
    const fresh = db.prepare(`SELECT ${lightColumns('')} FROM exchanges WHERE id > ? AND id <= ? ORDER BY id`).raw(true);
    for (const raw of fresh.iterate(from, to) as IterableIterator<unknown[]>) {
      const r = lightRow(raw);
      fold(ctx, accFor(ctx, r.host, r.method, resolverOf(r.host).resolve(r.method, r.path)), r);
    }
  }
  const upsert = db.prepare(`INSERT INTO inventory_endpoints (id, host, method, template, count, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET count = excluded.count, state = excluded.state, updated_at = excluded.updated_at`);
  for (const acc of ctx.accs.values()) {
    if (acc.s.count === 0) continue;
    upsert.run(acc.id, acc.s.host, acc.s.method, acc.s.template, acc.s.count, JSON.stringify(acc.toState()), ctx.now);
  }
  setState(db, 'last-exchange-id', String(to));
  setState(db, 'catalogue', catalogueFingerprint(catalogue));
  setState(db, 'built-at', String(ctx.now));
  setState(db, 'decisions-dirty', '0');
}

// ---------- reading ----------

const normal = (t: string): string => normalPrefix(t);

function findingsByEndpoint(db: Db): Map<string, number> {
  const out = new Map<string, number>();
  const rows = db.prepare(`SELECT host, method, path, count(*) AS n FROM findings GROUP BY host, method, path`).raw(true).all() as [string, string, string, number][];
  for (const [host, method, path, n] of rows) {
    const k = `${host} ${method} ${normal(path)}`;
    out.set(k, (out.get(k) ?? 0) + n);
  }
  return out;
}

function flagsByEndpoint(db: Db): Map<string, EndpointFlag[]> {
  const out = new Map<string, EndpointFlag[]>();
  const rows = db.prepare(`SELECT DISTINCT host, method, path, flag FROM inventory_flags`).raw(true).all() as [string, string, string, EndpointFlag][];
  for (const [host, method, path, flag] of rows) {
    const k = `${host} ${method} ${normal(path)}`;
    const list = out.get(k) ?? [];
    if (!list.includes(flag)) list.push(flag);
    out.set(k, list);
  }
  return out;
}

function decisionFlags(decisions: readonly TemplateDecision[], e: { host: string; method: string; template: string }): EndpointFlag[] {
  const out: EndpointFlag[] = [];
  const t = normal(e.template);
  for (const d of decisions) {
    if (d.host !== e.host || (d.method !== e.method && d.method !== '*')) continue;
    const p = normal(d.prefix);
    if (t === p || t.startsWith(p === '/' ? '/' : `${p}/`)) {
      const f: EndpointFlag = d.kind === 'merge' ? 'merged' : d.kind === 'split' ? 'split' : 'renamed';
      if (!out.includes(f)) out.push(f);
    }
  }
  return out;
}

function readEndpoints(db: Db, host: string | undefined): Endpoint[] {
  const rows = (host
    ? db.prepare(`SELECT state FROM inventory_endpoints WHERE host = ? ORDER BY host, template, method`).pluck().all(host)
    : db.prepare(`SELECT state FROM inventory_endpoints ORDER BY host, template, method`).pluck().all()) as string[];
  const findings = findingsByEndpoint(db);
  const flags = flagsByEndpoint(db);
  const decisions = listDecisions(db);
  return rows.map((text) => {
    const acc = new EndpointStats(JSON.parse(text) as StatsState);
    const k = `${acc.s.host} ${acc.s.method} ${normal(acc.s.template)}`;
    return acc.toEndpoint(findings.get(k) ?? 0, [...(flags.get(k) ?? []), ...decisionFlags(decisions, acc.s)]);
  });
}

function summary(db: Db, opts: InventoryOptions, mode: InventorySummary['mode']): InventorySummary {
  return {
    endpoints: readEndpoints(db, opts.host),
    exchanges: Number(getState(db, 'last-exchange-id') ?? 0) === 0 ? 0 : (db.prepare(`SELECT count(*) FROM exchanges`).pluck().get() as number),
    builtAt: new Date(Number(getState(db, 'built-at') ?? 0)).toISOString(),
    mode,
  };
}

/** Full rebuild from every stored exchange (decisions kept), persisted. */
export function buildInventory(db: Db, opts: InventoryOptions = {}): InventorySummary {
  const to = maxExchangeId(db);
  db.transaction(() => {
    db.exec(`DELETE FROM inventory_paths; DELETE FROM inventory_endpoints;`);
    refine(db, opts, 0, to, false);
  })();
  return summary(db, opts, 'full');
}

/**
 * The inventory as persisted, refined first when exchanges were imported (or decisions made)
 * since the last build; rebuilt in full when the catalogue changed or exchanges were removed.
 */
export function loadInventory(db: Db, opts: InventoryOptions = {}): InventorySummary {
  const mode = refreshInventory(db, opts);
  return summary(db, opts, mode);
}

/** Brings the persisted inventory up to date; says how. */
export function refreshInventory(db: Db, opts: InventoryOptions = {}): InventorySummary['mode'] {
  const last = getState(db, 'last-exchange-id');
  const to = maxExchangeId(db);
  const from = last === null ? -1 : Number(last);
  const catalogueChanged = last !== null && getState(db, 'catalogue') !== catalogueFingerprint(loadCatalogue(opts.classifiers));
  if (last === null || catalogueChanged || to < from) {
    buildInventory(db, opts);
    return 'full';
  }
  const decisionsDirty = getState(db, 'decisions-dirty') === '1';
  if (to === from && !decisionsDirty) return 'cached';
  db.transaction(() => refine(db, opts, from, to, decisionsDirty))();
  return 'incremental';
}

/**
 * A resolver from concrete paths to the learned templates, for detection, the graph and the
 * spec export (same shape as detect's defaultTemplateOf). Refreshes the inventory first.
 */
export function inventoryTemplateOf(db: Db, opts: InventoryOptions = {}): TemplateResolver {
  refreshInventory(db, opts);
  const known = new Map<string, string>();
  for (const [host, method, path, template] of db.prepare(`SELECT host, method, path, template FROM inventory_paths WHERE template IS NOT NULL`).raw(true).iterate() as IterableIterator<[string, string, string, string]>) {
    known.set(`${host} ${method} ${path}`, template);
  }
  const decisions = listDecisions(db);
  const hosts = new Map<string, HostTemplates>();
  return (e) => {
    const hit = known.get(`${e.host} ${e.method} ${e.path}`);
    if (hit !== undefined) return hit;
    let h = hosts.get(e.host);
    if (!h) hosts.set(e.host, (h = inferFromPaths(db, e.host, decisions).templates));
    return h.resolve(e.method, e.path);
  };
}

/**
 * Replaces the flags one stage (e.g. 'spec-diff') sets on endpoints; `path` may be the stage's
 * own template spelling (parameter names are ignored when matching).
 */
export function setEndpointFlags(db: Db, source: string, flags: readonly { host: string; method: string; path: string; flag: EndpointFlag }[]): void {
  db.transaction(() => {
    db.prepare(`DELETE FROM inventory_flags WHERE source = ?`).run(source);
    const ins = db.prepare(`INSERT OR IGNORE INTO inventory_flags (host, method, path, flag, source) VALUES (?, ?, ?, ?, ?)`);
    for (const f of flags) ins.run(f.host, f.method.toUpperCase(), f.path, f.flag, source);
  })();
}
