import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openWorkspace, WorkspaceError } from '../../../src/core/store/db.ts';
import { migrations, SCHEMA_VERSION } from '../../../src/core/store/migrations.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('workspace schema', () => {
  it('has one migration per version and ends at the highest', () => {
    const versions = migrations.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(SCHEMA_VERSION).toBe(Math.max(...versions));
  });

  it('a new workspace is at the schema version, in WAL mode, and reopens without re-running migrations', () => {
    const path = join(tempDir(), 'w.sqlite');
    openWorkspace(path, { create: true }).close();
    const db = openWorkspace(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses files that are not workspaces, and workspaces newer than this build', () => {
    const dir = tempDir();
    const text = join(dir, 'notes.sqlite');
    writeFileSync(text, 'hello, not a database at all'.repeat(100));
    expect(() => openWorkspace(text)).toThrow(WorkspaceError);

    const foreign = join(dir, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    other.close();
    expect(() => openWorkspace(foreign)).toThrow(/not a Cartograph workspace/);

    const newer = join(dir, 'newer.sqlite');
    openWorkspace(newer, { create: true }).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openWorkspace(newer)).toThrow(/newer than this build/);
  });

  it('a missing file is only created when asked', () => {
    expect(() => openWorkspace(join(tempDir(), 'absent.sqlite'))).toThrow(/cannot open workspace/);
  });
});
