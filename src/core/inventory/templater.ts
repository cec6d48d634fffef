/**
 * Path-template inference over a segment tree, one tree per host+method.
 *
 * Every concrete path seen is inserted into a trie of decoded segments. Walking it top-down, the
 * children of each node are partitioned: segments that are identifiers on their own (numbers,
 * UUIDs, hashes, ObjectIDs, dates, e-mails, random tokens) always become one parameter; slugs and
 * words become that parameter too only with enough evidence — many siblings (cardinality
 * thresholds), or siblings whose JSON responses share their keys. API words (api, v2, rest…) and
 * resource names (a segment followed by identifiers: /users/{id}) are never merged, nor are
 * dictionary words with few siblings (/users/me beside /users/{id}). Merged siblings' subtrees
 * are united and the walk continues below. Parameters are named from the preceding resource
 * (users → userId). Analyst decisions (merge, split, rename) at a prefix override the heuristics.
 */
import { decodeSegment, ID_KINDS, segmentKind, splitPath } from './segments.ts';
import type { SegmentKind, TemplateDecision } from './types.ts';

/** Slugs merge from this many distinct siblings; words (likelier to be real routes) need more. */
export const SLUG_SIBLINGS = 5;
export const WORD_SIBLINGS = 20;
/** With this many siblings, similar JSON responses (Jaccard of top-level keys) are enough evidence. */
export const SIMILAR_SIBLINGS = 4;
export const SIMILAR_KEYS = 0.8;
/** Identifier siblings from which odd-looking literal siblings count as values of the parameter too. */
export const ODD_VALUES_AFTER = 3;
const MAX_DEPTH = 48;
const MAX_KEYS = 64;

const API_WORDS = new Set([
  'api', 'apis', 'rest', 'graphql', 'gql', 'rpc', 'json', 'xml', 'public', 'private', 'internal', 'external', 'admin', 'auth',
  'oauth', 'oauth2', 'login', 'logout', 'signin', 'signup', 'register', 'token', 'tokens', 'refresh', 'me', 'self', 'current',
  'search', 'health', 'healthz', 'status', 'metrics', 'version', 'docs', 'swagger', 'openapi', 'static', 'assets', 'latest',
  'new', 'edit', 'create', 'update', 'delete', 'export', 'import', 'upload', 'download', 'batch', 'bulk', 'count', 'stats',
  'settings', 'config', 'profile', 'account', 'accounts', 'users', 'user', 'orders', 'order', 'items', 'products', 'v', 'beta', 'alpha',
]);

export interface PathSample {
  method: string;
  /** Concrete path (no query). */
  path: string;
  count: number;
  /** Top-level keys of a JSON response seen for this path, when known. */
  keys?: readonly string[];
}

class Trie {
  children = new Map<string, Trie>();
  count = 0;
  ends = 0;
  keys: Set<string> | null = null;

  child(seg: string): Trie {
    let c = this.children.get(seg);
    if (!c) this.children.set(seg, (c = new Trie()));
    return c;
  }
}

function addKeys(node: Trie, keys: Iterable<string>): void {
  node.keys ??= new Set();
  for (const k of keys) {
    if (node.keys.size >= MAX_KEYS) break;
    node.keys.add(k);
  }
}

function mergeInto(target: Trie, src: Trie): void {
  target.count += src.count;
  target.ends += src.ends;
  if (src.keys) addKeys(target, src.keys);
  for (const [seg, child] of src.children) {
    const t = target.children.get(seg);
    if (t) mergeInto(t, child);
    else target.children.set(seg, child);
  }
}

/** The inferred template tree of one host+method. */
export interface TemplateNode {
  literals: Map<string, TemplateNode>;
  param: TemplateNode | null;
  /** Set on a parameter node. */
  paramName: string;
  paramKinds: Map<SegmentKind, number>;
  /** Distinct concrete segment values folded into this parameter (capped count). */
  paramValues: number;
  count: number;
  /** Some path ends here: this node is an endpoint. */
  end: boolean;
}

function newNode(): TemplateNode {
  return { literals: new Map(), param: null, paramName: '', paramKinds: new Map(), paramValues: 0, count: 0, end: false };
}

function singular(word: string): string {
  if (/ies$/i.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/i.test(word)) return word;
  if (/(xes|ches|shes|sses)$/i.test(word)) return word.slice(0, -2);
  if (/s$/i.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

function camel(word: string): string {
  const parts = word.split(/[-_.\s]+/).filter(Boolean);
  return parts.map((p, i) => (i === 0 ? p.toLowerCase() : p[0].toUpperCase() + p.slice(1).toLowerCase())).join('');
}

/** users → userId, order-items → orderItemId; dates are `date`; no resource before → `id`. */
export function paramNameFor(previous: string | null, kinds: ReadonlyMap<SegmentKind, number>): string {
  const only = kinds.size === 1 ? [...kinds.keys()][0] : null;
  if (only === 'date' || only === 'datetime') return 'date';
  if (!previous || !/^[a-z][a-z0-9_-]*$/i.test(previous) || segmentKind(previous) === 'version') return 'id';
  const base = camel(singular(previous));
  return base ? `${base}Id` : 'id';
}

/** Decisions compare prefixes with parameter names erased, so a rename upstream keeps them valid. */
export function normalPrefix(prefix: string): string {
  const p = prefix.replace(/\{[^}/]*\}/g, '{}');
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p || '/';
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let inter = 0;
  for (const k of a) if (b.has(k)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}

/** Mean similarity of every sibling's response keys to the first one that has keys. */
function keySimilarity(nodes: readonly Trie[]): number {
  const withKeys = nodes.filter((n) => n.keys && n.keys.size >= 2);
  if (withKeys.length < SIMILAR_SIBLINGS || withKeys.length < nodes.length / 2) return 0;
  const ref = withKeys[0].keys as Set<string>;
  let sum = 0;
  for (let i = 1; i < withKeys.length; i++) sum += jaccard(ref, withKeys[i].keys as Set<string>);
  return sum / (withKeys.length - 1);
}

/** A segment whose children include identifiers names a collection: /users/{id}. */
function isResource(node: Trie): boolean {
  for (const seg of node.children.keys()) if (ID_KINDS.has(segmentKind(seg))) return true;
  return false;
}

type Decisions = Map<string, { merge?: boolean; split?: boolean; name?: string }>;

function decisionsFor(list: readonly TemplateDecision[], host: string, method: string): Decisions {
  const out: Decisions = new Map();
  for (const d of list) {
    if (d.host !== host || (d.method !== method && d.method !== '*')) continue;
    const key = normalPrefix(d.prefix);
    const entry = out.get(key) ?? {};
    if (d.kind === 'merge') {
      entry.merge = true;
      entry.split = false;
    } else if (d.kind === 'split') {
      entry.split = true;
      entry.merge = false;
    } else if (d.name) entry.name = d.name;
    out.set(key, entry);
  }
  return out;
}

/** Splits a node's children into those folded into one parameter and those kept literal. */
function partition(node: Trie, forced: { merge?: boolean; split?: boolean } | undefined): { params: string[]; literals: string[] } {
  const segs = [...node.children.keys()];
  if (forced?.split) return { params: [], literals: segs };
  if (forced?.merge) return { params: segs, literals: [] };
  const params: string[] = [];
  const candidates: { seg: string; kind: SegmentKind }[] = [];
  const literals: string[] = [];
  for (const seg of segs) {
    const kind = segmentKind(seg);
    if (ID_KINDS.has(kind)) params.push(seg);
    else if (kind === 'version' || API_WORDS.has(seg.toLowerCase()) || seg === '' || isResource(node.children.get(seg) as Trie)) literals.push(seg);
    else candidates.push({ seg, kind });
  }
  if (candidates.length === 0) return { params, literals };
  // Beside a well-attested parameter, odd values (../etc/passwd, %2e%2e, a' OR 1=1) are more
  // values of it (probes, typos), not routes: routes are words and slugs.
  if (params.length >= ODD_VALUES_AFTER) {
    for (let i = candidates.length - 1; i >= 0; i--) {
      if (candidates[i].kind === 'other') params.push(candidates.splice(i, 1)[0].seg);
    }
    if (candidates.length === 0) return { params, literals };
  }
  const words = candidates.filter((c) => c.kind === 'word').length;
  const slugs = candidates.length - words;
  const n = candidates.length;
  // Siblings carry the evidence: a handful of words is a route table, dozens are values.
  const byCardinality = words === 0 ? n >= SLUG_SIBLINGS : slugs >= words ? n >= SLUG_SIBLINGS * 2 : n >= WORD_SIBLINGS;
  const bySimilarity = !byCardinality && n >= SIMILAR_SIBLINGS && keySimilarity(candidates.map((c) => node.children.get(c.seg) as Trie)) >= SIMILAR_KEYS;
  if (byCardinality || bySimilarity) params.push(...candidates.map((c) => c.seg));
  else literals.push(...candidates.map((c) => c.seg));
  return { params, literals };
}

function generalise(node: Trie, prefix: string, previous: string | null, decisions: Decisions, depth: number, used: Set<string>): TemplateNode {
  const out = newNode();
  out.count = node.count;
  out.end = node.ends > 0;
  if (depth >= MAX_DEPTH) return out;
  const here = decisions.get(normalPrefix(prefix));
  const { params, literals } = partition(node, here);
  const base = prefix === '/' ? '' : prefix;
  for (const seg of literals) {
    const child = node.children.get(seg) as Trie;
    out.literals.set(seg, generalise(child, `${base}/${seg}`, seg, decisions, depth + 1, used));
  }
  if (params.length > 0) {
    const merged = new Trie();
    const kinds = new Map<SegmentKind, number>();
    for (const seg of params) {
      mergeInto(merged, node.children.get(seg) as Trie);
      const k = segmentKind(seg);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    let name = here?.name ?? paramNameFor(previous, kinds);
    if (!here?.name) {
      const stem = name;
      for (let i = 2; used.has(name); i++) name = `${stem}${i}`;
    }
    const inner = new Set(used).add(name);
    const p = generalise(merged, `${base}/{${name}}`, null, decisions, depth + 1, inner);
    p.paramName = name;
    p.paramKinds = kinds;
    p.paramValues = params.length;
    out.param = p;
  }
  return out;
}

/** The learned templates of one host: a tree per method, and a memoised path resolver. */
export class HostTemplates {
  readonly host: string;
  readonly trees = new Map<string, TemplateNode>();
  private readonly memo = new Map<string, string>();

  constructor(host: string) {
    this.host = host;
  }

  /** Template of a concrete path; paths never seen resolve through the learned parameters. */
  resolve(method: string, path: string): string {
    const key = `${method} ${path}`;
    let t = this.memo.get(key);
    if (t !== undefined) return t;
    t = resolveIn(this.trees.get(method) ?? null, path);
    if (this.memo.size >= 200_000) this.memo.clear();
    this.memo.set(key, t);
    return t;
  }
}

function resolveIn(root: TemplateNode | null, path: string): string {
  const segs = splitPath(path);
  const out: string[] = [];
  let node = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = decodeSegment(segs[i]);
    if (i >= MAX_DEPTH) {
      out.push(...segs.slice(i));
      break;
    }
    const lit = node?.literals.get(seg);
    if (lit) {
      out.push(segs[i]);
      node = lit;
    } else if (node?.param && (ID_KINDS.has(segmentKind(seg)) || node.literals.size === 0 || node.param.paramValues > 1)) {
      out.push(`{${node.param.paramName}}`);
      node = node.param;
    } else {
      // Unseen territory: identifiers still become parameters, the rest stays as written.
      out.push(ID_KINDS.has(segmentKind(seg)) ? '{id}' : segs[i]);
      node = null;
    }
  }
  return `/${out.join('/')}`;
}

/** Infers the templates of one host from its distinct paths. */
export function inferHost(host: string, samples: Iterable<PathSample>, decisions: readonly TemplateDecision[] = []): HostTemplates {
  const tries = new Map<string, Trie>();
  for (const s of samples) {
    let root = tries.get(s.method);
    if (!root) tries.set(s.method, (root = new Trie()));
    let node = root;
    node.count += s.count;
    const segs = splitPath(s.path);
    for (let i = 0; i < segs.length && i < MAX_DEPTH; i++) {
      node = node.child(decodeSegment(segs[i]));
      node.count += s.count;
    }
    node.ends += s.count;
    if (s.keys && s.keys.length > 0) addKeys(node, s.keys);
  }
  const out = new HostTemplates(host);
  for (const [method, root] of tries) out.trees.set(method, generalise(root, '/', null, decisionsFor(decisions, host, method), 0, new Set()));
  return out;
}

/** Every endpoint template of a tree (paths that end at a node). */
export function templatesOf(root: TemplateNode): string[] {
  const out: string[] = [];
  const walk = (n: TemplateNode, path: string): void => {
    if (n.end) out.push(path === '' ? '/' : path);
    for (const [seg, c] of n.literals) walk(c, `${path}/${seg}`);
    if (n.param) walk(n.param, `${path}/{${n.param.paramName}}`);
  };
  walk(root, '');
  return out;
}
