/**
 * What replay keeps in the workspace (migration 5): the replay scope, environments of
 * {{variables}}, every request sent with its response (bodies stored once by hash, like
 * exchanges'), and identity-swap verdicts on findings.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../../shared/api.ts';
import type { FindingVerdict, ReplayDiff, ReplayEnvironment, ReplayKind, ReplaySummary, ReplayVerdict } from '../../shared/api-replay.ts';
import type { Header } from '../model/exchange.ts';
import type { Db } from '../store/db.ts';
import { cached, decodeBody } from '../store/exchanges.ts';
import { encodeBody } from '../store/writer.ts';
import { formatScopeEntry, parseScopeEntry, ScopeError, type ScopeEntry } from './scope.ts';

// ---------- scope ----------

export function readScope(db: Db): ScopeEntry[] {
  return (cached(db, 'SELECT entry FROM replay_scope ORDER BY rowid').pluck().all() as string[]).map((e) => parseScopeEntry(e));
}

export function listScope(db: Db): string[] {
  return readScope(db).map(formatScopeEntry);
}

function scopeEntryFor(text: string): string {
  try {
    return formatScopeEntry(parseScopeEntry(text));
  } catch (err) {
    if (err instanceof ScopeError) throw new ApiError('bad-input', err.message);
    throw err;
  }
}

export function addScope(db: Db, text: string, now = Date.now()): string[] {
  cached(db, 'INSERT OR IGNORE INTO replay_scope (entry, added_at) VALUES (?, ?)').run(scopeEntryFor(text), now);
  return listScope(db);
}

export function removeScope(db: Db, text: string): string[] {
  const entry = scopeEntryFor(text);
  if (cached(db, 'DELETE FROM replay_scope WHERE entry = ?').run(entry).changes === 0) throw new ApiError('not-found', `${entry} is not in the replay scope`);
  return listScope(db);
}

// ---------- environments ----------

interface EnvRow {
  id: number;
  name: string;
  variables: string;
  active: number;
}

const toEnv = (r: EnvRow): ReplayEnvironment => ({ id: r.id, name: r.name, variables: JSON.parse(r.variables) as Record<string, string>, active: r.active === 1 });

export function listEnvironments(db: Db): ReplayEnvironment[] {
  return (cached(db, 'SELECT id, name, variables, active FROM replay_environments ORDER BY name').all() as EnvRow[]).map(toEnv);
}

function getEnvironment(db: Db, id: number): ReplayEnvironment {
  const row = cached(db, 'SELECT id, name, variables, active FROM replay_environments WHERE id = ?').get(id) as EnvRow | undefined;
  if (!row) throw new ApiError('not-found', `no environment with id ${id}`);
  return toEnv(row);
}

export function saveEnvironment(db: Db, env: { id?: number; name: string; variables: Record<string, string> }, now = Date.now()): ReplayEnvironment {
  const clash = cached(db, 'SELECT id FROM replay_environments WHERE name = ?').pluck().get(env.name) as number | undefined;
  if (clash !== undefined && clash !== env.id) throw new ApiError('bad-input', `an environment named ${JSON.stringify(env.name)} already exists`);
  const vars = JSON.stringify(env.variables);
  if (env.id === undefined) {
    const id = Number(cached(db, 'INSERT INTO replay_environments (name, variables, updated_at) VALUES (?, ?, ?)').run(env.name, vars, now).lastInsertRowid);
    return getEnvironment(db, id);
  }
  getEnvironment(db, env.id);
  cached(db, 'UPDATE replay_environments SET name = ?, variables = ?, updated_at = ? WHERE id = ?').run(env.name, vars, now, env.id);
  return getEnvironment(db, env.id);
}

export function deleteEnvironment(db: Db, id: number): void {
  if (cached(db, 'DELETE FROM replay_environments WHERE id = ?').run(id).changes === 0) throw new ApiError('not-found', `no environment with id ${id}`);
}

export function activateEnvironment(db: Db, id: number | null): void {
  db.transaction(() => {
    if (id !== null) getEnvironment(db, id);
    cached(db, 'UPDATE replay_environments SET active = (id = ?)').run(id ?? -1);
  })();
}

/** Variables of the given environment, else of the active one, else none. */
export function environmentVariables(db: Db, id?: number): Record<string, string> {
  if (id !== undefined) return getEnvironment(db, id).variables;
  const row = cached(db, 'SELECT id, name, variables, active FROM replay_environments WHERE active = 1').get() as EnvRow | undefined;
  return row ? toEnv(row).variables : {};
}

// ---------- replays ----------

/** Stores a body once by content hash, compressed when that pays (the importer's convention). */
export function storeBody(db: Db, bytes: Uint8Array | null): number | null {
  if (!bytes || bytes.length === 0) return null;
  const hash = createHash('sha256').update(bytes).digest();
  const found = cached(db, 'SELECT id FROM bodies WHERE hash = ?').pluck().get(hash) as number | undefined;
  if (found !== undefined) return found;
  const { compressed, data } = encodeBody(bytes);
  return Number(cached(db, 'INSERT INTO bodies (hash, size, compressed, data) VALUES (?, ?, ?, ?)').run(hash, bytes.length, compressed, data).lastInsertRowid);
}

export interface ReplayRecord {
  exchangeId: number | null;
  kind: ReplayKind;
  runId?: number | null;
  step?: number | null;
  as: string | null;
  request: { method: string; url: string; headers: readonly Header[]; body: Uint8Array | null };
  response: { status: number; statusText: string; headers: readonly Header[]; body: Uint8Array; truncated: boolean; durationMs: number } | null;
  error?: string | null;
  diff: ReplayDiff | null;
  verdict?: ReplayVerdict | null;
  reason?: string | null;
  findingId?: string | null;
}

export function insertReplay(db: Db, r: ReplayRecord, now = Date.now()): number {
  return db.transaction(() => {
    const reqBody = storeBody(db, r.request.body);
    const respBody = r.response ? storeBody(db, r.response.body) : null;
    return Number(
      cached(
        db,
        `INSERT INTO replays (exchange_id, created_at, kind, run_id, step, as_label, method, url, req_headers, req_body_id, status, status_text,
           resp_headers, resp_body_id, resp_size, truncated, duration, error, diff, verdict, reason, finding_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        r.exchangeId, now, r.kind, r.runId ?? null, r.step ?? null, r.as, r.request.method, r.request.url, JSON.stringify(r.request.headers), reqBody,
        r.response?.status ?? null, r.response?.statusText ?? '', JSON.stringify(r.response?.headers ?? []), respBody, r.response ? r.response.body.length : null,
        r.response?.truncated ? 1 : 0, r.response?.durationMs ?? null, r.error ?? null, r.diff ? JSON.stringify(r.diff) : null, r.verdict ?? null, r.reason ?? null, r.findingId ?? null,
      ).lastInsertRowid,
    );
  })();
}

export function nextRunId(db: Db): number {
  return cached(db, 'SELECT coalesce(max(run_id), 0) + 1 FROM replays').pluck().get() as number;
}

const SUMMARY_COLUMNS = `r.id, r.exchange_id, r.created_at, r.kind, r.run_id, r.step, r.as_label, r.method, r.url, r.status, r.resp_size, r.duration, r.error, r.verdict, r.reason, r.finding_id, r.diff`;

interface SummaryRow {
  id: number;
  exchange_id: number | null;
  created_at: number;
  kind: ReplayKind;
  run_id: number | null;
  step: number | null;
  as_label: string | null;
  method: string;
  url: string;
  status: number | null;
  resp_size: number | null;
  duration: number | null;
  error: string | null;
  verdict: ReplayVerdict | null;
  reason: string | null;
  finding_id: string | null;
  diff: string | null;
}

export function parseDiff(text: string | null): ReplayDiff | null {
  return text === null ? null : (JSON.parse(text) as ReplayDiff);
}

export const isChanged = (d: ReplayDiff | null): boolean | null => (d === null ? null : d.status || d.headers.length > 0 || d.body.length > 0);

function toSummary(r: SummaryRow): ReplaySummary {
  return {
    id: r.id, exchangeId: r.exchange_id, time: r.created_at, kind: r.kind, runId: r.run_id, step: r.step, as: r.as_label, method: r.method, url: r.url,
    status: r.status, bytes: r.resp_size, durationMs: r.duration, error: r.error, verdict: r.verdict, reason: r.reason, findingId: r.finding_id,
    changed: isChanged(parseDiff(r.diff)),
  };
}

export interface ReplayQuery {
  exchangeId?: number;
  kind?: ReplayKind;
  verdict?: ReplayVerdict;
  runId?: number;
  q?: string;
  offset: number;
  limit: number;
}

/** Newest first, filtered by original exchange, kind, verdict, run and a free-text/status query. */
export function listReplays(db: Db, q: ReplayQuery): { rows: ReplaySummary[]; total: number } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, ...p: (string | number)[]): void => {
    where.push(sql);
    params.push(...p);
  };
  if (q.exchangeId !== undefined) add('r.exchange_id = ?', q.exchangeId);
  if (q.kind !== undefined) add('r.kind = ?', q.kind);
  if (q.verdict !== undefined) add('r.verdict = ?', q.verdict);
  if (q.runId !== undefined) add('r.run_id = ?', q.runId);
  const text = q.q?.trim() ?? '';
  if (/^\d{3}$/.test(text)) add('r.status = ?', Number(text));
  else if (/^[1-5]xx$/i.test(text)) add('r.status BETWEEN ? AND ?', Number(text[0]) * 100, Number(text[0]) * 100 + 99);
  else if (text) add(`(instr(lower(r.url), ?) > 0 OR r.method = ? OR instr(lower(coalesce(r.as_label, '')), ?) > 0)`, text.toLowerCase(), text.toUpperCase(), text.toLowerCase());
  const cond = where.length ? where.join(' AND ') : '1';
  const total = cached(db, `SELECT count(*) FROM replays r WHERE ${cond}`).pluck().get(...params) as number;
  const rows = cached(db, `SELECT ${SUMMARY_COLUMNS} FROM replays r WHERE ${cond} ORDER BY r.id DESC LIMIT ? OFFSET ?`).all(...params, q.limit, q.offset) as SummaryRow[];
  return { rows: rows.map(toSummary), total };
}

export interface StoredReplay extends ReplaySummary {
  request: { method: string; url: string; headers: Header[]; body: Uint8Array | null };
  response: { status: number | null; statusText: string; headers: Header[]; body: Uint8Array | null; truncated: boolean } | null;
  diff: ReplayDiff | null;
}

export function readReplay(db: Db, id: number): StoredReplay {
  const row = cached(
    db,
    `SELECT ${SUMMARY_COLUMNS}, r.req_headers, r.status_text, r.resp_headers, r.truncated, rb.compressed AS rbc, rb.data AS rbd, pb.compressed AS pbc, pb.data AS pbd
     FROM replays r LEFT JOIN bodies rb ON rb.id = r.req_body_id LEFT JOIN bodies pb ON pb.id = r.resp_body_id WHERE r.id = ?`,
  ).get(id) as (SummaryRow & { req_headers: string; status_text: string; resp_headers: string; truncated: number; rbc: number | null; rbd: Buffer | null; pbc: number | null; pbd: Buffer | null }) | undefined;
  if (!row) throw new ApiError('not-found', `no replay with id ${id}`);
  const responded = row.status !== null;
  return {
    ...toSummary(row),
    request: { method: row.method, url: row.url, headers: JSON.parse(row.req_headers) as Header[], body: decodeBody(row.rbc, row.rbd) },
    response: responded ? { status: row.status, statusText: row.status_text, headers: JSON.parse(row.resp_headers) as Header[], body: decodeBody(row.pbc, row.pbd) ?? new Uint8Array(), truncated: row.truncated === 1 } : null,
    diff: parseDiff(row.diff),
  };
}

// ---------- verdicts ----------

export function recordVerdict(db: Db, v: Omit<FindingVerdict, 'time'>, now = Date.now()): void {
  cached(db, 'INSERT OR REPLACE INTO finding_verdicts (finding_id, replay_id, exchange_id, as_label, verdict, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    v.findingId, v.replayId, v.exchangeId, v.as, v.verdict, v.reason, now,
  );
}

export function listVerdicts(db: Db, findingId: string): FindingVerdict[] {
  return cached(
    db,
    `SELECT finding_id AS findingId, replay_id AS replayId, exchange_id AS exchangeId, as_label AS "as", verdict, reason, created_at AS time
     FROM finding_verdicts WHERE finding_id = ? ORDER BY created_at DESC, replay_id DESC`,
  ).all(findingId) as FindingVerdict[];
}
