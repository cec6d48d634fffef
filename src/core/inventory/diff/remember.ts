/**
 * The published spec a workspace remembers. Detection keeps its operation list under its own key
 * (src/core/detect/store.ts rememberSpec); the diff needs parameters and schemas too, so the source
 * text is kept beside it and re-read when a later diff names no spec. Loading a spec here therefore
 * also sets what `detect` judges shadow and zombie findings by.
 */
import { rememberSpec } from '../../detect/store.ts';
import type { Db } from '../../store/db.ts';
import type { RememberedSpecInfo } from '../../../shared/api-spec.ts';
import type { LoadedSpec } from '../openapi/load.ts';

const SOURCE_KEY = 'inventory.spec';

interface Stored extends RememberedSpecInfo {
  text: string;
}

export function rememberSpecSource(db: Db, loaded: LoadedSpec, text: string, now: number = Date.now()): RememberedSpecInfo {
  const { spec } = loaded;
  const info: RememberedSpecInfo = { name: spec.source, loadedAt: now, title: spec.title, version: spec.version, openapi: spec.openapi, operations: new Set(spec.operations.map((o) => o.pointer)).size };
  db.transaction(() => {
    rememberSpec(db, loaded.detect);
    db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(SOURCE_KEY, JSON.stringify({ ...info, text } satisfies Stored));
  })();
  return info;
}

function read(db: Db): Stored | null {
  const row = db.prepare(`SELECT value FROM meta WHERE key = ?`).get(SOURCE_KEY) as { value: string } | undefined;
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as Stored;
    return typeof v.text === 'string' && typeof v.name === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function rememberedSpecInfo(db: Db): RememberedSpecInfo | null {
  const s = read(db);
  if (!s) return null;
  const { text: _text, ...info } = s;
  return info;
}

/** The remembered spec's name and text, to load again. */
export function rememberedSpecSource(db: Db): { name: string; text: string } | null {
  const s = read(db);
  return s ? { name: s.name, text: s.text } : null;
}
