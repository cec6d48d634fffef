/**
 * The detection slice of the Api (src/shared/api-detect.ts) over the open workspace. Detection runs
 * inline in the service worker (it is already off the UI thread); the rule pack is the bundled one
 * (resources/rules) unless a folder is given.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ApiError } from '../../../shared/api.ts';
import {
  FINDING_STATUSES,
  SEVERITIES,
  type ActorTimeline,
  type Category,
  type DetectResults,
  type EvidenceRow,
  type FindingGroup,
  type FindingGrouping,
  type FindingRecord,
  type FindingStatus,
  type RuleInfo,
  type RuleTestResult,
  type Severity,
  type SuppressionInfo,
  type detectInputs,
} from '../../../shared/api-detect.ts';
import type { Db } from '../../store/db.ts';
import { createEngine, feedEngine } from '../../detect/engine.ts';
import { compareFindings } from '../../detect/incidents.ts';
import { explainExchange } from '../../detect/offline.ts';
import { loadRulePack, packOf, parseRuleFile, RulePackError } from '../../detect/pack.ts';
import { DetectionCancelled, startDetectJob, type DetectJob } from '../../detect/job.ts';
import { addSuppression, FindingStoreError, listFindings, listSuppressions, rememberedSpec, removeSuppression, setFindingStatus } from '../../detect/store.ts';
import { CATEGORIES, type Finding, type RulePack } from '../../detect/types.ts';
import { iterateExchanges } from '../../store/exchanges.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

/** `rules.test` answers within this much engine time; beyond it the result says `truncated`. */
const RULE_TEST_BUDGET_MS = 4000;
const RULE_TEST_MAX_MATCHES = 500;

const EVIDENCE_COLUMNS = `e.id, e.time, e.method, e.scheme, e.host, e.path, e.query, e.status, coalesce(e.ip, e.client_ip) AS ip, e.principal`;

function emptyBySeverity(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function groupKeyOf(f: Finding, by: FindingGrouping): string {
  switch (by) {
    case 'category': return f.category;
    case 'actor': return `${f.actor.principal ?? ''}/${f.actor.ip ?? ''}`;
    case 'endpoint': return `${f.endpoint.method} ${f.endpoint.host} ${f.endpoint.path}`;
  }
}

function groupFindings(findings: readonly FindingRecord[], by: FindingGrouping): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = groupKeyOf(f, by);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, count: 0, bySeverity: emptyBySeverity(), findingIds: [] }));
    g.count++;
    g.bySeverity[f.severity]++;
    g.findingIds.push(f.id);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

function toRecord(f: ReturnType<typeof listFindings>[number]): FindingRecord {
  return { ...f };
}

function ruleInfo(r: RulePack['rules'][number], packDir: string | null): RuleInfo {
  return {
    id: r.id,
    kind: r.kind,
    category: r.category,
    owasp: CATEGORIES[r.category],
    severity: r.severity,
    confidence: r.confidence,
    title: r.title,
    description: r.description ?? null,
    doc: r.doc ?? null,
    source: packDir ? relative(packDir, r.source) : r.source,
    enabled: r.enabled,
  };
}

function toSuppression(s: ReturnType<typeof listSuppressions>[number]): SuppressionInfo {
  return { id: s.id, rule: s.rule, actor: s.actor, host: s.host, method: s.method, path: s.path, note: s.note, createdAt: s.createdAt };
}

function evidenceRows(db: Db, findingId: string): EvidenceRow[] {
  return db
    .prepare(`SELECT ${EVIDENCE_COLUMNS} FROM exchanges e WHERE e.id IN (SELECT exchange_id FROM finding_requests WHERE finding_id = ?) ORDER BY e.time, e.id`)
    .all(findingId) as EvidenceRow[];
}

function actorTimeline(db: Db, q: { ip?: string; principal?: string; limit: number }): ActorTimeline {
  const where: string[] = [];
  const params: string[] = [];
  if (q.principal !== undefined) {
    where.push('e.principal = ?');
    params.push(q.principal);
  }
  if (q.ip !== undefined) {
    // The ip index serves the common case; client_ip is the fallback the engine uses too.
    where.push('(e.ip = ? OR (e.ip IS NULL AND e.client_ip = ?))');
    params.push(q.ip, q.ip);
  }
  const cond = where.join(' AND ');
  const total = (db.prepare(`SELECT count(*) AS n FROM exchanges e WHERE ${cond}`).get(...params) as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT ${EVIDENCE_COLUMNS}, (SELECT group_concat(finding_id) FROM finding_requests r WHERE r.exchange_id = e.id) AS finding_ids
       FROM exchanges e WHERE ${cond} ORDER BY e.time, e.id LIMIT ?`,
    )
    .all(...params, q.limit) as (EvidenceRow & { finding_ids: string | null })[];
  const entries = rows.map(({ finding_ids, ...row }) => ({ ...row, findingIds: finding_ids ? finding_ids.split(',').sort() : [] }));
  const ids = new Set(entries.flatMap((e) => e.findingIds));
  const findings = ids.size
    ? (db.prepare(`SELECT id, rule, category, severity, title FROM findings WHERE id IN (SELECT value FROM json_each(?)) ORDER BY first_seen, id`).all(JSON.stringify([...ids])) as ActorTimeline['findings'])
    : [];
  return { actor: { ip: q.ip ?? null, principal: q.principal ?? null }, total, entries, findings };
}

export function detectHandlers(ctx: ServiceContext): FeatureHandlers<typeof detectInputs, DetectResults> {
  const builtinDir = join(ctx.resourcesDir, 'rules');
  let builtin: RulePack | null = null;

  /** The bundled pack (loaded once), or the pack in `dir` (re-read each time: it is being edited). */
  const packFor = (dir?: string): { pack: RulePack; dir: string } => {
    try {
      if (dir === undefined) return { pack: (builtin ??= loadRulePack(builtinDir, 'builtin')), dir: builtinDir };
      const full = resolve(dir);
      return { pack: loadRulePack(full), dir: full };
    } catch (err) {
      if (err instanceof RulePackError) throw new ApiError('bad-input', err.message);
      throw err;
    }
  };

  /** The detection run in progress (one at a time: a second would race the first's findings). */
  let running: DetectJob | null = null;
  ctx.onClose(() => running?.cancel());

  const findingById = (id: string): FindingRecord => {
    const [f] = listFindings(ctx.db(), { id });
    if (!f) throw new ApiError('not-found', `no finding ${id}`);
    return toRecord(f);
  };

  return {
    'detect.run': async ({ rulesDir }) => {
      // Loaded here first so a broken pack is a bad-input error before any run starts.
      const { pack, dir } = packFor(rulesDir);
      if (running) throw new ApiError('bad-input', 'a detection run is already running: wait for it or cancel it');
      const started = performance.now();
      const job = startDetectJob(ctx.workerUrl, { dbPath: ctx.dbPath(), packDir: dir, packName: pack.name }, (exchanges, total) => {
        const seconds = Math.max(0.001, (performance.now() - started) / 1000);
        ctx.emit('detect.progress', { exchanges, total, exchangesPerSecond: Math.round(exchanges / seconds) });
      });
      running = job;
      let r;
      try {
        r = await job.result;
      } catch (err) {
        if (err instanceof DetectionCancelled) throw new ApiError('cancelled', err.message);
        throw err;
      } finally {
        running = null;
        ctx.changed('findings', 'detection_runs');
      }
      return {
        runId: r.runId,
        findings: r.findings,
        exchanges: r.exchanges,
        seconds: r.seconds,
        warning: r.specKnown ? null : 'no published spec is known for this workspace: shadow-api findings are not made, zombie-api rests on superseded versions',
      };
    },

    'detect.cancel': () => {
      running?.cancel();
    },

    'findings.list': ({ status, category, groupBy }) => {
      const all = listFindings(ctx.db()).map(toRecord);
      const byStatus = Object.fromEntries(FINDING_STATUSES.map((s) => [s, 0])) as Record<FindingStatus, number>;
      const bySeverity = emptyBySeverity();
      const byCategory: Partial<Record<Category, number>> = {};
      for (const f of all) {
        byStatus[f.status]++;
        bySeverity[f.severity]++;
        byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
      }
      const findings = all.filter((f) => (status === undefined || f.status === status) && (category === undefined || f.category === category));
      return { findings, counts: { total: all.length, byStatus, bySeverity, byCategory }, ...(groupBy ? { groups: groupFindings(findings, groupBy) } : {}) };
    },

    'findings.get': ({ id }) => {
      const finding = findingById(id);
      const rule = packFor().pack.rules.find((r) => r.id === finding.rule);
      return { finding, evidence: evidenceRows(ctx.db(), id), rule: rule ? ruleInfo(rule, builtinDir) : null };
    },

    'findings.triage': ({ id, status, note }) => {
      try {
        setFindingStatus(ctx.db(), id, status, note);
      } catch (err) {
        if (err instanceof FindingStoreError) throw new ApiError('not-found', err.message);
        throw err;
      }
      ctx.changed('finding_triage');
      return findingById(id);
    },

    'suppressions.list': () => listSuppressions(ctx.db()).map(toSuppression),

    'suppressions.add': (s) => {
      let id: number;
      try {
        id = addSuppression(ctx.db(), s);
      } catch (err) {
        if (err instanceof FindingStoreError) throw new ApiError('bad-input', err.message);
        throw err;
      }
      ctx.changed('suppressions');
      return toSuppression(listSuppressions(ctx.db()).find((x) => x.id === id)!);
    },

    'suppressions.remove': ({ id }) => {
      if (!removeSuppression(ctx.db(), id)) throw new ApiError('not-found', `no suppression ${id}`);
      ctx.changed('suppressions');
    },

    'detect.explain': ({ exchangeId }) => {
      const db = ctx.db();
      if (!db.prepare('SELECT 1 FROM exchanges WHERE id = ?').get(exchangeId)) throw new ApiError('not-found', `no exchange with id ${exchangeId}`);
      return explainExchange({ db, exchangeId }, packFor().pack, { spec: rememberedSpec(db) }).map((x) => ({
        rule: x.rule, kind: x.kind, category: x.category, lookedAt: x.lookedAt, matched: x.matched, reason: x.reason, findingId: x.findingId,
      }));
    },

    'rules.list': () => packFor().pack.rules.map((r) => ruleInfo(r, builtinDir)),

    'rules.schema': () => readFileSync(join(ctx.resourcesDir, 'schemas', 'rule-pack.schema.json'), 'utf8'),

    'rules.source': ({ id }) => {
      const rule = packFor().pack.rules.find((r) => r.id === id);
      if (!rule) throw new ApiError('not-found', `no built-in rule ${id}`);
      return readFileSync(rule.source, 'utf8');
    },

    'rules.test': ({ yaml }) => testRules(ctx.db(), yaml),

    'actor.timeline': (q) => actorTimeline(ctx.db(), q),
  };
}

/**
 * Validates rule text and runs it over the workspace (time order, a bounded amount of engine time)
 * so the editor can show what it would find. Disabled rules are run too: that is what a test is for.
 */
export function testRules(db: Db, yaml: string): RuleTestResult {
  let rules;
  try {
    rules = parseRuleFile(yaml, 'rule.yaml').map((r) => ({ ...r, enabled: true }));
    packOf('test', rules);
  } catch (err) {
    if (err instanceof RulePackError) return { ok: false, errors: [{ rule: err.rule, field: err.field, message: err.message.replace(/^rule\.yaml: (?:rule [^:]+: )?/, '') }] };
    throw err;
  }
  const engine = createEngine(packOf('test', rules), { spec: rememberedSpec(db) });
  const started = performance.now();
  const found: Finding[] = [];
  let truncated = false;
  const exchanges = feedEngine(engine, iterateExchanges(db, { order: 'time', withBodies: true }), {
    n: 500,
    at: () => {
      found.push(...engine.drain());
      truncated = performance.now() - started > RULE_TEST_BUDGET_MS;
      return !truncated;
    },
  });
  found.push(...engine.drain(), ...engine.flush());
  found.sort(compareFindings);
  return {
    ok: true,
    rules: rules.map((r) => r.id),
    exchanges,
    truncated,
    seconds: (performance.now() - started) / 1000,
    matches: found.slice(0, RULE_TEST_MAX_MATCHES),
    total: found.length,
  };
}
