import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Exchange } from '../../../../../src/core/model/exchange.ts';
import type { ReadItem, Reader, ReaderInput } from '../../../../../src/core/ingest/reader.ts';
import { shared } from '../../../../helpers/paths.ts';

export const logFile = (...parts: string[]): string => shared('logs', ...parts);

export function bytesOf(path: string): Buffer {
  const raw = readFileSync(path);
  // The import pipeline opens gzip transparently; readers see decompressed bytes.
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}

export function inputOf(bytes: Uint8Array, chunkSize = 4096, name = 'test.log'): ReaderInput {
  return {
    name,
    size: bytes.length,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, Math.min(bytes.length, i + chunkSize));
    },
  };
}

export interface ReadResult {
  items: ReadItem[];
  exchanges: Exchange[];
  /** Exchanges by the index (line or record number) they came from. */
  byIndex: Map<number, Exchange>;
  skips: { index: number; at: string; message: string }[];
}

export async function readAll(reader: Reader, bytes: Uint8Array, options: Record<string, string> = {}, chunkSize = 4096): Promise<ReadResult> {
  const items: ReadItem[] = [];
  for await (const it of reader.read(inputOf(bytes, chunkSize), { signal: new AbortController().signal, options })) items.push(it);
  const exchanges: Exchange[] = [];
  const byIndex = new Map<number, Exchange>();
  const skips: ReadResult['skips'] = [];
  for (const it of items) {
    if (it.kind === 'exchange') {
      exchanges.push(it.exchange);
      byIndex.set(it.index, it.exchange);
    } else skips.push({ index: it.index, at: it.at, message: it.message });
  }
  return { items, exchanges, byIndex, skips };
}

export function header(e: Exchange, name: string): string | undefined {
  return e.requestHeaders.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * What crowdsec's hub test says its parser extracted from each line:
 * `results["s01-parse"]["<parser>"][i].Evt.Meta["key"] == "value"` → golden[i].meta.key.
 */
export interface Golden {
  success: boolean;
  meta: Record<string, string>;
  parsed: Record<string, string>;
}

export function crowdsecGolden(dir: string, parser: string): Golden[] {
  const text = readFileSync(logFile('crowdsecurity__hub', dir, 'parser.assert'), 'utf8');
  const out: Golden[] = [];
  const prefix = `results["s01-parse"]["${parser}"][`;
  for (const line of text.split('\n')) {
    const at = line.indexOf(prefix);
    if (at === -1) continue;
    const rest = line.slice(at + prefix.length);
    const i = Number(rest.slice(0, rest.indexOf(']')));
    const g = (out[i] ??= { success: false, meta: {}, parsed: {} });
    const m = /\]\.(Success|Evt\.(Meta|Parsed)\["([^"]+)"\]) == (.*)$/.exec(rest);
    if (!m) continue;
    if (m[1] === 'Success') g.success = m[4] === 'true';
    else if (m[4]?.startsWith('"')) (m[2] === 'Meta' ? g.meta : g.parsed)[m[3] as string] = JSON.parse(m[4].replace(/\t/g, '\\t')) as string;
  }
  return out;
}

export function lineCount(bytes: Uint8Array): number {
  return Buffer.from(bytes).toString('latin1').split('\n').filter((l) => l.trim() !== '').length;
}

/** How to read crowdsec's `source_ip` off an exchange (it honours XFF/client_ip for some). */
export type SourceIp = (e: Exchange) => string | null;
export const clientIp: SourceIp = (e) => e.clientIp;

/**
 * Every line crowdsec parsed as an HTTP request (it has `http_verb`) must come out of `reader` as
 * an exchange with the same verb, status, path+query, user agent, host and source IP; every other
 * line must be skipped with a message. Returns the read result for further checks.
 */
export async function expectGolden(
  expect: (v: unknown) => { toBe(x: unknown): void; toEqual(x: unknown): void; toContain(x: unknown): void; toBeDefined(): void },
  reader: Reader,
  dir: string,
  file: string,
  parser: string,
  sourceIp: SourceIp = clientIp,
): Promise<ReadResult> {
  const bytes = bytesOf(logFile('crowdsecurity__hub', dir, file));
  const golden = crowdsecGolden(dir, parser);
  const res = await readAll(reader, bytes);
  expect(golden.length).toBe(lineCount(bytes));
  let checked = 0;
  golden.forEach((g, i) => {
    const line = i + 1;
    const e = res.byIndex.get(line);
    const verb = g.meta['http_verb'] ?? g.meta['verb'];
    // Error-log entries crowdsec mines a request path from are read too; the method is '-' when the entry does not say it.
    const errorEntry = g.meta['log_type'] === 'http_error-log' && g.meta['http_path'] !== undefined;
    if (!g.success || (verb === undefined && !errorEntry)) {
      expect({ line, skipped: res.skips.some((s) => s.index === line) }).toEqual({ line, skipped: true });
      return;
    }
    expect({ line, defined: e !== undefined }).toEqual({ line, defined: true });
    if (!e) return;
    checked++;
    const status = g.meta['http_status'];
    const want: Record<string, unknown> = { line, method: verb ?? '-' };
    const got: Record<string, unknown> = { line, method: e.method };
    if (status !== undefined) {
      want['status'] = status;
      got['status'] = e.status === null ? (status === '-' ? '-' : '0') : String(e.status);
    }
    if (g.meta['http_path'] !== undefined) {
      want['path'] = g.meta['http_path'];
      got['path'] = e.path + e.query;
    }
    if (g.meta['http_user_agent'] !== undefined) {
      want['ua'] = g.meta['http_user_agent'];
      got['ua'] = header(e, 'User-Agent') ?? '-';
    }
    if (g.meta['source_ip'] !== undefined) {
      want['ip'] = g.meta['source_ip'];
      got['ip'] = sourceIp(e);
    }
    if (g.meta['target_fqdn'] !== undefined) {
      want['host'] = g.meta['target_fqdn'];
      got['host'] = g.meta['target_fqdn'].includes(':') && e.port !== null ? `${e.host}:${e.port}` : e.host;
    }
    expect(got).toEqual(want);
  });
  expect(checked > 0).toBe(true);
  return res;
}
