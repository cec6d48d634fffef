/**
 * Findings in the workspace (migration 3): runs, findings with their evidence request ids, triage
 * decisions that survive re-runs (keyed by the deterministic finding id), and suppression rules
 * later runs respect.
 */
import type { Db } from '../store/db.ts';
import { CATEGORIES, FINDING_STATUSES, SEVERITIES, type ApiSpec, type Category, type Finding, type FindingStatus, type Severity } from './types.ts';

export interface StoredFinding extends Finding {
  status: FindingStatus;
  note: string | null;
  runId: number;
}

export interface Suppression {
  id: number;
  rule: string | null;
  /** Principal or IP. */
  actor: string | null;
  host: string | null;
  method: string | null;
  path: string | null;
  note: string | null;
  createdAt: number;
}

export class FindingStoreError extends Error {
  override name = 'FindingStoreError';
}

export function startRun(db: Db, pack: string, rules: number, now: number = Date.now()): number {
  const r = db.prepare(`INSERT INTO detection_runs (started_at, pack, rules, status) VALUES (?, ?, ?, 'running')`).run(now, pack, rules);
  return Number(r.lastInsertRowid);
}

export function finishRun(db: Db, runId: number, result: { exchanges: number; findings: number; status?: 'complete' | 'failed' | 'cancelled' }, now: number = Date.now()): void {
  db.prepare(`UPDATE detection_runs SET finished_at = ?, exchanges = ?, findings = ?, status = ? WHERE id = ?`).run(now, result.exchanges, result.findings, result.status ?? 'complete', runId);
}

/**
 * Stores a run's findings. Findings of earlier runs that nobody triaged are replaced (a re-run is
 * the current truth); triaged ones are kept, and a finding with the same id keeps its decision.
 */
export function saveFindings(db: Db, runId: number, findings: readonly Finding[]): void {
  const dropUntriaged = db.prepare(`DELETE FROM findings WHERE run_id <> ? AND id NOT IN (SELECT finding_id FROM finding_triage WHERE status <> 'open')`);
  const upsert = db.prepare(`
    INSERT INTO findings (id, run_id, rule, category, owasp, severity, confidence, title, actor_ip, actor_principal, host, method, path, request_count, first_seen, last_seen, evidence)
    VALUES (@id, @runId, @rule, @category, @owasp, @severity, @confidence, @title, @ip, @principal, @host, @method, @path, @requestCount, @firstSeen, @lastSeen, @evidence)
    ON CONFLICT(id) DO UPDATE SET run_id = excluded.run_id, severity = excluded.severity, confidence = excluded.confidence, title = excluded.title,
      request_count = excluded.request_count, last_seen = excluded.last_seen, evidence = excluded.evidence`);
  const clearRequests = db.prepare(`DELETE FROM finding_requests WHERE finding_id = ?`);
  const addRequest = db.prepare(`INSERT OR IGNORE INTO finding_requests (finding_id, exchange_id) VALUES (?, ?)`);
  db.transaction(() => {
    dropUntriaged.run(runId);
    for (const f of findings) {
      upsert.run({
        id: f.id, runId, rule: f.rule, category: f.category, owasp: f.owasp, severity: f.severity, confidence: f.confidence, title: f.title,
        ip: f.actor.ip, principal: f.actor.principal, host: f.endpoint.host, method: f.endpoint.method, path: f.endpoint.path,
        requestCount: f.requestCount, firstSeen: Date.parse(f.firstSeen), lastSeen: Date.parse(f.lastSeen), evidence: f.evidence,
      });
      clearRequests.run(f.id);
      for (const id of f.requestIds) addRequest.run(f.id, id);
    }
  })();
}

interface Row {
  id: string; run_id: number; rule: string; category: string; owasp: string; severity: string; confidence: number; title: string;
  actor_ip: string | null; actor_principal: string | null; host: string; method: string; path: string; request_count: number;
  first_seen: number; last_seen: number; evidence: string; status: string | null; note: string | null; request_ids: string | null;
}

export function suppressionMatches(s: Suppression, f: Finding): boolean {
  return (
    (s.rule === null || s.rule === f.rule) &&
    (s.actor === null || s.actor === f.actor.principal || s.actor === f.actor.ip) &&
    (s.host === null || s.host === f.endpoint.host) &&
    (s.method === null || s.method.toUpperCase() === f.endpoint.method) &&
    (s.path === null || s.path === f.endpoint.path)
  );
}

/** Findings with their effective status: the analyst's decision, else suppressed by a rule, else open. */
export function listFindings(db: Db, filter: { status?: FindingStatus; category?: Category; runId?: number; id?: string } = {}): StoredFinding[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.id !== undefined) {
    where.push('f.id = ?');
    params.push(filter.id);
  }
  if (filter.category) {
    where.push('f.category = ?');
    params.push(filter.category);
  }
  if (filter.runId !== undefined) {
    where.push('f.run_id = ?');
    params.push(filter.runId);
  }
  const rows = db
    .prepare(
      `SELECT f.*, t.status AS status, t.note AS note,
         (SELECT group_concat(exchange_id) FROM (SELECT exchange_id FROM finding_requests r WHERE r.finding_id = f.id ORDER BY exchange_id)) AS request_ids
       FROM findings f LEFT JOIN finding_triage t ON t.finding_id = f.id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY f.first_seen, f.rule, f.id`,
    )
    .all(...params) as Row[];
  const suppressions = listSuppressions(db);
  const out: StoredFinding[] = [];
  for (const r of rows) {
    const f: StoredFinding = {
      id: r.id,
      rule: r.rule,
      category: r.category as Category,
      owasp: r.owasp,
      severity: r.severity as Severity,
      confidence: r.confidence,
      title: r.title,
      actor: { ip: r.actor_ip, principal: r.actor_principal },
      endpoint: { host: r.host, method: r.method, path: r.path },
      requestIds: r.request_ids ? r.request_ids.split(',').map(Number) : [],
      requestCount: r.request_count,
      firstSeen: new Date(r.first_seen).toISOString(),
      lastSeen: new Date(r.last_seen).toISOString(),
      evidence: r.evidence,
      status: 'open',
      note: r.note,
      runId: r.run_id,
    };
    f.status = r.status && r.status !== 'open' ? (r.status as FindingStatus) : suppressions.some((s) => suppressionMatches(s, f)) ? 'suppressed' : 'open';
    if (filter.status === undefined || filter.status === f.status) out.push(f);
  }
  return out;
}

export function setFindingStatus(db: Db, id: string, status: FindingStatus, note?: string, now: number = Date.now()): void {
  if (!(FINDING_STATUSES as readonly string[]).includes(status)) throw new FindingStoreError(`unknown finding status ${JSON.stringify(status)}`);
  const exists = db.prepare(`SELECT 1 FROM findings WHERE id = ?`).get(id);
  if (!exists) throw new FindingStoreError(`no finding ${JSON.stringify(id)}`);
  db.prepare(
    `INSERT INTO finding_triage (finding_id, status, note, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(finding_id) DO UPDATE SET status = excluded.status, note = coalesce(excluded.note, finding_triage.note), updated_at = excluded.updated_at`,
  ).run(id, status, note ?? null, now);
}

export function addSuppression(db: Db, s: { rule?: string; actor?: string; host?: string; method?: string; path?: string; note?: string }, now: number = Date.now()): number {
  if (!s.rule && !s.actor && !s.host && !s.path) throw new FindingStoreError('a suppression needs at least a rule, an actor, a host or a path');
  const r = db
    .prepare(`INSERT INTO suppressions (rule, actor, host, method, path, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run(s.rule ?? null, s.actor ?? null, s.host ?? null, s.method?.toUpperCase() ?? null, s.path ?? null, s.note ?? null, now);
  return Number(r.lastInsertRowid);
}

export function removeSuppression(db: Db, id: number): boolean {
  return db.prepare(`DELETE FROM suppressions WHERE id = ?`).run(id).changes > 0;
}

export function listSuppressions(db: Db): Suppression[] {
  return (db.prepare(`SELECT * FROM suppressions ORDER BY id`).all() as { id: number; rule: string | null; actor: string | null; host: string | null; method: string | null; path: string | null; note: string | null; created_at: number }[]).map((r) => ({
    id: r.id, rule: r.rule, actor: r.actor, host: r.host, method: r.method, path: r.path, note: r.note, createdAt: r.created_at,
  }));
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

export function isCategory(s: string): s is Category {
  return Object.hasOwn(CATEGORIES, s);
}

/** Where a workspace remembers the published spec given to detection (shadow/zombie judgements). */
const SPEC_KEY = 'detect.spec';

export function rememberedSpec(db: Db): ApiSpec | null {
  const row = db.prepare(`SELECT value FROM meta WHERE key = ?`).get(SPEC_KEY) as { value: string } | undefined;
  if (!row) return null;
  try {
    return JSON.parse(row.value) as ApiSpec;
  } catch {
    return null;
  }
}

export function rememberSpec(db: Db, spec: ApiSpec): void {
  db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(SPEC_KEY, JSON.stringify(spec));
}
