/** Command line of the desktop app: `electron . [--db FILE] [--user-data DIR]` (Chromium switches pass through). */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface MainArgs {
  db?: string;
  userData?: string;
}

export function parseMainArgs(argv: string[]): MainArgs {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, 'user-data': { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const db = str(values.db);
  const userData = str(values['user-data']);
  return { ...(db ? { db: resolve(db) } : {}), ...(userData ? { userData: resolve(userData) } : {}) };
}
