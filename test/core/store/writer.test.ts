import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { emptyExchange } from '../../../src/core/model/exchange.ts';
import { openWorkspace } from '../../../src/core/store/db.ts';
import { ExchangeWriter } from '../../../src/core/store/writer.ts';
import { tempDir } from '../../helpers/tmp.ts';

function workspace() {
  const db = openWorkspace(join(tempDir('cartograph-writer-'), 'w.sqlite'), { create: true });
  db.prepare(`INSERT INTO sources (name, sha256, format, status, started_at) VALUES ('t.har', 't', 'har', 'running', 0)`).run();
  return db;
}

const exchange = (i: number, body: string | null) => ({
  ...emptyExchange(),
  time: i,
  path: `/items/${i}`,
  requestBody: body === null ? null : new TextEncoder().encode(body),
  requestHeaders: [['Content-Type', 'text/plain']] as [string, string][],
});

describe('ExchangeWriter batches', () => {
  it('writes a transaction every batchSize rows, and sooner once the held bodies reach batchBytes', () => {
    const db = workspace();
    const count = () => db.prepare('SELECT count(*) FROM exchanges').pluck().get();
    const rows = new ExchangeWriter(db, 1, { batchSize: 3 });
    for (let i = 0; i < 2; i++) rows.add(i, exchange(i, null));
    expect(count()).toBe(0);
    rows.add(2, exchange(2, null));
    expect(count()).toBe(3);

    // Each body is held twice (stored bytes and search text): 2 x 600 bytes per row.
    const bytes = new ExchangeWriter(db, 1, { batchSize: 1000, batchBytes: 2000 });
    bytes.add(3, exchange(3, 'a'.repeat(600)));
    expect(count()).toBe(3);
    bytes.add(4, exchange(4, 'b'.repeat(600)));
    expect(count()).toBe(5);
    bytes.add(5, exchange(5, 'c'.repeat(600)));
    expect(count()).toBe(5);
    expect(bytes.flush()).toBe(1);
    expect(db.prepare(`SELECT count(*) FROM body_fts WHERE text MATCH 'ccc'`).pluck().get()).toBe(1);
    db.close();
  });
});
