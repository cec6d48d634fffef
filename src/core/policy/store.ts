/** The workspace's policy document (migration 6): one slot, the text exactly as saved. */
import type { Db } from '../store/db.ts';

const SLOT = 'default';

export function loadPolicyText(db: Db): { text: string; updatedAt: number } | null {
  const row = db.prepare('SELECT text, updated_at AS updatedAt FROM policy_documents WHERE slot = ?').get(SLOT) as { text: string; updatedAt: number } | undefined;
  return row ?? null;
}

export function savePolicyText(db: Db, text: string, now = Date.now()): number {
  db.prepare('INSERT INTO policy_documents (slot, text, updated_at) VALUES (?, ?, ?) ON CONFLICT(slot) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at').run(SLOT, text, now);
  return now;
}
