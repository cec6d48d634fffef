/**
 * Signature scanning for simulation, memoised per target kind. A kind's targets are a function of
 * a few raw strings of the request (the path, the query string, the user agent, the cookie header,
 * the scanned headers): the detection engine's scan of a kind is therefore cached under those
 * strings, and an exchange whose path, query and headers were seen before costs a few map
 * lookups instead of building targets and decoding values. Bodies are unique and always scanned.
 * Results are the engine's own (ExchangeView.signatureHit): same libraries, same hits.
 */
import { ScanPlan, TARGET_KINDS, targetKindIndex, type ExchangeView, type ScanHit } from '../detect/fields.ts';
import { SIGNATURE_LIST, SIGNATURES, type SignatureLibrary } from '../detect/signatures.ts';
import type { StoredExchange } from '../model/exchange.ts';
import type { SignatureRule, SignatureTarget } from './types.ts';

/** Per kind, distinct keys kept before the memo is cleared (results never depend on it). */
const MAX_KEYS = 50_000;
/** Keys longer than this are not memoised (a huge header set would pin memory for one hit). */
const MAX_KEY = 4096;

/**
 * Headers the engine never scans (a subset of fields.ts BORING_HEADERS): left out of the header
 * key so per-request values (content-length, cookies, tokens) do not defeat the memo. Leaving a
 * boring header in would only make the key finer, never the result wrong.
 */
const UNSCANNED_HEADERS = new Set(['content-length', 'cookie', 'authorization', 'host', 'accept', 'accept-encoding', 'accept-language', 'content-type', 'connection', 'if-none-match', 'if-modified-since', 'cache-control']);

type Row = (ScanHit | null)[];
const NO_HITS: Row = new Array<ScanHit | null>(SIGNATURE_LIST.length).fill(null);

function headerKey(e: StoredExchange, want: 'headers' | 'cookies' | 'user-agent'): string {
  let key = '';
  for (const [n, v] of e.requestHeaders) {
    const name = n.toLowerCase();
    if (want === 'headers' ? UNSCANNED_HEADERS.has(name) : name !== (want === 'cookies' ? 'cookie' : 'user-agent')) continue;
    key += `${name}\u0000${v}\u0001`;
  }
  return key;
}

function keyOf(kind: SignatureTarget, e: StoredExchange): string | null {
  switch (kind) {
    case 'path': return e.path;
    case 'query': return e.query;
    case 'url': return e.path + e.query;
    case 'headers':
    case 'cookies':
    case 'user-agent': return headerKey(e, kind);
    // Bodies are unique: scanned every time (an exchange without one has no body targets).
    case 'body': return e.requestBody?.length ? null : '';
  }
}

interface KindState {
  kind: SignatureTarget;
  index: number;
  /** Every library any rule scans this kind with. */
  libraries: SignatureLibrary[];
  memo: Map<string, Row>;
}

/** One per compiled policy: the signature rules share scans of each kind. */
export class SignatureScanner {
  private readonly kinds = new Map<SignatureTarget, KindState>();
  readonly plan = new ScanPlan();
  /** Per exchange: each kind's row once looked up (valid while rowsAt[kind] === exchange). */
  private readonly rows: (Row | null)[] = new Array<Row | null>(TARGET_KINDS.length).fill(null);
  private readonly rowsAt = new Float64Array(TARGET_KINDS.length).fill(-1);
  private exchange = 0;

  add(rule: SignatureRule): void {
    for (const kind of rule.targets) {
      let s = this.kinds.get(kind);
      if (!s) this.kinds.set(kind, (s = { kind, index: targetKindIndex(kind), libraries: [], memo: new Map() }));
      for (const name of rule.signatures) {
        const lib = SIGNATURES.get(name)!;
        if (!s.libraries.includes(lib)) s.libraries.push(lib);
        this.plan.add(kind, lib);
      }
    }
  }

  begin(): void {
    this.exchange++;
  }

  /** Every planned library's first hit among the exchange's targets of one kind. */
  row(kind: SignatureTarget, e: StoredExchange, view: () => ExchangeView): Row {
    const s = this.kinds.get(kind)!;
    if (this.rowsAt[s.index] === this.exchange) return this.rows[s.index]!;
    const key = keyOf(kind, e);
    // No path, query, scanned header or body: nothing to scan.
    let row = key === null ? undefined : key === '' ? NO_HITS : s.memo.get(key);
    if (!row) {
      const v = view();
      // Dense, pre-sized rows (sparse writes would turn the array into a dictionary).
      row = new Array<ScanHit | null>(SIGNATURE_LIST.length).fill(null);
      for (const lib of s.libraries) row[lib.index] = v.signatureHit(s.index, kind, lib);
      if (key !== null && key.length <= MAX_KEY) {
        if (s.memo.size >= MAX_KEYS) s.memo.clear();
        s.memo.set(key, row);
      }
    }
    this.rows[s.index] = row;
    this.rowsAt[s.index] = this.exchange;
    return row;
  }

  /**
   * A rule's first hit, as the engine's signature predicate orders them: target kinds in the
   * rule's order; within a kind, the earliest target, then library order.
   */
  test(rule: { targets: readonly SignatureTarget[]; libraries: readonly SignatureLibrary[] }, e: StoredExchange, view: () => ExchangeView): ScanHit | null {
    for (const kind of rule.targets) {
      const row = this.row(kind, e, view);
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
