/**
 * What rules can look at in one exchange. Everything is computed lazily and once per exchange
 * (the engine builds one view per pushed exchange and shares it across rules), because most rules
 * need a handful of cheap fields and only a few need bodies.
 */
import type { Header, StoredExchange } from '../model/exchange.ts';
import { decodeVariants, urlDecode } from './decode.ts';
import { isPlainPath, isPlainValue, repeatedValueResults, SIGNATURE_LIST, testSignature, testSignatureCached, type SignatureLibrary } from './signatures.ts';
import { pathParams } from './template.ts';
import type { FieldValue } from './types.ts';

/** Bodies beyond this are matched on their first bytes only (keeps cost per exchange bounded). */
export const MAX_BODY_SCAN = 256 * 1024;

export interface Target {
  where: string;
  name: string | null;
  value: string;
  /** No decoding library can match it (see isPlainValue). */
  plain: boolean;
  /** Worth caching across exchanges (header values repeat). */
  repeats: boolean;
  /** Library results shared by every exchange carrying the same repeating value. */
  results?: Map<string, string | null> | null;
}

/** Request headers not worth scanning for payloads (structured by browsers and clients). */
const BORING_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'content-length', 'content-type', 'connection', 'host', 'cache-control',
  'pragma', 'if-none-match', 'if-modified-since', 'upgrade-insecure-requests', 'te', 'keep-alive', 'dnt', 'priority',
  'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-user',
  'cookie', 'authorization', 'content-encoding', 'transfer-encoding', 'proxy-connection', ':authority', ':method', ':path', ':scheme',
]);

const USERNAME_KEYS = ['username', 'user', 'user_name', 'userName', 'login', 'email', 'mail', 'account', 'identifier', 'phone', 'name', 'uid'];
const ROLE_CLAIMS = ['role', 'roles', 'groups', 'cognito:groups', 'scope', 'scp', 'permissions', 'authorities'];

/** Bodies up to this size that are pure ASCII are read without a Buffer round trip (speed). */
const SMALL_ASCII = 512;
const ASCII_DECODER = new TextDecoder();

function decodeText(b: Uint8Array | null, max = MAX_BODY_SCAN): string | null {
  if (!b || b.length === 0) return null;
  if (b.length <= SMALL_ASCII) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) {
      if (b[i] > 127) {
        ascii = false;
        break;
      }
    }
    // (TextDecoder's ASCII path is several times faster than String.fromCharCode.apply, which
    // copies the bytes into an argument list first; for ASCII the two agree, BOMs being non-ASCII.)
    if (ascii) return ASCII_DECODER.decode(b);
  }
  return Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, max)).toString('utf8');
}

/** Header names lower-cased once per exchange (the list itself when already lower-case). */
function lowerHeaders(headers: readonly Header[]): readonly Header[] {
  for (let i = 0; i < headers.length; i++) if (hasUpper(headers[i][0])) return headers.map(([name, value]) => [name.toLowerCase(), value] as Header);
  return headers;
}

/** Whether a header name has a character toLowerCase would change (no string allocated). */
function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return true;
  }
  return false;
}

/**
 * Bounded memo of a pure function of one string (paths, query strings, header values repeat
 * across a capture). Cleared, never evicted, when full: results never depend on it.
 */
class Memo<T> {
  private readonly map = new Map<string, T>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string, make: (key: string) => T): T {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make(key);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, v);
    }
    return v;
  }
}

/** First value of a header in a lower-cased list. */
function first(headers: readonly Header[], lower: string): string | undefined {
  for (let i = 0; i < headers.length; i++) if (headers[i][0] === lower) return headers[i][1];
  return undefined;
}

/** Where each target kind's values live in a view's target table. */
const KIND_INDEX: Readonly<Record<string, number>> = { path: 0, query: 1, url: 2, headers: 3, cookies: 4, 'user-agent': 5, body: 6, 'response.body': 7, 'response.headers': 8 };

export function targetKindIndex(kind: string): number {
  const i = KIND_INDEX[kind];
  if (i === undefined) throw new Error(`unknown signature target ${kind}`);
  return i;
}

/** A library's first hit among one kind's targets; `index` orders hits of several libraries. */
export interface ScanHit {
  index: number;
  library: string;
  where: string;
  name: string | null;
  snippet: string;
}

/**
 * Which libraries each target kind is scanned with (from every signature leaf of a pack): the first
 * rule that asks about a kind gets all of that kind's libraries run in one pass over its targets,
 * each value decoded once, and the other rules read the results.
 */
export class ScanPlan {
  private readonly byKind: { plain: SignatureLibrary[]; decoding: SignatureLibrary[] }[] = [];
  add(kind: string, library: SignatureLibrary): void {
    const k = targetKindIndex(kind);
    const entry = (this.byKind[k] ??= { plain: [], decoding: [] });
    const list = library.decode ? entry.decoding : entry.plain;
    if (!list.includes(library)) list.push(library);
  }

  libraries(k: number): { plain: SignatureLibrary[]; decoding: SignatureLibrary[] } | undefined {
    return this.byKind[k];
  }

  /** Whether kind `k` is scanned with `library`. */
  covers(k: number, library: SignatureLibrary): boolean {
    const planned = this.byKind[k];
    return planned !== undefined && (library.decode ? planned.decoding : planned.plain).includes(library);
  }
}

/** Per library index: its first hit among a kind's targets, null when none, undefined when not scanned. */
type ScanRow = (ScanHit | null | undefined)[];
const newRow = (): ScanRow => new Array<ScanHit | null | undefined>(SIGNATURE_LIST.length).fill(undefined);

/**
 * A target list shared by every exchange carrying the same path, query string or scanned headers
 * (memoised). A library's first hit is a pure function of the list, so the list keeps its row of
 * results and such an exchange reads it instead of scanning.
 */
type SharedTargets = Target[] & { scanRow?: ScanRow; cleanFor?: ScanPlan };

function target(where: string, name: string | null, value: string, repeats: boolean): Target {
  return { where, name, value, plain: isPlainValue(value), repeats };
}

// Targets that depend on one string only are built once per distinct string and shared (read-only)
// by every exchange carrying it; repeating header values also share their library results.
const NO_TARGETS: Target[] = [];
const NO_PAIRS: [string, string][] = [];
const parsedQueries = new Memo<[string, string][]>(5_000);
const queryTargets = new Memo<Target[]>(5_000);
const pathTargets = new Memo<Target[]>(5_000);
const headerTargets = new Map<string, Memo<Target>>();
/** Longer values are not memoised or shared: a new target (and scan) each time, so memos stay small. */
const SHARED_VALUE_MAX = 512;

/** A target shared by every exchange carrying the same path or query string: it keeps its library results. */
function sharedTarget(where: string, name: string | null, value: string, plain = isPlainValue(value)): Target {
  return { where, name, value, plain, repeats: true, results: value.length > SHARED_VALUE_MAX ? null : new Map() };
}

function computePathTargets(path: string): Target[] {
  const segments = path.split('/');
  if (segments.length <= 2) return [sharedTarget('path', null, path)];
  if (isPlainPath(path, segments)) return [sharedTarget('path', null, path, true)];
  const out = [sharedTarget('path', null, path)];
  for (const s of segments) if (s) out.push(sharedTarget('path', null, s));
  return out;
}

function computeQueryTargets(pairs: [string, string][]): Target[] {
  const out: Target[] = [];
  for (const [k, v] of pairs) {
    if (v) out.push(sharedTarget('query', k, v));
    if (!ORDINARY_NAME.test(k)) out.push(sharedTarget('query', null, k));
  }
  return out;
}

function headerTarget(name: string, value: string): Target {
  if (value.length > SHARED_VALUE_MAX) return { ...target('header', name, value, true), results: null };
  let memo = headerTargets.get(name);
  if (!memo) {
    if (headerTargets.size >= 1000) headerTargets.clear();
    headerTargets.set(name, (memo = new Memo<Target>(5_000)));
  }
  return memo.get(value, (v) => ({ ...target('header', name, v, true), results: new Map() }));
}

/**
 * The scanned-header target lists, interned: a trie over the (memoised, hence identical) header
 * targets of a request, so requests with the same scanned headers share one list (and its scan
 * results). Dropped when it holds too many lists.
 */
interface HeaderNode {
  list: Target[] | null;
  next: Map<Target, HeaderNode> | null;
}
let headerLists: HeaderNode = { list: NO_TARGETS, next: null };
let headerListCount = 0;

/** The header targets of a request's scanned headers (names lower-cased). */
function scannedHeaders(headers: readonly Header[]): Target[] {
  const out: Target[] = [];
  for (const [n, v] of headers) if (v && !BORING_HEADERS.has(n)) out.push(headerTarget(n, v));
  return out;
}

/** The shared list of a request's scanned header targets (walked without building a list), or null when it cannot be shared. */
function sharedHeaderList(headers: readonly Header[]): Target[] | null {
  let node = headerLists;
  for (let i = 0; i < headers.length; i++) {
    const [n, v] = headers[i];
    if (!v || BORING_HEADERS.has(n)) continue;
    // Long values are not memoised (a new target each time): such a list cannot be shared.
    if (v.length > SHARED_VALUE_MAX) return null;
    const t = headerTarget(n, v);
    const next = (node.next ??= new Map());
    let child = next.get(t);
    if (child === undefined) next.set(t, (child = { list: null, next: null }));
    node = child;
  }
  if (node.list === null) {
    if (++headerListCount > 20_000) {
      headerLists = { list: NO_TARGETS, next: null };
      headerListCount = 0;
    }
    node.list = scannedHeaders(headers);
  }
  return node.list;
}

/** Short response bodies repeat (`{"ok":true}`, error documents): their target lists, and so their scan results, are shared. */
const responseBodyTargets = new Memo<Target[]>(5_000);
const responseBodyTarget = (text: string): Target => ({ where: 'response body', name: null, value: text, plain: false, repeats: false });

const userAgentTargets = new Memo<Target[]>(5_000);

function parseQuery(q: string): [string, string][] {
  const out: [string, string][] = [];
  const s = q.startsWith('?') ? q.slice(1) : q;
  if (!s) return out;
  for (const part of s.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = urlDecode(eq === -1 ? part : part.slice(0, eq));
    out.push([name, eq === -1 ? '' : urlDecode(part.slice(eq + 1))]);
  }
  return out;
}

function base64urlJson(s: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Leaves of a JSON document as (dotted path, key, value) — keys are targets too ({"$ne": …}). */
export function jsonLeaves(v: unknown, visit: (path: string, key: string, value: string | number | boolean | null) => void): void {
  walkLeaves(v, visit, '', '', 0, { n: 5000 });
}

/**
 * `key` is the last segment of `path`, carried down rather than cut out of the path at every leaf
 * (that cut copies the whole path string, once per leaf of every body).
 */
function walkLeaves(v: unknown, visit: (path: string, key: string, value: string | number | boolean | null) => void, path: string, key: string, depth: number, budget: { n: number }): void {
  if (budget.n-- <= 0 || depth > 32) return;
  if (v === null || typeof v !== 'object') {
    visit(path, key, v as string | number | boolean | null);
    return;
  }
  if (Array.isArray(v)) {
    const itemPath = path ? `${path}[]` : '[]';
    const itemKey = `${key}[]`;
    for (let i = 0; i < v.length && budget.n > 0; i++) walkLeaves(v[i], visit, itemPath, itemKey, depth + 1, budget);
    return;
  }
  for (const k of Object.keys(v)) {
    const child = path ? `${path}.${k}` : k;
    const value = (v as Record<string, unknown>)[k];
    if (value !== null && typeof value === 'object') visit(child, k, '\u0000object');
    walkLeaves(value, visit, child, k.includes('.') ? k.slice(k.lastIndexOf('.') + 1) : k, depth + 1, budget);
  }
}

const UNPARSED = Symbol('unparsed');

/** Parameter and property names worth no scan (payloads hide in odd names: `$ne`, `__proto__[x]`). */
const ORDINARY_NAME = /^[A-Za-z][\w-]{0,63}$/;

/** Tokens repeat across a principal's requests: decode each once (bounded cache). */
const roleCache = new Map<string, string | null>();

function roleOfAuthorization(auth: string): string | null {
  const cached = roleCache.get(auth);
  if (cached !== undefined) return cached;
  let role: string | null = null;
  const m = /^bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\./i.exec(auth);
  const claims = m ? base64urlJson(m[2]) : null;
  if (claims) {
    for (const c of ROLE_CLAIMS) {
      const v = claims[c];
      if (typeof v === 'string' && v) {
        role = v.split(/\s+/).sort().join(' ');
        break;
      }
      if (Array.isArray(v) && v.length) {
        role = v.map(String).sort().join(' ');
        break;
      }
    }
    const realm = claims.realm_access as { roles?: unknown } | undefined;
    if (role === null && realm && Array.isArray(realm.roles)) role = realm.roles.map(String).sort().join(' ');
  }
  if (roleCache.size >= 10_000) roleCache.clear();
  roleCache.set(auth, role);
  return role;
}

const endpointKeys = new Map<string, Map<string, Map<string, string>>>();
let endpointKeyCount = 0;

function endpointKeyOf(host: string, method: string, template: string): string {
  let byMethod = endpointKeys.get(host);
  if (byMethod === undefined) endpointKeys.set(host, (byMethod = new Map()));
  let byTemplate = byMethod.get(method);
  if (byTemplate === undefined) byMethod.set(method, (byTemplate = new Map()));
  let key = byTemplate.get(template);
  if (key === undefined) {
    if (++endpointKeyCount > 50_000) {
      endpointKeys.clear();
      endpointKeyCount = 0;
    }
    key = `${host} ${method} ${template}`;
    byTemplate.set(template, key);
  }
  return key;
}

const NO_LIBRARIES: readonly SignatureLibrary[] = [];

/** The libraries of `libs` not yet run on a row (the list itself when none has been: no copy). */
function unscanned(row: ScanRow, libs: readonly SignatureLibrary[]): readonly SignatureLibrary[] {
  for (let i = 0; i < libs.length; i++) if (row[libs[i].index] !== undefined) return libs.filter((l) => row[l.index] === undefined);
  return libs;
}

/** Runs the libraries still open on a row over target `t` (number `i` of its kind); returns how many hit. */
function scanTarget(t: Target, i: number, row: ScanRow, libs: readonly SignatureLibrary[], variantsOf: (v: string) => readonly string[]): number {
  let hits = 0;
  for (let j = 0; j < libs.length; j++) {
    const lib = libs[j];
    if (row[lib.index] !== undefined) continue;
    const snippet = t.repeats ? testSignatureCached(lib, t.value, t.name, variantsOf, t.plain, t.results!) : testSignature(lib, t.value, t.name, variantsOf, t.plain);
    if (snippet !== null) {
      row[lib.index] = { index: i, library: lib.name, where: t.name ? `${t.where} ${t.name}` : t.where, name: t.name, snippet };
      hits++;
    }
  }
  return hits;
}

export class ExchangeView {
  readonly e: StoredExchange;
  readonly template: string;
  readonly actor: string;
  private _query: [string, string][] | null = null;
  private _reqText: string | null | undefined = undefined;
  private _reqJson: unknown = UNPARSED;
  private _respText: string | null | undefined = undefined;
  private _respJson: unknown = UNPARSED;
  private _form: [string, string][] | null = null;
  private _username: string | null | undefined = undefined;
  private _role: string | null | undefined = undefined;
  private _variants: Map<string, string[]> | null = null;
  private _variantsOf: ((value: string) => readonly string[]) | null = null;
  private _targets: (Target[] | undefined)[] | null = null;
  /** Bits per target kind: scanned with every planned library (checked), and none hit (clean). */
  private _checkedKinds = 0;
  private _cleanKinds = 0;
  /** Bit per target kind whose list is shared by every exchange with the same strings (SharedTargets). */
  private _sharedKinds = 0;
  /** Per target kind, per library index: its hit, null when none, undefined when not scanned. */
  private _scans: (ScanRow | undefined)[] | null = null;
  private readonly plan: ScanPlan | null;
  private _reqHeaders: readonly Header[] | null = null;
  private _respHeaders: readonly Header[] | null = null;
  private _contentType: string | null = null;
  private _respContentType: string | null = null;

  constructor(e: StoredExchange, template: string, plan: ScanPlan | null = null) {
    this.e = e;
    this.template = template;
    this.plan = plan;
    this.actor = e.principal ?? e.ip ?? e.clientIp ?? 'unknown';
  }

  /** Group keys computed for this exchange, by grouping (incidents.ts groupKey). */
  groupKeys: (string | undefined)[] | null = null;
  private _endpointKey: string | null = null;
  private _pathParams: string[] | null = null;
  private _paramNames: string[] | null = null;

  /** `host method template`, one string object per endpoint (many maps key by it: its hash is computed once). */
  get endpointKey(): string {
    return (this._endpointKey ??= endpointKeyOf(this.e.host, this.e.method, this.template));
  }

  get succeeded(): boolean {
    const s = this.e.status;
    return s !== null && s >= 200 && s < 400;
  }

  /** Query pairs, shared by every exchange with the same query string: never mutate. */
  get query(): [string, string][] {
    return (this._query ??= this.e.query === '' ? NO_PAIRS : parsedQueries.get(this.e.query, parseQuery));
  }

  /** Request headers with lower-case names. */
  get requestHeaders(): readonly Header[] {
    return (this._reqHeaders ??= lowerHeaders(this.e.requestHeaders));
  }

  get responseHeaders(): readonly Header[] {
    return (this._respHeaders ??= lowerHeaders(this.e.responseHeaders));
  }

  /** First value of a request header (name in lower case). */
  header(lower: string): string | undefined {
    return first(this.requestHeaders, lower);
  }

  responseHeader(lower: string): string | undefined {
    return first(this.responseHeaders, lower);
  }

  get contentType(): string {
    return (this._contentType ??= (this.header('content-type') ?? '').toLowerCase());
  }

  get requestText(): string | null {
    if (this._reqText === undefined) this._reqText = decodeText(this.e.requestBody);
    return this._reqText;
  }

  get requestJson(): unknown {
    if (this._reqJson === UNPARSED) this._reqJson = parseJsonish(this.requestText, this.contentType);
    return this._reqJson;
  }

  get form(): [string, string][] {
    if (this._form === null) {
      const t = this.requestText;
      this._form = t !== null && this.contentType.includes('application/x-www-form-urlencoded') ? parseQuery(t) : [];
    }
    return this._form;
  }

  get responseContentType(): string {
    return (this._respContentType ??= (this.responseHeader('content-type') ?? '').toLowerCase());
  }

  get responseText(): string | null {
    if (this._respText === undefined) this._respText = decodeText(this.e.responseBody, 1024 * 1024);
    return this._respText;
  }

  get responseJson(): unknown {
    if (this._respJson === UNPARSED) this._respJson = parseJsonish(this.responseText, this.responseContentType);
    return this._respJson;
  }

  get responseSize(): number | null {
    return this.e.responseBody ? this.e.responseBody.length : this.e.responseSize;
  }

  /** The account a login/reset request is about: body or query field, else the Basic user. */
  get username(): string | null {
    if (this._username !== undefined) return this._username;
    let found: string | null = null;
    const json = this.requestJson;
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      for (const k of USERNAME_KEYS) {
        const v = (json as Record<string, unknown>)[k];
        if (typeof v === 'string' || typeof v === 'number') {
          found = String(v);
          break;
        }
      }
    }
    if (found === null) {
      for (const [k, v] of [...this.form, ...this.query]) {
        if (USERNAME_KEYS.includes(k) && v) {
          found = v;
          break;
        }
      }
    }
    if (found === null) {
      const auth = this.header('authorization');
      if (auth && /^basic\s+/i.test(auth)) {
        const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) found = decoded.slice(0, colon);
      }
    }
    this._username = found === null ? null : found.trim().toLowerCase().slice(0, 256);
    return this._username;
  }

  /** The caller's role from its bearer JWT claims, when the token carries one. */
  get role(): string | null {
    if (this._role === undefined) {
      const auth = this.header('authorization');
      this._role = auth ? roleOfAuthorization(auth) : null;
    }
    return this._role;
  }

  get pathParams(): string[] {
    return (this._pathParams ??= this.template.includes('{') ? pathParams(this.e.path, this.template) : []);
  }

  /** Query, form and top-level JSON body parameter names (several rules read them per request). */
  get paramNames(): string[] {
    if (this._paramNames === null) {
      const names: string[] = [];
      for (const [k] of this.query) names.push(k);
      for (const [k] of this.form) names.push(k);
      const json = this.requestJson;
      if (json && typeof json === 'object' && !Array.isArray(json)) for (const k of Object.keys(json)) names.push(k);
      this._paramNames = names;
    }
    return this._paramNames;
  }

  variants(value: string): readonly string[] {
    this._variants ??= new Map();
    let v = this._variants.get(value);
    if (!v) {
      v = decodeVariants(value);
      this._variants.set(value, v);
    }
    return v;
  }

  get scanPlan(): ScanPlan | null {
    return this.plan;
  }

  /**
   * Whether no planned library hits any target of the kinds in `mask` (bits of targetKindIndex;
   * `kinds` and `names` list them). Most exchanges carry no payload at all: a rule whose libraries
   * the plan covers then fails on one check instead of a look-up per kind and library.
   */
  hitFree(mask: number, kinds: readonly number[], names: readonly string[]): boolean {
    if ((this._cleanKinds & mask) === mask) return true;
    if ((this._checkedKinds & mask) === mask || this.plan === null) return false;
    for (let i = 0; i < kinds.length; i++) {
      const k = kinds[i];
      const bit = 1 << k;
      if ((this._checkedKinds & bit) !== 0) continue;
      this._checkedKinds |= bit;
      if (this.kindClean(k, names[i], this.plan)) this._cleanKinds |= bit;
    }
    return (this._cleanKinds & mask) === mask;
  }

  private kindClean(k: number, kind: string, plan: ScanPlan): boolean {
    const planned = plan.libraries(k);
    if (planned === undefined) return false;
    const targets = this.targets(kind);
    const shared = (this._sharedKinds & (1 << k)) !== 0 ? (targets as SharedTargets) : null;
    if (shared !== null && shared.cleanFor === plan) return true;
    for (const lib of planned.plain) if (this.signatureHit(k, kind, lib) !== null) return false;
    for (const lib of planned.decoding) if (this.signatureHit(k, kind, lib) !== null) return false;
    if (shared !== null) shared.cleanFor = plan;
    return true;
  }

  /**
   * The first hit of `library` among the targets of kind `k` (targetKindIndex), scanning the kind
   * with every library the plan names for it on first use.
   */
  signatureHit(k: number, kind: string, library: SignatureLibrary): ScanHit | null {
    // Dense, pre-sized arrays: reads stay on V8's fast path (sparse writes would make them holey).
    const scans = (this._scans ??= new Array<ScanRow | undefined>(TARGET_KINDS.length).fill(undefined));
    let row = scans[k];
    if (row === undefined) {
      const targets = this.targets(kind);
      row = scans[k] = (this._sharedKinds & (1 << k)) !== 0 ? ((targets as SharedTargets).scanRow ??= newRow()) : newRow();
    }
    const known = row[library.index];
    if (known !== undefined) return known;
    const planned = this.plan?.libraries(k);
    if (planned !== undefined && (library.decode ? planned.decoding : planned.plain).includes(library)) this.scan(kind, row, unscanned(row, planned.plain), unscanned(row, planned.decoding));
    else if (library.decode) this.scan(kind, row, NO_LIBRARIES, [library]);
    else this.scan(kind, row, [library], NO_LIBRARIES);
    return row[library.index] ?? null;
  }

  private scan(kind: string, row: ScanRow, plain: readonly SignatureLibrary[], decoding: readonly SignatureLibrary[]): void {
    const targets = this.targets(kind);
    let open = plain.length + decoding.length;
    const variantsOf = (this._variantsOf ??= (s: string) => this.variants(s));
    for (let i = 0; i < targets.length && open > 0; i++) {
      const t = targets[i];
      if (!t.value) continue;
      if (t.repeats && t.results === undefined) t.results = repeatedValueResults(t.value, t.name);
      open -= scanTarget(t, i, row, plain, variantsOf);
      // Plain values cannot match a decoding library.
      if (!t.plain && decoding.length !== 0) open -= scanTarget(t, i, row, decoding, variantsOf);
    }
    for (const lib of plain) if (row[lib.index] === undefined) row[lib.index] = null;
    for (const lib of decoding) if (row[lib.index] === undefined) row[lib.index] = null;
  }

  /** Named values a payload could hide in, per target kind (path, query, headers, cookies, body…). */
  targets(kind: string): Target[] {
    const i = targetKindIndex(kind);
    const table = (this._targets ??= new Array<Target[] | undefined>(TARGET_KINDS.length).fill(undefined));
    return (table[i] ??= this.computeTargets(kind));
  }

  private computeTargets(kind: string): Target[] {
    const e = this.e;
    const out: Target[] = [];
    switch (kind) {
      case 'path':
        this._sharedKinds |= 1 << KIND_INDEX.path;
        return pathTargets.get(e.path, computePathTargets);
      case 'query':
        this._sharedKinds |= 1 << KIND_INDEX.query;
        return e.query === '' ? NO_TARGETS : queryTargets.get(e.query, (q) => computeQueryTargets(parsedQueries.get(q, parseQuery)));
      case 'url':
        out.push(target('url', null, e.path + e.query, false));
        break;
      case 'headers': {
        const list = sharedHeaderList(this.requestHeaders);
        if (list === null) return scannedHeaders(this.requestHeaders);
        this._sharedKinds |= 1 << KIND_INDEX.headers;
        return list;
      }
      case 'cookies':
        for (const [n, v] of this.requestHeaders) {
          if (n !== 'cookie') continue;
          for (const part of v.split(';')) {
            const eq = part.indexOf('=');
            const name = (eq < 0 ? part : part.slice(0, eq)).trim();
            if (eq > 0) out.push(target('cookie', name, part.slice(eq + 1).trim(), true));
            // Payloads hide in odd cookie names (`<?php …?>=1`) and in parts with no `=` at all, as in query strings.
            if (name && !ORDINARY_NAME.test(name)) out.push(target('cookie', null, name, true));
          }
        }
        break;
      case 'user-agent': {
        const ua = this.header('user-agent');
        if (ua && ua.length > SHARED_VALUE_MAX) return [target('user-agent', 'user-agent', ua, true)];
        this._sharedKinds |= 1 << KIND_INDEX['user-agent'];
        return ua ? userAgentTargets.get(ua, (u) => [target('user-agent', 'user-agent', u, true)]) : NO_TARGETS;
      }
      case 'body': {
        const json = this.requestJson;
        if (json !== null && json !== undefined) {
          jsonLeaves(json, (path, key, value) => {
            if (key && !ORDINARY_NAME.test(key)) out.push(target('body', null, key, false));
            if (typeof value === 'string' && value !== '\u0000object' && value) out.push(target('body', key || path, value, false));
          });
        } else if (this.form.length) {
          for (const [k, v] of this.form) {
            if (v) out.push(target('body', k, v, false));
            if (!ORDINARY_NAME.test(k)) out.push(target('body', null, k, false));
          }
        } else {
          const t = this.requestText;
          if (t) out.push(target('body', null, t, false));
        }
        break;
      }
      case 'response.body': {
        // No decoding library reads responses: skip the plain check.
        const t = this.responseText;
        if (t && t.length <= SHARED_VALUE_MAX) {
          this._sharedKinds |= 1 << KIND_INDEX['response.body'];
          return responseBodyTargets.get(t, (x) => [responseBodyTarget(x)]);
        }
        if (t) out.push(responseBodyTarget(t));
        break;
      }
      case 'response.headers':
        for (const [n, v] of this.responseHeaders) out.push(target('response header', n, v, false));
        break;
      default:
        throw new Error(`unknown signature target ${kind}`);
    }
    if (out.length !== 0) return out;
    // Nothing to scan (most requests carry no cookie or body): the shared empty list, whose results
    // (no hit, for every library) are worked out once, not per exchange.
    this._sharedKinds |= 1 << KIND_INDEX[kind];
    return NO_TARGETS;
  }

  /** The value of a named field (see FIELD_NAMES); lists for multi-valued fields. */
  field(name: string): FieldValue {
    return fieldAccessor(name)(this);
  }
}

type Accessor = (v: ExchangeView) => FieldValue;

const ACCESSORS: Record<string, Accessor> = {
  method: (v) => v.e.method,
  scheme: (v) => v.e.scheme,
  'http-version': (v) => v.e.httpVersion,
  host: (v) => v.e.host,
  path: (v) => v.e.path,
  template: (v) => v.template,
  status: (v) => v.e.status,
  query: (v) => v.e.query,
  actor: (v) => v.actor,
  ip: (v) => v.e.ip ?? v.e.clientIp,
  principal: (v) => v.e.principal,
  'principal-kind': (v) => v.e.principalKind,
  username: (v) => v.username,
  role: (v) => v.role,
  'user-agent': (v) => v.header('user-agent'),
  'content-type': (v) => v.contentType || null,
  'response.content-type': (v) => v.responseContentType || null,
  'response.size': (v) => v.responseSize,
  'request.size': (v) => (v.e.requestBody ? v.e.requestBody.length : v.e.requestSize),
  duration: (v) => v.e.durationMs,
  body: (v) => v.requestText,
  'response.body': (v) => v.responseText,
  'path-id': (v) => {
    const p = v.pathParams;
    return p.length ? p[p.length - 1] : null;
  },
  'path-ids': (v) => v.pathParams,
  'param-names': (v) => v.paramNames,
  endpoint: (v) => v.endpointKey,
  'has-credentials': (v) =>
    v.e.principal !== null || v.header('authorization') !== undefined || v.header('cookie') !== undefined ? 1 : 0,
  'body-record-count': (v) => recordCount(v.responseJson),
  'cors-risk': (v) => corsRisk(v),
  page: (v) => pageParameter(v),
};

/** Query parameters that select a page of a collection (number, offset or cursor). */
const PAGE_PARAMS = new Set(['page', 'p', 'pagenumber', 'page_number', 'offset', 'start', 'skip', 'from', 'cursor', 'after', 'before', 'pagetoken', 'page_token', 'next', 'continuation']);

/** The page a collection read asks for, as `name=value` (null when the request does not page). */
function pageParameter(v: ExchangeView): string | null {
  if (v.e.query === '') return null;
  for (const [k, val] of v.query) if (val && PAGE_PARAMS.has(k.toLowerCase())) return `${k}=${val}`;
  return null;
}

/** Values of the pairs named `name`: null, one value, or a list (no allocation when absent). */
function pairValues(pairs: readonly [string, string][], name: string): FieldValue {
  let first: string | null = null;
  let more: string[] | null = null;
  for (const [k, val] of pairs) {
    if (k !== name) continue;
    if (first === null) first = val;
    else (more ??= [first]).push(val);
  }
  return more ?? first;
}

function compileAccessor(name: string): Accessor {
  const direct = ACCESSORS[name];
  if (direct) return direct;
  const dot = name.indexOf('.');
  const prefix = dot === -1 ? name : name.slice(0, dot);
  const rest = dot === -1 ? '' : name.slice(dot + 1);
  switch (prefix) {
    case 'header': {
      const h = rest.toLowerCase();
      return (v) => headerList(v.requestHeaders, h);
    }
    case 'response':
      if (rest.startsWith('header.')) {
        const h = rest.slice(7).toLowerCase();
        return (v) => headerList(v.responseHeaders, h);
      }
      break;
    case 'query': return (v) => (v.e.query === '' ? null : pairValues(v.query, rest));
    case 'param':
      return (v) => {
        const vals = [...v.query, ...v.form].filter(([k]) => k === rest).map(([, x]) => x);
        const j = jsonPath(v.requestJson, rest);
        if (j !== undefined && j !== null && typeof j !== 'object') vals.push(String(j));
        return vals;
      };
    case 'body':
      return (v) => {
        const j = jsonPath(v.requestJson, rest);
        if (j === undefined || j === null) return null;
        return typeof j === 'number' ? j : typeof j === 'string' ? j : JSON.stringify(j);
      };
    case 'cookie': return (v) => v.targets('cookies').filter((t) => t.name === rest).map((t) => t.value);
    // What a reader kept beyond the exchange model (a log's raw request line, an error-log zone…).
    case 'extra':
      return (v) => {
        const x = v.e.extra?.[rest];
        return x === undefined ? null : typeof x === 'number' ? x : String(x);
      };
  }
  throw new Error(`unknown field ${name}`);
}

const accessorCache = new Map<string, Accessor>();
/** The compiled getter for a field name (rules compile theirs once). */
export function fieldAccessor(name: string): Accessor {
  let a = accessorCache.get(name);
  if (!a) {
    a = compileAccessor(name);
    accessorCache.set(name, a);
  }
  return a;
}

/** Credentialed CORS that lets another origin read responses: '*', a reflected origin, or null. */
function corsRisk(v: ExchangeView): string | null {
  const e = v.e;
  const allow = v.responseHeader('access-control-allow-origin')?.trim();
  if (!allow) return null;
  const creds = v.responseHeader('access-control-allow-credentials')?.trim().toLowerCase() === 'true';
  if (!creds) return null;
  if (allow === '*') return 'wildcard-with-credentials';
  if (allow === 'null') return 'null-origin-with-credentials';
  const origin = v.header('origin');
  if (origin && allow === origin) {
    let host: string;
    try {
      host = new URL(origin).hostname;
    } catch {
      return null;
    }
    const site = (h: string) => h.split('.').slice(-2).join('.');
    if (site(host) !== site(e.host)) return 'reflected-origin-with-credentials';
  }
  return null;
}

/** Values of a header in a lower-cased list: null, one value, or a list. */
function headerList(headers: readonly Header[], lower: string): FieldValue {
  let first: string | null = null;
  let more: string[] | null = null;
  for (const [n, v] of headers) {
    if (n !== lower) continue;
    if (first === null) first = v;
    else (more ??= [first]).push(v);
  }
  return more ?? first;
}

function jsonPath(v: unknown, path: string): unknown {
  let cur = v;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function recordCount(v: unknown): number | null {
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') {
    let best: number | null = null;
    for (const value of Object.values(v)) if (Array.isArray(value) && (best === null || value.length > best)) best = value.length;
    return best;
  }
  return null;
}

function parseJsonish(text: string | null, contentType: string): unknown {
  if (text === null) return null;
  const first = text.trimStart()[0];
  if (!contentType.includes('json') && first !== '{' && first !== '[') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Field names rule files may use (checked when a pack is loaded). */
export const FIELD_NAMES = [
  'method', 'scheme', 'http-version', 'host', 'path', 'template', 'status', 'query', 'actor', 'ip', 'principal', 'principal-kind', 'username', 'role',
  'user-agent', 'content-type', 'response.content-type', 'response.size', 'request.size', 'duration', 'body', 'response.body',
  'path-id', 'path-ids', 'param-names', 'endpoint', 'has-credentials', 'body-record-count', 'cors-risk', 'page',
] as const;
export const FIELD_PREFIXES = ['header.', 'response.header.', 'query.', 'param.', 'body.', 'cookie.', 'extra.'] as const;
export const TARGET_KINDS = ['path', 'query', 'url', 'headers', 'cookies', 'user-agent', 'body', 'response.body', 'response.headers'] as const;

export function isKnownField(name: string): boolean {
  return (FIELD_NAMES as readonly string[]).includes(name) || FIELD_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length);
}
