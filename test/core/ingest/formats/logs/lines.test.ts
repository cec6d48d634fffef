import { describe, expect, it } from 'vitest';
import { LineSplitter, lineBatches } from '../../../../../src/core/ingest/formats/logs/lines.ts';
import type { LineBatch } from '../../../../../src/core/ingest/formats/logs/lines.ts';
import { accessLogReader } from '../../../../../src/core/ingest/formats/logs/clf.ts';
import type { ReaderInput } from '../../../../../src/core/ingest/reader.ts';

function splitAll(bytes: Buffer, cuts: number[], max?: number): { lines: string[]; notes: string[] } {
  const s = new LineSplitter(max);
  const lines: string[] = [];
  const notes: string[] = [];
  const take = (b: LineBatch | null): void => {
    if (!b) return;
    b.lines.forEach((l, i) => {
      expect(b.firstLine + i).toBe(lines.length + 1);
      lines.push(l);
      const n = b.notes?.[i];
      if (n) notes.push(`${b.firstLine + i}:${n.kind === 'too-long' ? `too-long ${n.bytes}` : n.kind}`);
    });
  };
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    take(s.push(bytes.subarray(at, c)));
    at = c;
  }
  take(s.end());
  return { lines, notes };
}

describe('line splitter', () => {
  const text = '\ufeffcafé ☕ one\r\ntwo\n\nthree 𝄞\nlast without newline';
  const bytes = Buffer.from(text, 'utf8');
  const want = ['café ☕ one', 'two', '', 'three 𝄞', 'last without newline'];

  it('gives the same lines wherever the chunks are cut (UTF-8 sequences, CRLF, BOM)', () => {
    for (let cut = 0; cut <= bytes.length; cut++) expect(splitAll(bytes, [cut]).lines).toEqual(want);
    for (let cut = 1; cut < bytes.length - 1; cut += 3) expect(splitAll(bytes, [cut, cut + 1, cut + 2]).lines).toEqual(want);
  });

  it('decodes a line that is not UTF-8 as Latin-1 and flags it, leaving its neighbours alone', () => {
    const mixed = Buffer.concat([Buffer.from('ok é\n'), Buffer.from([0x47, 0xe9, 0x74, 0xa4, 0x0a]), Buffer.from('ok again\n')]);
    const out = splitAll(mixed, [7]);
    expect(out.lines).toEqual(['ok é', 'Gét¤', 'ok again']);
    expect(out.notes).toEqual(['2:latin1']);
  });

  it('drops an over-long line while it streams, reports its size and line, and reads on', () => {
    const long = Buffer.alloc(5000, 0x61);
    const input = Buffer.concat([Buffer.from('first\n'), long, Buffer.from('\nafter\n')]);
    const out = splitAll(input, [3, 100, 2000, 4000], 1000);
    expect(out.lines).toEqual(['first', '', 'after']);
    expect(out.notes).toEqual(['2:too-long 5000']);
    // Same when the long line arrives in one chunk.
    expect(splitAll(input, [], 1000).notes).toEqual(['2:too-long 5000']);
    // And when it is the last, unterminated line.
    expect(splitAll(Buffer.concat([Buffer.from('a\n'), long]), [700], 1000).notes).toEqual(['2:too-long 5000']);
  });

  it('skips a 50 MB line with a clear message and bounded memory', async () => {
    const piece = Buffer.alloc(64 * 1024, 0x41);
    const pieces = Math.ceil((50 * 1024 * 1024) / piece.length);
    let peak = 0;
    const before = process.memoryUsage();
    const base = before.heapUsed + before.arrayBuffers;
    const input: ReaderInput = {
      name: 'huge.log',
      size: null,
      async *chunks() {
        yield Buffer.from('1.2.3.4 - - [10/Feb/2012:16:42:07 -0500] "GET / HTTP/1.0" 200 1\n');
        for (let i = 0; i < pieces; i++) {
          if (i % 64 === 0) {
            const m = process.memoryUsage();
            peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base);
          }
          yield piece;
        }
        yield Buffer.from('\n5.6.7.8 - - [10/Feb/2012:16:42:08 -0500] "GET /next HTTP/1.0" 404 2\n');
      },
    };
    const items = [];
    for await (const it of accessLogReader.read(input, { signal: new AbortController().signal, options: {} })) items.push(it);
    expect(items.map((i) => i.kind)).toEqual(['exchange', 'skip', 'exchange']);
    expect(items[1]).toEqual({ kind: 'skip', index: 2, at: 'line 2', message: 'line is 52,428,800 bytes, longer than the 1,048,576-byte limit; skipped' });
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  });

  it('stops when the read is aborted', async () => {
    const ac = new AbortController();
    const input: ReaderInput = {
      name: 'x',
      size: null,
      async *chunks() {
        for (;;) yield Buffer.from('line\n');
      },
    };
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of lineBatches(input, { signal: ac.signal })) if (++n === 3) ac.abort();
      })(),
    ).rejects.toThrow();
    expect(n).toBe(3);
  });
});
