/**
 * Per-exchange state a compiled policy's rules share, reused from one exchange to the next (no
 * allocation per exchange): IP and principal numbered once (rate limits and tallies index arrays
 * by the number); facts of the request line, of the query string and of the header list, each
 * found once per exchange (the header list by identity: the workspace reader hands every exchange
 * with the same stored headers one shared array); and the detection engine's view, built only
 * when a scan is not memoised.
 */
import { emptyExchange, headerValue, type Header, type StoredExchange } from '../model/exchange.ts';
import { ExchangeView, TARGET_KINDS, type ScanHit, type ScanPlan } from '../detect/fields.ts';
import type { RequestRecord } from '../store/exchanges.ts';

/** What a rule judges: the request side of an exchange (a StoredExchange is one). */
export type Request = RequestRecord;

/** Strings numbered in order of first sight, so per-key state can live in arrays. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly strings: string[] = [];

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
    }
    return id;
  }
}

/** `a` itself when `index` fits, else a copy at least twice as long (new slots hold `fill`). */
export function withRoom<A extends Float64Array | Int32Array | Uint8Array>(a: A, index: number, fill = 0): A {
  if (index < a.length) return a;
  const b = new (a.constructor as new (length: number) => A)(Math.max(index + 1, a.length * 2, 256));
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** Every planned library's first hit among one target kind's targets (indexed by library). */
export type ScanRow = (ScanHit | null)[];

/** What one raw value of a request (line, query, header list) says: computed on first use. */
export class Facts {
  /** Per target kind index: the signature scan of the kinds derived from this value. */
  readonly scans: (ScanRow | undefined)[] = new Array<ScanRow | undefined>(TARGET_KINDS.length).fill(undefined);
  /** Per rule (by position in the compiled policy): what the rule derived from this value. */
  readonly slots: unknown[];

  constructor(rules: number) {
    this.slots = new Array<unknown>(rules).fill(undefined);
  }
}

/** A request line (host, method, path): chained per path in the line cache. */
export class LineFacts extends Facts {
  readonly host: string;
  readonly method: string;
  /** Each rule's line fact (evaluate.ts). */
  readonly facts: unknown[];
  readonly next: LineFacts | undefined;

  constructor(host: string, method: string, facts: unknown[], next: LineFacts | undefined) {
    super(facts.length);
    this.host = host;
    this.method = method;
    this.facts = facts;
    this.next = next;
  }
}

/** What a header list says, each fact computed on first use. */
export class HeaderFacts extends Facts {
  readonly list: readonly Header[];
  private ua: string | undefined | null = null;
  private media: string | null = null;
  private type: string | null = null;

  constructor(list: readonly Header[], rules: number) {
    super(rules);
    this.list = list;
  }

  get userAgent(): string | undefined {
    if (this.ua === null) this.ua = headerValue(this.list, 'user-agent');
    return this.ua;
  }

  /** The content type without parameters, lower case ('' when absent). */
  get mediaType(): string {
    return (this.media ??= (headerValue(this.list, 'content-type') ?? '').split(';')[0].trim().toLowerCase());
  }

  /** The whole content-type value, lower case, as the detection engine reads bodies by it. */
  get contentType(): string {
    return (this.type ??= (headerValue(this.list, 'content-type') ?? '').toLowerCase());
  }
}

const UNSET = -2;
/** Distinct query strings kept before the cache starts over (results never depend on it). */
const MAX_QUERIES = 50_000;
/** Longer query strings get fresh facts every time (one huge query must not pin memory). */
const MAX_QUERY = 2048;

export class RequestContext {
  e: Request = { ...emptyExchange(), id: 0, ip: null, principal: null };
  readonly ids = new Interner();
  private readonly plan: ScanPlan;
  private readonly rules: number;
  private readonly facts = new WeakMap<readonly Header[], HeaderFacts>();
  private readonly queries = new Map<string, Facts>();
  private ip = UNSET;
  private principal = UNSET;
  private header: HeaderFacts | null = null;
  private q: Facts | null = null;
  private v: ExchangeView | null = null;
  private bytes: Uint8Array | null | undefined = undefined;
  /** Loads a stored body by id, for exchanges read with lazy bodies (requestBodyId). */
  loadBody: ((id: number) => Uint8Array | null) | null = null;
  /** The exchange's request line (set by the compiled policy before its rules judge). */
  line!: LineFacts;

  constructor(plan: ScanPlan, rules: number) {
    this.plan = plan;
    this.rules = rules;
  }

  begin(e: Request, line: LineFacts): void {
    this.e = e;
    this.line = line;
    this.ip = UNSET;
    this.principal = UNSET;
    this.header = null;
    this.q = null;
    this.v = null;
    this.bytes = undefined;
  }

  /** The request body: the exchange's own, else the stored one (lazy bodies), loaded once. */
  body(): Uint8Array | null {
    if (this.bytes === undefined) {
      const e = this.e;
      const id = e.requestBodyId;
      this.bytes = e.requestBody ?? (id !== undefined && id !== null && this.loadBody !== null ? this.loadBody(id) : null);
    }
    return this.bytes;
  }

  /** The body's length (null without a body), without loading a lazy body. */
  bodyLength(): number | null {
    const e = this.e;
    if (e.requestBody !== null) return e.requestBody.length;
    if (e.requestBodyId === undefined || e.requestBodyId === null) return null;
    return e.requestBodySize ?? this.body()?.length ?? null;
  }

  /** The number of the exchange's IP (ip, else client IP), -1 without one. */
  ipId(): number {
    if (this.ip === UNSET) {
      const ip = this.e.ip ?? this.e.clientIp ?? null;
      this.ip = ip === null ? -1 : this.ids.id(ip);
    }
    return this.ip;
  }

  /** The number of the exchange's principal, -1 without one. */
  principalId(): number {
    if (this.principal === UNSET) {
      const p = this.e.principal ?? null;
      this.principal = p === null ? -1 : this.ids.id(p);
    }
    return this.principal;
  }

  headers(): HeaderFacts {
    if (this.header === null) {
      const list = this.e.requestHeaders;
      let f = this.facts.get(list);
      if (f === undefined) this.facts.set(list, (f = new HeaderFacts(list, this.rules)));
      this.header = f;
    }
    return this.header;
  }

  /** What the query string says. */
  query(): Facts {
    if (this.q === null) {
      const query = this.e.query;
      let f = this.queries.get(query);
      if (f === undefined) {
        f = new Facts(this.rules);
        if (query.length <= MAX_QUERY) {
          if (this.queries.size >= MAX_QUERIES) this.queries.clear();
          this.queries.set(query, f);
        }
      }
      this.q = f;
    }
    return this.q;
  }

  /** The detection engine's view (signature targets never read the endpoint template). */
  view(): ExchangeView {
    return (this.v ??= new ExchangeView(this.stored(), '', this.plan));
  }

  /** The exchange as the engine takes it; a lazy body is loaded only if the engine reads it. */
  private stored(): StoredExchange {
    const e = this.e;
    const lazy = e.requestBody === null && e.requestBodyId !== undefined && e.requestBodyId !== null;
    if ('responseHeaders' in e && !lazy) return e as StoredExchange;
    const stored: StoredExchange = { ...emptyExchange(), sourceId: 0, principalKind: null, ...e };
    if (lazy) Object.defineProperty(stored, 'requestBody', { get: () => this.body(), enumerable: true });
    return stored;
  }
}
