import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type CliIO } from './command.ts';
import { openWorkspace, type Db } from '../core/store/db.ts';
import { registerQueryFunctions } from '../core/query/index.ts';
import { recoverInterruptedImports } from '../core/ingest/import.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every workspace command shares (cli-contract.md). */
export const DB_OPTION = { db: { type: 'string' } } as const satisfies Options;
export const JSON_OPTION = { json: { type: 'boolean' } } as const satisfies Options;
export const DEFAULT_DB = 'cartograph.sqlite';

/** node:util parseArgs with its errors turned into usage errors (exit 2). */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

export function dbPath(values: { db?: string | boolean | (string | boolean)[] }, io: CliIO): string {
  return resolve(io.cwd, typeof values.db === 'string' ? values.db : DEFAULT_DB);
}

/** Opens the workspace a command reads; a missing file is a usage error unless `create`. */
export function openCliWorkspace(path: string, create = false): Db {
  if (!create && !existsSync(path)) throw new UsageError(`no workspace at ${path} (import a capture first, or pass --db)`);
  let db: Db;
  try {
    db = openWorkspace(path, { create });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  registerQueryFunctions(db);
  recoverInterruptedImports(db);
  return db;
}

export function parseIntOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Plain aligned columns for human output. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')}\n`;
}
