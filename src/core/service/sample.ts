import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace } from '../store/db.ts';
import { importFile } from '../ingest/import.ts';

export const SAMPLE_CAPTURE = join('sample', 'shop-api.har');

/**
 * First-run experience: the sample workspace is built from the capture bundled under resources/
 * the first time it is needed, into a temp file renamed into place, so an interrupted first run
 * never leaves a half-built sample behind.
 */
export async function ensureSampleWorkspace(path: string, resourcesDir: string): Promise<void> {
  if (existsSync(path)) return;
  const tmp = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(tmp + suffix, { force: true });
  const db = openWorkspace(tmp, { create: true });
  try {
    const result = await importFile(db, { path: join(resourcesDir, SAMPLE_CAPTURE), name: 'shop-api.har' });
    if (result.fatal) throw new Error(`bundled sample capture is unreadable: ${result.fatal}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  renameSync(tmp, path);
}
