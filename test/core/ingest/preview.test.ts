import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { previewHead, readFileHead } from '../../../src/core/ingest/preview.ts';
import { HEAD_BYTES } from '../../../src/core/ingest/open.ts';
import { shared } from '../../helpers/paths.ts';

const SAFARI = shared('har', 'mitmproxy__mitmproxy', 'safari.har');

describe('import preview', () => {
  it('a document cut by the 64 KiB head shows the records before the cut, without an error', async () => {
    const { head, size } = await readFileHead(SAFARI);
    expect(head.length).toBe(HEAD_BYTES);
    const p = await previewHead('safari.har', head, { size });
    expect(p).toMatchObject({ format: 'har', partial: true, error: null });
    expect(p.records.length).toBeGreaterThanOrEqual(1);
    expect(p.records[0]).toMatchObject({ kind: 'exchange', method: 'GET', url: 'https://mitmproxy.org/', status: 200 });
  });

  it('a small file read whole is not partial; the limit caps the records', async () => {
    const log = readFileSync(shared('logs', 'crowdsecurity__hub', 'nginx_http-logs', 'nginx_http-logs.log'));
    const p = await previewHead('access.log', log.subarray(0, Math.min(log.length, HEAD_BYTES)), { size: log.length, limit: 2 });
    expect(p.format).toBe('access-log');
    expect(p.records).toHaveLength(2);
    expect(p.partial).toBe(log.length > HEAD_BYTES);
  });

  it('a cut gzip head still decompresses what it holds', async () => {
    const gz = gzipSync(readFileSync(SAFARI));
    const p = await previewHead('safari.har.gz', gz.subarray(0, 20_000), { size: gz.length });
    expect(p).toMatchObject({ compression: 'gzip', format: 'har' });
    expect(p.records.length).toBeGreaterThanOrEqual(1);
  });

  it('garbage gives no candidates and says so; random bytes never throw', async () => {
    const p = await previewHead('x.bin', Buffer.from('\u0000\u0001 nothing to see'), { size: 16 });
    expect(p).toMatchObject({ format: null, candidates: [], records: [] });
    expect(p.error).toMatch(/not a format/);
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.from(Array.from({ length: 2000 }, (_, j) => (j * 7919 + i * 104729) % 256));
      await expect(previewHead('r', bytes)).resolves.toBeDefined();
    }
  });
});
