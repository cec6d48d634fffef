import type { Exchange } from '../../../model/exchange.ts';
import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { quoteShort } from './exchange.ts';
import { deferred, headLines, readLines } from './lines.ts';
import { readJsonDocument } from './jsondoc.ts';

/**
 * The JSON-record log formats (Kong, API Gateway, Envoy, Traefik, Caddy, Azure APIM, Cloudflare…)
 * share one reader shape: one JSON object per line, optionally behind a text envelope (container
 * runtime, CloudWatch export or syslog prefix), or a JSON document holding an array of records
 * (`{"records": [...]}` as Azure diagnostics deliver them, or a top-level array).
 */

export type JsonObject = Record<string, unknown>;

export interface JsonRecordFormat {
  readonly id: string;
  readonly label: string;
  readonly producers: readonly string[];
  readonly extensions?: readonly string[];
  /** Confidence that a sniffed record is this format's, in [0, 1]. */
  recognise(record: JsonObject): number;
  /** The exchange, or why this record cannot be one. */
  toExchange(record: JsonObject, ctx: ReaderContext): Exchange | string;
  /** Per-read setup (options such as a field mapping); returns the converter to use. */
  prepare?(ctx: ReaderContext): (record: JsonObject) => Exchange | string;
}

const ENVELOPE_MAX = 256;

/** The JSON object on a line, after any short non-JSON prefix; a string when there is none. */
export function parseJsonLine(line: string): JsonObject | string {
  let start = 0;
  if (line.charCodeAt(0) !== 123) {
    start = line.indexOf('{');
    if (start === -1 || start > ENVELOPE_MAX) return 'not a JSON record';
  }
  let v: unknown;
  try {
    v = JSON.parse(start === 0 ? line : line.slice(start));
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the JSON value is not an object';
  return v as JsonObject;
}

/** Top-level records in a sniffing head: JSON lines, or the start of a records document. */
export function headRecords(head: Uint8Array): JsonObject[] {
  const out: JsonObject[] = [];
  for (const l of headLines(head, 20)) {
    const r = parseJsonLine(l);
    if (typeof r !== 'string') out.push(r);
  }
  if (out.length > 0) return out;
  // Pretty-printed or wrapped: take what complete records the head holds.
  const text = new TextDecoder().decode(head);
  const records = /"records"\s*:\s*\[/.exec(text);
  const from = records ? records.index + records[0].length : text.trimStart().startsWith('[') ? text.indexOf('[') + 1 : -1;
  if (from === -1) return out;
  for (const chunk of completeObjects(text, from, 10)) {
    try {
      const v: unknown = JSON.parse(chunk);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as JsonObject);
    } catch {
      // a cut-off record at the end of the head
    }
  }
  return out;
}

function* completeObjects(text: string, from: number, max: number): Generator<string> {
  let depth = 0;
  let start = -1;
  let inString = false;
  let n = 0;
  for (let i = from; i < text.length && n < max; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 125) {
      depth--;
      if (depth === 0 && start !== -1) {
        yield text.slice(start, i + 1);
        n++;
      }
      if (depth < 0) return;
    } else if (c === 93 && depth === 0) return;
  }
}

/** Average recognition score over the head's records (0 when there are none). */
export function sniffRecords(head: Uint8Array, recognise: (r: JsonObject) => number): number {
  const records = headRecords(head);
  if (records.length === 0) return 0;
  let sum = 0;
  for (const r of records) sum += recognise(r);
  return sum / records.length;
}

async function firstNonSpace(input: ReaderInput): Promise<{ char: string; firstLine: string }> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of input.chunks()) {
    text += decoder.decode(chunk, { stream: true });
    const nl = text.indexOf('\n', text.search(/\S/) + 1);
    if (text.trim() !== '' && (nl !== -1 || text.length > 1 << 20)) break;
  }
  const trimmed = text.trimStart().replace(/^\ufeff/, '');
  const nl = trimmed.indexOf('\n');
  return { char: trimmed.charAt(0), firstLine: nl === -1 ? trimmed : trimmed.slice(0, nl) };
}

/** A Reader for a JSON-record format. `weight` caps its sniff score (generic formats stay low). */
export function jsonRecordReader(format: JsonRecordFormat, weight = 0.95): Reader {
  return {
    id: format.id,
    label: format.label,
    producers: format.producers,
    extensions: format.extensions ?? ['.json', '.jsonl', '.ndjson', '.log'],
    sniff(head: Uint8Array): number {
      return weight * sniffRecords(head, (r) => format.recognise(r));
    },
    read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
      return deferred(async () => {
        const convert = format.prepare ? format.prepare(ctx) : (r: JsonObject) => format.toExchange(r, ctx);
        const { char, firstLine } = await firstNonSpace(input);
        const wrapped = char === '[' || (char === '{' && typeof parseJsonLine(firstLine) === 'string');
        if (wrapped) {
          return readJsonDocument(input, ctx, (record, at) => {
            if (typeof record !== 'object' || record === null || Array.isArray(record)) return `${at}: the record is not a JSON object`;
            return convert(record as JsonObject);
          });
        }
        return readLines(input, ctx, (line) => {
          const r = parseJsonLine(line);
          if (typeof r === 'string') return r;
          return convert(r);
        });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading values out of loosely-typed records

const PATHS = new Map<string, readonly string[]>();

/** Dotted-path lookup (`request.headers.host`); dotted paths are split once and cached. */
export function get(obj: unknown, path: string): unknown {
  // Most keys are plain names: no cache lookup for them (this runs ~20 times per record).
  if (path.indexOf('.') === -1) return typeof obj === 'object' && obj !== null ? (obj as JsonObject)[path] : undefined;
  let parts = PATHS.get(path);
  if (parts === undefined) {
    parts = path.split('.');
    if (PATHS.size < 10_000) PATHS.set(path, parts);
  }
  let cur: unknown = obj;
  for (const part of parts) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as JsonObject)[part];
  }
  return cur;
}

/** A string value ('' / '-' / null count as absent). Numbers are stringified. */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v === '' || v === '-' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v !== '' && v !== '-') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The value unless it is absent (undefined, null, '' or '-'): `present(r.a) ?? present(r.b)` is an inline `pick`. */
export function present(v: unknown): unknown {
  return v === undefined || v === null || v === '' || v === '-' ? undefined : v;
}

/** First of several keys present on the record. */
export function pick(obj: JsonObject, ...keys: string[]): unknown {
  for (const k of keys) {
    const v = present(get(obj, k));
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Fraction of `keys` the record has: a cheap, format-specific recognition score. */
export function keyScore(obj: JsonObject, keys: readonly string[]): number {
  let n = 0;
  for (const k of keys) if (get(obj, k) !== undefined) n++;
  return n / keys.length;
}

export function missing(what: string, record: JsonObject): string {
  const keys = Object.keys(record).slice(0, 8).join(', ');
  return `record has no ${what} (keys: ${quoteShort(keys, 80)})`;
}
