/**
 * Signature scanning for simulation, memoised per target kind. A kind's targets are a function of
 * a few raw values of the request (the path, the query string, the header list, the body and its
 * content type): the detection engine's scan of a kind is therefore cached under those values, and
 * an exchange whose path, query, headers and body were seen before costs a few lookups instead of
 * building targets and decoding values. Header-derived scans are kept on the header list's facts
 * (context.ts), so a repeated header list costs no key at all. Results are the engine's own
 * (ExchangeView.signatureHit): same libraries, same hits.
 */
import { ScanPlan, TARGET_KINDS, targetKindIndex, type ScanHit } from '../detect/fields.ts';
import { SIGNATURE_LIST, SIGNATURES, type SignatureLibrary } from '../detect/signatures.ts';
import type { Header } from '../model/exchange.ts';
import type { RequestContext, ScanRow } from './context.ts';
import type { SignatureRule, SignatureTarget } from './types.ts';

/** Per kind, distinct keys kept before the memo is cleared (results never depend on it). */
const MAX_KEYS = 50_000;
/** Keys longer than this are not memoised (a huge header set would pin memory for one hit). */
const MAX_KEY = 4096;
/** Bodies up to this size are memoised by their bytes (with the content type they are parsed by). */
const MAX_BODY_KEY = 2048;

/**
 * Headers the engine never scans (a subset of fields.ts BORING_HEADERS): left out of the header
 * key so per-request values (content-length, cookies, tokens) do not defeat the memo. Leaving a
 * boring header in would only make the key finer, never the result wrong.
 */
const UNSCANNED_HEADERS = new Set(['content-length', 'cookie', 'authorization', 'host', 'accept', 'accept-encoding', 'accept-language', 'content-type', 'connection', 'if-none-match', 'if-modified-since', 'cache-control']);

const NO_HITS: ScanRow = new Array<ScanHit | null>(SIGNATURE_LIST.length).fill(null);

function headerKey(headers: readonly Header[], want: 'headers' | 'cookies' | 'user-agent'): string {
  let key = '';
  for (const [n, v] of headers) {
    const name = n.toLowerCase();
    if (want === 'headers' ? UNSCANNED_HEADERS.has(name) : name !== (want === 'cookies' ? 'cookie' : 'user-agent')) continue;
    key += `${name}\u0000${v}\u0001`;
  }
  return key;
}

/**
 * A body and the content type it is parsed by, as one string: the type's length first, so no type
 * and body pair can spell another's key; latin1 maps bytes to characters one to one.
 */
function bodyKey(body: Uint8Array, contentType: string): string {
  return `${contentType.length}:${contentType}${Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1')}`;
}

interface KindState {
  kind: SignatureTarget;
  index: number;
  /** Every library any rule scans this kind with. */
  libraries: SignatureLibrary[];
  memo: Map<string, ScanRow>;
  /** Stored bodies' rows: body id → content type → row. */
  bodies: Map<number, Map<string, ScanRow>>;
}

/** A signature rule as the scanner runs it: target kinds (by index, in rule order) and libraries. */
export interface ScannerRule {
  kinds: readonly number[];
  libraries: readonly SignatureLibrary[];
}

/** One per compiled policy: the signature rules share scans of each kind. */
export class SignatureScanner {
  private readonly kinds: (KindState | undefined)[] = new Array<KindState | undefined>(TARGET_KINDS.length).fill(undefined);
  readonly plan = new ScanPlan();
  /** Per exchange: each kind's row once looked up (valid while rowsAt[kind] === exchange). */
  private readonly rows: (ScanRow | null)[] = new Array<ScanRow | null>(TARGET_KINDS.length).fill(null);
  private readonly rowsAt = new Float64Array(TARGET_KINDS.length).fill(-1);
  private exchange = 0;

  add(rule: SignatureRule): ScannerRule {
    const libraries = rule.signatures.map((n) => SIGNATURES.get(n)!);
    for (const kind of rule.targets) {
      const index = targetKindIndex(kind);
      const s: KindState = (this.kinds[index] ??= { kind, index, libraries: [], memo: new Map(), bodies: new Map() });
      for (const lib of libraries) {
        if (!s.libraries.includes(lib)) s.libraries.push(lib);
        this.plan.add(kind, lib);
      }
    }
    return { kinds: rule.targets.map(targetKindIndex), libraries };
  }

  begin(): void {
    this.exchange++;
  }

  /** Every planned library's first hit among the exchange's targets of one kind. */
  private row(k: number, ctx: RequestContext): ScanRow {
    if (this.rowsAt[k] === this.exchange) return this.rows[k]!;
    const s = this.kinds[k]!;
    const e = ctx.e;
    let row: ScanRow;
    switch (s.kind) {
      case 'headers':
      case 'cookies':
      case 'user-agent': {
        const h = ctx.headers();
        row = h.scans[k] ?? (h.scans[k] = this.memoised(s, headerKey(h.list, s.kind), ctx));
        break;
      }
      case 'body': {
        const b = e.requestBody;
        const id = e.requestBodyId;
        if (b === null && id !== undefined && id !== null) row = this.storedBody(s, id, ctx);
        // No body: no body targets. Larger bodies are scanned every time.
        else row = !b || b.length === 0 ? NO_HITS : this.memoised(s, b.length <= MAX_BODY_KEY ? bodyKey(b, ctx.headers().contentType) : null, ctx);
        break;
      }
      case 'path': {
        const l = ctx.line;
        row = l.scans[k] ?? (l.scans[k] = this.memoised(s, e.path, ctx));
        break;
      }
      case 'query': {
        const q = ctx.query();
        row = q.scans[k] ?? (q.scans[k] = this.memoised(s, e.query, ctx));
        break;
      }
      case 'url': row = this.memoised(s, e.path + e.query, ctx); break;
    }
    this.rows[k] = row;
    this.rowsAt[k] = this.exchange;
    return row;
  }

  /** A stored body's row, memoised by body id and content type (equal ids are equal bytes). */
  private storedBody(s: KindState, id: number, ctx: RequestContext): ScanRow {
    const ct = ctx.headers().contentType;
    let byType = s.bodies.get(id);
    let row = byType?.get(ct);
    if (row === undefined) {
      if (ctx.bodyLength() === 0) row = NO_HITS;
      else {
        row = this.memoised(s, null, ctx);
        if (!byType) {
          if (s.bodies.size >= MAX_KEYS) s.bodies.clear();
          s.bodies.set(id, (byType = new Map()));
        }
        byType.set(ct, row);
      }
    }
    return row;
  }

  /** The kind's row under `key` ('' = nothing to scan; null = not memoisable), scanning on a miss. */
  private memoised(s: KindState, key: string | null, ctx: RequestContext): ScanRow {
    if (key === '') return NO_HITS;
    let row = key === null ? undefined : s.memo.get(key);
    if (row === undefined) {
      const v = ctx.view();
      // Dense, pre-sized rows (sparse writes would turn the array into a dictionary).
      row = new Array<ScanHit | null>(SIGNATURE_LIST.length).fill(null);
      let hits = 0;
      for (const lib of s.libraries) if ((row[lib.index] = v.signatureHit(s.index, s.kind, lib)) !== null) hits++;
      // Clean targets (the common case) share one row, which test() skips at a glance.
      if (hits === 0) row = NO_HITS;
      if (key !== null && key.length <= MAX_KEY) {
        if (s.memo.size >= MAX_KEYS) s.memo.clear();
        s.memo.set(key, row);
      }
    }
    return row;
  }

  /**
   * A rule's first hit, as the engine's signature predicate orders them: target kinds in the
   * rule's order; within a kind, the earliest target, then library order.
   */
  test(rule: ScannerRule, ctx: RequestContext): ScanHit | null {
    for (const k of rule.kinds) {
      const row = this.row(k, ctx);
      if (row === NO_HITS) continue;
      let best: ScanHit | null = null;
      for (const lib of rule.libraries) {
        const h = row[lib.index];
        if (h !== null && (best === null || h.index < best.index)) best = h;
      }
      if (best !== null) return best;
    }
    return null;
  }
}
