/**
 * Analyst decisions about templates: merge the children of a prefix into one parameter, split a
 * parameter back into literal paths, rename the parameter at a prefix. They are stored (not
 * applied to a snapshot), so every later build and import respects them.
 */
import type { Db } from '../store/db.ts';
import { listDecisions, markDecisionsChanged } from './build.ts';
import { normalPrefix } from './templater.ts';
import type { TemplateDecision, TemplateDecisionKind } from './types.ts';

export class DecisionError extends Error {
  override name = 'DecisionError';
}

export interface DecisionInput {
  host: string;
  method: string;
  /** Template up to the decided position: /api/users for /api/users/{userId}. */
  prefix: string;
  kind: TemplateDecisionKind;
  /** The parameter's name (rename; optional on merge). */
  name?: string;
}

/**
 * Records a decision (replacing an earlier one of the same kind at the same place; merge and
 * split exclude each other) and marks the inventory for re-templating.
 */
export function decide(db: Db, d: DecisionInput, now: number = Date.now()): TemplateDecision {
  if (!d.prefix.startsWith('/')) throw new DecisionError(`prefix must start with /: ${JSON.stringify(d.prefix.slice(0, 80))}`);
  if (d.kind === 'rename' && !d.name) throw new DecisionError('a rename needs the new parameter name');
  const prefix = normalPrefix(d.prefix);
  const method = d.method.toUpperCase();
  const id = db.transaction(() => {
    if (d.kind !== 'rename') {
      const opposite = d.kind === 'merge' ? 'split' : 'merge';
      db.prepare(`DELETE FROM inventory_decisions WHERE host = ? AND method = ? AND prefix = ? AND kind = ?`).run(d.host, method, prefix, opposite);
    }
    db.prepare(`INSERT INTO inventory_decisions (host, method, prefix, kind, name, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (host, method, prefix, kind) DO UPDATE SET name = excluded.name, created_at = excluded.created_at`).run(d.host, method, prefix, d.kind, d.name ?? null, now);
    // A merge that names its parameter is a merge and a rename.
    if (d.kind === 'merge' && d.name) {
      db.prepare(`INSERT INTO inventory_decisions (host, method, prefix, kind, name, created_at) VALUES (?, ?, ?, 'rename', ?, ?)
        ON CONFLICT (host, method, prefix, kind) DO UPDATE SET name = excluded.name, created_at = excluded.created_at`).run(d.host, method, prefix, d.name, now);
    }
    markDecisionsChanged(db);
    return (db.prepare(`SELECT id FROM inventory_decisions WHERE host = ? AND method = ? AND prefix = ? AND kind = ?`).pluck().get(d.host, method, prefix, d.kind) as number);
  })();
  const made = listDecisions(db).find((x) => x.id === id);
  if (!made) throw new DecisionError('decision was not stored');
  return made;
}

export function undecide(db: Db, id: number): boolean {
  const removed = db.prepare(`DELETE FROM inventory_decisions WHERE id = ?`).run(id).changes > 0;
  if (removed) markDecisionsChanged(db);
  return removed;
}
