/**
 * Rule predicates (the `match`/`filter` trees of a rule file) compiled to closures once per pack.
 * A predicate can also explain itself: which leaf failed and on what value (used by explain).
 */
import { fieldAccessor, targetKindIndex, type ExchangeView, type ScanHit, type ScanPlan } from './fields.ts';
import { SIGNATURES } from './signatures.ts';
import type { FieldValue, PredicateSpec } from './types.ts';

export interface SignatureHit {
  library: string;
  where: string;
  name: string | null;
  snippet: string;
}

export interface Predicate {
  test(v: ExchangeView, hits: SignatureHit[] | null): boolean;
  /** Human description of the condition, e.g. `status in [401, 403]`. */
  readonly text: string;
  /** null when it holds, else the description of the first failing leaf with the value seen. */
  whyNot(v: ExchangeView): string | null;
}

const DEFAULT_TARGETS = ['path', 'query', 'headers', 'cookies', 'body'];

function show(value: FieldValue): string {
  if (value === null || value === undefined) return 'nothing';
  const s = Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

function leaf(spec: PredicateSpec): Predicate {
  const field = spec.field!;
  const checks: { text: string; ok: (x: string | number) => boolean }[] = [];
  const str = (x: string | number) => (typeof x === 'string' ? x : String(x));
  // Case-insensitive comparisons; integers and values written as in the rule skip the lower-casing.
  const canonicalInt = (w: string) => (/^-?\d{1,15}$/.test(w) && String(Number(w)) === w ? Number(w) : null);
  if (spec.equals !== undefined) {
    const want = String(spec.equals).toLowerCase();
    const wantInt = canonicalInt(want);
    checks.push({
      text: `${field} = ${JSON.stringify(spec.equals)}`,
      ok: (x) => (typeof x === 'number' && Number.isInteger(x) ? x === wantInt : str(x).toLowerCase() === want),
    });
  }
  if (spec.in !== undefined) {
    const set = new Set(spec.in.map((x) => String(x).toLowerCase()));
    const ints = new Set([...set].map(canonicalInt).filter((n) => n !== null));
    const asWritten = new Set(spec.in.map(String));
    checks.push({
      text: `${field} in [${spec.in.join(', ')}]`,
      ok: (x) => (typeof x === 'number' && Number.isInteger(x) ? ints.has(x) : asWritten.has(str(x)) || set.has(str(x).toLowerCase())),
    });
  }
  if (spec.regex !== undefined) {
    const re = new RegExp(spec.regex, spec.caseSensitive ? '' : 'i');
    checks.push({ text: `${field} ~ /${spec.regex}/`, ok: (x) => re.test(str(x)) });
  }
  if (spec.contains !== undefined) {
    const c = spec.caseSensitive ? spec.contains : spec.contains.toLowerCase();
    checks.push({ text: `${field} contains ${JSON.stringify(spec.contains)}`, ok: (x) => (spec.caseSensitive ? str(x) : str(x).toLowerCase()).includes(c) });
  }
  if (spec.startsWith !== undefined) {
    const c = spec.startsWith.toLowerCase();
    checks.push({ text: `${field} starts with ${JSON.stringify(spec.startsWith)}`, ok: (x) => str(x).toLowerCase().startsWith(c) });
  }
  if (spec.endsWith !== undefined) {
    const c = spec.endsWith.toLowerCase();
    checks.push({ text: `${field} ends with ${JSON.stringify(spec.endsWith)}`, ok: (x) => str(x).toLowerCase().endsWith(c) });
  }
  const num = (x: string | number) => (typeof x === 'number' ? x : Number(x));
  if (spec.gt !== undefined) checks.push({ text: `${field} > ${spec.gt}`, ok: (x) => num(x) > spec.gt! });
  if (spec.gte !== undefined) checks.push({ text: `${field} >= ${spec.gte}`, ok: (x) => num(x) >= spec.gte! });
  if (spec.lt !== undefined) checks.push({ text: `${field} < ${spec.lt}`, ok: (x) => num(x) < spec.lt! });
  if (spec.lte !== undefined) checks.push({ text: `${field} <= ${spec.lte}`, ok: (x) => num(x) <= spec.lte! });
  const exists = spec.exists;
  const text = exists !== undefined && checks.length === 0 ? `${field} ${exists ? 'exists' : 'is absent'}` : checks.map((c) => c.text).join(' and ');
  const one = (x: string | number): boolean => {
    for (const c of checks) if (!c.ok(x)) return false;
    return true;
  };
  const get = fieldAccessor(field);
  const test = (v: ExchangeView): boolean => {
    const raw = get(v);
    if (!Array.isArray(raw)) {
      // Scalar fast path (most fields): no array allocation per exchange.
      const present = raw !== null && raw !== undefined && raw !== '';
      if (exists !== undefined && present !== exists) return false;
      if (checks.length === 0) return true;
      return raw !== null && raw !== undefined && one(raw as string | number);
    }
    const vals = raw as (string | number)[];
    if (exists !== undefined && vals.some((x) => x !== '') !== exists) return false;
    if (checks.length === 0) return true;
    // Multi-valued fields (repeated headers, query values) match when any value satisfies all checks.
    return vals.some(one);
  };
  return { text, test, whyNot: (v) => (test(v) ? null : `${text} failed (saw ${show(v.field(field))})`) };
}

function signature(spec: PredicateSpec): Predicate {
  const libs = spec.signature!.split(/\s*,\s*/).map((n) => SIGNATURES.get(n)!);
  const targets = spec.targets ?? DEFAULT_TARGETS;
  const kinds = targets.map(targetKindIndex);
  const text = `${spec.signature} signature in ${targets.join('/')}`;
  const mask = kinds.reduce((m, k) => m | (1 << k), 0);
  // Whether the view's scan plan covers every (kind, library) of this leaf (then a view whose
  // planned scans found nothing settles it at once); remembered for the last plan seen.
  let lastPlan: ScanPlan | null | undefined;
  let covered = false;
  const test = (v: ExchangeView, hits: SignatureHit[] | null): boolean => {
    const plan = v.scanPlan;
    if (plan !== lastPlan) {
      lastPlan = plan;
      covered = plan !== null && kinds.every((k) => libs.every((l) => plan.covers(k, l)));
    }
    if (covered && v.hitFree(mask, kinds, targets)) return false;
    // Target kinds in the rule's order; within a kind, the earliest target; then library order.
    for (let i = 0; i < kinds.length; i++) {
      let best: ScanHit | null = null;
      for (const lib of libs) {
        const h = v.signatureHit(kinds[i], targets[i], lib);
        if (h !== null && (best === null || h.index < best.index)) best = h;
      }
      if (best !== null) {
        hits?.push(best);
        return true;
      }
    }
    return false;
  };
  return { text, test, whyNot: (v) => (test(v, null) ? null : `no ${spec.signature} signature in ${targets.join(', ')}`) };
}

/** Adds every (target kind, library) a predicate's signature leaves scan to `plan`. */
export function planSignatures(spec: PredicateSpec | null, plan: ScanPlan): void {
  if (!spec) return;
  for (const p of [...(spec.all ?? []), ...(spec.any ?? []), ...(spec.not ? [spec.not] : [])]) planSignatures(p, plan);
  if (spec.signature === undefined) return;
  for (const kind of spec.targets ?? DEFAULT_TARGETS) for (const name of spec.signature.split(/\s*,\s*/)) plan.add(kind, SIGNATURES.get(name)!);
}

export function compilePredicate(spec: PredicateSpec): Predicate {
  if (spec.all) {
    const parts = spec.all.map(compilePredicate);
    return {
      text: parts.map((p) => p.text).join(' and '),
      test: (v, hits) => {
        // Loops, not every(): no closure allocated per exchange.
        for (let i = 0; i < parts.length; i++) if (!parts[i].test(v, hits)) return false;
        return true;
      },
      whyNot: (v) => {
        for (const p of parts) {
          const r = p.whyNot(v);
          if (r !== null) return r;
        }
        return null;
      },
    };
  }
  if (spec.any) {
    const parts = spec.any.map(compilePredicate);
    return {
      text: `(${parts.map((p) => p.text).join(' or ')})`,
      test: (v, hits) => {
        for (let i = 0; i < parts.length; i++) if (parts[i].test(v, hits)) return true;
        return false;
      },
      whyNot: (v) => (parts.some((p) => p.test(v, null)) ? null : `none of ${parts.length} alternatives held: ${parts.map((p) => p.whyNot(v)).join('; ')}`),
    };
  }
  if (spec.not) {
    const inner = compilePredicate(spec.not);
    return { text: `not (${inner.text})`, test: (v) => !inner.test(v, null), whyNot: (v) => (inner.test(v, null) ? `not (${inner.text}) failed` : null) };
  }
  if (spec.signature !== undefined) return signature(spec);
  return leaf(spec);
}

export const ALWAYS: Predicate = { text: 'any request', test: () => true, whyNot: () => null };

/** Fields known before any rule runs: a rule's verdict on them alone picks the rules worth running. */
const GATE_FIELDS = new Set(['method', 'status']);

/**
 * What a predicate says knowing only an exchange's method and status: true or false when those
 * decide it, null when other fields do (three-valued; `not` of undecided stays undecided).
 */
export function gateVerdict(spec: PredicateSpec, method: string, status: number | null): boolean | null {
  if (spec.all) {
    let undecided = false;
    for (const p of spec.all) {
      const r = gateVerdict(p, method, status);
      if (r === false) return false;
      if (r === null) undecided = true;
    }
    return undecided ? null : true;
  }
  if (spec.any) {
    let undecided = false;
    for (const p of spec.any) {
      const r = gateVerdict(p, method, status);
      if (r === true) return true;
      if (r === null) undecided = true;
    }
    return undecided ? null : false;
  }
  if (spec.not) {
    const r = gateVerdict(spec.not, method, status);
    return r === null ? null : !r;
  }
  if (spec.signature !== undefined || spec.field === undefined || !GATE_FIELDS.has(spec.field)) return null;
  // The leaf compiled as rules compile it, on a view holding only what is known.
  return leaf(spec).test({ e: { method, status } } as unknown as ExchangeView, null);
}

/** Whether an exchange with this method and status could satisfy the predicate (null = any can). */
export function mayHold(spec: PredicateSpec | null, method: string, status: number | null): boolean {
  return spec === null || gateVerdict(spec, method, status) !== false;
}
