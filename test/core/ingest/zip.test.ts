import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { importPath } from '../../../src/core/ingest/import.ts';
import { isZip, MAX_ZIP_MEMBERS } from '../../../src/core/ingest/zip.ts';
import { shared } from '../../helpers/paths.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { zip } from './formats/proxy/helpers.ts';

const dir = tempDir('cartograph-zip-');
let n = 0;
function write(bytes: Buffer, name = `in-${++n}.zip`): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const workspace = () => openWorkspace(join(dir, `ws-${++n}.sqlite`), { create: true });

describe('zip archives of captures', () => {
  it('imports each member by its own detected format, gzip inside zip included, and a .saz whole', async () => {
    const archive = zip([
      { name: 'captures/zap.har', data: readFileSync(shared('proxy', 'zaproxy__zaproxy', 'seq-simple.har')) },
      { name: 'flows.mitm', data: readFileSync(shared('proxy', 'mitmproxy__mitmproxy', 'successful_log.mitm')), store: true },
      { name: 'vampi.json.gz', data: gzipSync(readFileSync(shared('proxy', 'erev0s__VAmPI', 'VAmPI.postman_collection.json'))) },
      { name: 'fiddler/demo.saz', data: readFileSync(shared('proxy', 'mingyuchoo__real-saz2har', 'demo.saz')), store: true },
      { name: '__MACOSX/._zap.har', data: Buffer.from('junk') },
      { name: 'captures/', data: Buffer.alloc(0), store: true },
    ]);
    const path = write(archive, 'bundle.zip');
    const db = workspace();
    const results = await importPath(db, { path });
    expect(results.map((r) => [r.file, r.format, r.imported, r.fatal])).toEqual([
      ['bundle.zip!captures/zap.har', 'har', 6, null],
      ['bundle.zip!flows.mitm', 'mitmproxy', 2, null],
      ['bundle.zip!vampi.json.gz', 'postman', 15, null],
      ['bundle.zip!fiddler/demo.saz', 'saz', 1, null],
    ]);
    expect((db.prepare('SELECT count(*) AS n FROM exchanges').get() as { n: number }).n).toBe(24);
    const paths = (db.prepare('SELECT path FROM sources ORDER BY id').all() as { path: string }[]).map((r) => r.path);
    expect(paths[0]).toBe(`${path}!captures/zap.har`);
    // The same archive again adds nothing: every member is recognised by its content hash.
    const again = await importPath(db, { path });
    expect(again.every((r) => r.duplicate)).toBe(true);
    db.close();
  });

  it('a .saz is not expanded: its reader claims the zip', async () => {
    const db = workspace();
    const r = await importPath(db, { path: shared('proxy', 'mingyuchoo__real-saz2har', 'demo.saz') });
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ format: 'saz', imported: 1 });
    db.close();
  });

  it('a member that is no capture is skipped by name, a nested zip says so; the others still import', async () => {
    const inner = zip([{ name: 'a.txt', data: Buffer.from('x') }]);
    const path = write(zip([{ name: 'readme.txt', data: Buffer.from('hello') }, { name: 'z.har', data: readFileSync(shared('proxy', 'zaproxy__zaproxy', 'seq-simple.har')) }, { name: 'more.zip', data: inner, store: true }]));
    const db = workspace();
    const r = await importPath(db, { path });
    expect(r[0]).toMatchObject({ format: 'unknown', imported: 0, skipped: 1, fatal: null, errors: [{ at: 'zip member readme.txt', message: 'not a format Cartograph reads; skipped' }] });
    expect(r[1]).toMatchObject({ format: 'har', imported: 6, fatal: null });
    expect(r[2].errors[0].message).toMatch(/a zip inside the zip/);
    db.close();
  });

  it('caps bombs: a member declaring a huge expansion is refused, a lying size header is caught', async () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024, 0x20);
    const path = write(zip([{ name: 'bomb.log', data: bomb }]));
    const db = workspace();
    // 50 MB of spaces deflate to ~50 KB: under the 1 GiB floor, so it is read (and rejected as a format).
    const read = await importPath(db, { path });
    expect(read[0]).toMatchObject({ skipped: 1, fatal: null });
    const liar = write(zip([{ name: 'a.har', data: readFileSync(shared('proxy', 'zaproxy__zaproxy', 'seq-simple.har')), claimSize: 100 }]));
    const l = await importPath(db, { path: liar });
    expect(l[0].imported).toBe(0);
    expect(l[0].fatal).toMatch(/too many bytes|size|expected/i);
    const huge = Buffer.from(zip([{ name: 'x.har', data: Buffer.from('{}'), claimSize: 0x7fffffff }]));
    const h = await importPath(db, { path: write(huge) });
    expect(h[0].fatal).toMatch(/zip bomb \(at zip member x\.har\)/);
    db.close();
  });

  it('a corrupt or empty archive is one clear fatal result', async () => {
    const db = workspace();
    const good = zip([{ name: 'a.txt', data: Buffer.from('x') }]);
    const cut = await importPath(db, { path: write(good.subarray(0, good.length - 10)) });
    expect(cut).toHaveLength(1);
    expect(cut[0].fatal).toMatch(/zip/i);
    const empty = await importPath(db, { path: write(zip([])) });
    expect(empty[0].fatal).toMatch(/holds no files/);
    db.close();
  });

  it('knows zip magic and caps the member count', () => {
    expect(isZip(Buffer.from('PK\u0003\u0004'))).toBe(true);
    expect(isZip(Buffer.from('PK\u0005\u0006'))).toBe(true);
    expect(isZip(Buffer.from('{"log"'))).toBe(false);
    expect(MAX_ZIP_MEMBERS).toBeGreaterThan(1000);
  });
});
