/**
 * AST → a parameterised SQL WHERE fragment over `exchanges AS e`. User values only ever travel
 * as parameters. Every positive condition may yield NULL for missing data; negations are written
 * `NOT coalesce(x, 0)` so `status != 200` also matches exchanges that have no response.
 */
import { domainToASCII } from 'node:url';
import { HIGHLIGHTS } from '../../shared/api.ts';
import type { Filter, Node, Op, Range, Scalar, Value } from './ast.ts';
import { FilterError, didYouMean } from './errors.ts';
import { URL_SQL, lookupField, type FieldSpec } from './fields.ts';
import { parseFilter } from './parser.ts';
import { toRegExp } from './regexp.ts';
import { readInterval, type Interval } from './values.ts';

export interface CompiledFilter {
  /** A boolean SQL expression over `exchanges AS e` ('1' for an empty filter). */
  where: string;
  params: unknown[];
  /** True when the filter uses the clock (`now`, `-15m`): its result changes with time alone. */
  volatile: boolean;
}

export interface CompileOptions {
  /** Clock for relative times (`time > -15m`); epoch ms. */
  now?: number;
}

/** Shortest body search the trigram index can answer. */
export const MIN_BODY_TERM = 3;

type Positive = '=' | '~' | 'contains' | 'in' | '<' | '>' | '<=' | '>=' | 'exists';
const NEGATIONS: Partial<Record<Op, Positive>> = { '!=': '=', '!~': '~', '!contains': 'contains', '!in': 'in' };

export function compileFilter(expr: string, opts: CompileOptions = {}): CompiledFilter {
  return compileAst(parseFilter(expr), opts);
}

export function compileAst(filter: Filter, opts: CompileOptions = {}): CompiledFilter {
  if (filter === null) return { where: '1', params: [], volatile: false };
  const c = new Compiler(opts.now ?? Date.now());
  const where = c.node(filter);
  return { where, params: c.params, volatile: c.volatile };
}

/** `a OP b OP c…` as a balanced tree, so long chains stay shallow for SQLite's expression depth limit. */
function balanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0];
  const mid = parts.length >> 1;
  return `(${balanced(parts.slice(0, mid), op)} ${op} ${balanced(parts.slice(mid), op)})`;
}

const isNull = (v: Value): boolean => v !== null && v.kind === 'word' && v.text.toLowerCase() === 'null';

class Compiler {
  readonly params: unknown[] = [];
  volatile = false;
  private readonly clock: number;
  private readonly now = (): number => {
    this.volatile = true;
    return this.clock;
  };

  constructor(now: number) {
    this.clock = now;
  }

  private p(v: unknown): string {
    this.params.push(v);
    return '?';
  }

  node(n: Node): string {
    switch (n.kind) {
      case 'and':
      case 'or':
        return balanced(
          n.items.map((i) => this.node(i)),
          n.kind === 'and' ? 'AND' : 'OR',
        );
      case 'not':
        return `NOT coalesce(${this.node(n.item)}, 0)`;
      case 'text':
        return `instr(lower(${URL_SQL}), lower(${this.p(n.value.text)})) > 0`;
      case 'compare': {
        const positive = NEGATIONS[n.op];
        const sql = this.compare(lookupField(n.field)!, n.arg, positive ?? (n.op as Positive), n.value, n.opColumn);
        return positive ? `NOT coalesce(${sql}, 0)` : sql;
      }
    }
  }

  private compare(spec: FieldSpec, arg: string | null, op: Positive, value: Value, opColumn: number): string {
    switch (spec.kind) {
      case 'text':
        return this.text(spec.sql, op, value, opColumn, spec.name, spec.fold, spec.nullable);
      case 'number':
        return this.number(spec, op, value, opColumn);
      case 'header':
        return this.header(spec.side, arg, op, value, opColumn, spec.name);
      case 'body':
        return this.body(spec.side, op, value, opColumn, spec.name);
      case 'tag':
        if (isNull(value) && op === '=') return 'e.id NOT IN (SELECT exchange_id FROM tags)';
        return `e.id IN (SELECT exchange_id FROM tags WHERE ${this.text('tag', op, value, opColumn, 'tag')})`;
      case 'source':
        return `e.source_id IN (SELECT id FROM sources WHERE ${this.text('name', op, value, opColumn, 'source')})`;
      case 'comment':
        if (isNull(value) && op === '=') return `e.id NOT IN (SELECT exchange_id FROM annotations WHERE comment IS NOT NULL AND comment != '')`;
        return `e.id IN (SELECT exchange_id FROM annotations WHERE comment IS NOT NULL AND ${this.text('comment', op, value, opColumn, 'comment')})`;
      case 'highlight':
        return this.highlight(op, value, opColumn);
    }
  }

  private scalars(value: Value, op: Positive, opColumn: number, field: string): Scalar[] {
    if (value === null) throw new FilterError(`expected a value for ${field}`, opColumn);
    if (value.kind === 'list') {
      return value.items.map((i) => {
        if (i.kind === 'range') throw new FilterError(`'${field}' does not take ranges`, i.column);
        return i;
      });
    }
    if (value.kind === 'range') throw new FilterError(`'${field}' does not take ranges`, value.column);
    if (op === 'in') throw new FilterError(`expected a list after 'in'`, value.column);
    return [value];
  }

  /** Text comparison of an SQL expression; `fold` normalises case for case-insensitive fields. */
  private text(sql: string, op: Positive, value: Value, opColumn: number, field: string, fold?: 'upper' | 'lower', nullable = true): string {
    if (op === 'exists') throw new FilterError(`expected an operator after '${field}'`, opColumn);
    if (op === '<' || op === '>' || op === '<=' || op === '>=') {
      throw new FilterError(`'${op}' compares numbers and times, but '${field}' is text (use =, ~, contains or in)`, opColumn);
    }
    const values = this.scalars(value, op, opColumn, field);
    const norm = (s: Scalar): string => (fold === 'upper' ? s.text.toUpperCase() : fold === 'lower' ? (field === 'host' ? domainToASCII(s.text) || s.text.toLowerCase() : s.text.toLowerCase()) : s.text);
    const nulls = values.filter((v) => isNull(v));
    const rest = values.filter((v) => !isNull(v));
    if (nulls.length && op !== '=' && op !== 'in') throw new FilterError(`'${op}' cannot compare with null`, nulls[0].column);
    const parts: string[] = [];
    if (nulls.length) parts.push(nullable ? `${sql} IS NULL` : '0');
    if (rest.length) {
      switch (op) {
        case '=':
        case 'in':
          parts.push(rest.length === 1 ? `${sql} = ${this.p(norm(rest[0]))}` : `${sql} IN (${rest.map((v) => this.p(norm(v))).join(', ')})`);
          break;
        case 'contains':
          parts.push(`instr(lower(${sql}), lower(${this.p(rest[0].text)})) > 0`);
          break;
        case '~':
          this.checkRegExp(rest[0]);
          parts.push(`regexp(${this.p(rest[0].text)}, ${sql})`);
          break;
      }
    }
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  }

  private checkRegExp(s: Scalar): void {
    try {
      toRegExp(s.text);
    } catch (err) {
      throw new FilterError(`invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, s.column);
    }
  }

  private interval(spec: Extract<FieldSpec, { kind: 'number' }>, v: Scalar | Range): Interval {
    if (v.kind !== 'range') return readInterval(spec.unit, v, this.now);
    const lo = v.lo ? readInterval(spec.unit, v.lo, this.now) : null;
    const hi = v.hi ? readInterval(spec.unit, v.hi, this.now) : null;
    const out: Interval = { lo: lo?.lo ?? null, hi: hi?.hi ?? null, hiExclusive: hi?.hiExclusive ?? false };
    if (out.lo !== null && out.hi !== null && (out.lo > out.hi || (out.lo === out.hi && out.hiExclusive))) {
      throw new FilterError(`empty range: '${v.lo!.text}' is after '${v.hi!.text}'`, v.column);
    }
    return out;
  }

  private within(sql: string, iv: Interval): string {
    if (iv.lo !== null && iv.hi !== null && iv.lo === iv.hi && !iv.hiExclusive) return `${sql} = ${this.p(iv.lo)}`;
    const parts: string[] = [];
    if (iv.lo !== null) parts.push(`${sql} >= ${this.p(iv.lo)}`);
    if (iv.hi !== null) parts.push(`${sql} ${iv.hiExclusive ? '<' : '<='} ${this.p(iv.hi)}`);
    return parts.join(' AND ');
  }

  private number(spec: Extract<FieldSpec, { kind: 'number' }>, op: Positive, value: Value, opColumn: number): string {
    const { sql, name } = spec;
    if (op === 'exists') throw new FilterError(`expected an operator after '${name}'`, opColumn);
    if (op === '~' || op === 'contains') {
      throw new FilterError(`'${op}' matches text, but '${name}' is numeric (use =, !=, <, >, <=, >=, in, or a range like ${name === 'status' ? '400..499' : '10..20'})`, opColumn);
    }
    if (value === null) throw new FilterError(`expected a value for ${name}`, opColumn);
    if (isNull(value)) {
      if (op !== '=') throw new FilterError(`'${op}' cannot compare with null`, value.column);
      return spec.nullable ? `${sql} IS NULL` : '0';
    }
    if (op === 'in' || op === '=') {
      const items = value.kind === 'list' ? value.items : [value];
      if (op === '=' && value.kind === 'list') throw new FilterError("a list needs 'in', not '='", value.column);
      const parts = items.map((i) => (isNull(i) ? (spec.nullable ? `${sql} IS NULL` : '0') : this.within(sql, this.interval(spec, i))));
      return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
    }
    if (value.kind !== 'word' && value.kind !== 'string') throw new FilterError(`'${op}' takes a single value, not a ${value.kind}`, value.column);
    const iv = readInterval(spec.unit, value, this.now);
    switch (op) {
      case '<':
        return `${sql} < ${this.p(iv.lo)}`;
      case '>=':
        return `${sql} >= ${this.p(iv.lo)}`;
      case '<=':
        return `${sql} ${iv.hiExclusive ? '<' : '<='} ${this.p(iv.hi)}`;
      case '>':
        return `${sql} ${iv.hiExclusive ? '>=' : '>'} ${this.p(iv.hi)}`;
    }
  }

  private header(side: 'req' | 'resp' | 'both', arg: string | null, op: Positive, value: Value, opColumn: number, field: string): string {
    const sides = side === 'both' ? ['req', 'resp'] : [side];
    const parts = sides.map((s) => {
      const col = s === 'req' ? 'e.req_headers' : 'e.resp_headers';
      const target = arg === null ? `((h.value ->> 0) || ': ' || (h.value ->> 1))` : 'h.value ->> 1';
      if (arg === null) {
        if (op === 'exists') throw new FilterError(`expected an operator after '${field}'`, opColumn);
        return `EXISTS (SELECT 1 FROM json_each(${col}) AS h WHERE ${this.text(target, op, value, opColumn, field)})`;
      }
      const name = arg.toLowerCase();
      // The substring test on the raw JSON skips json_each for rows that cannot have the header.
      const prefilter = `instr(lower(${col}), ${this.p(JSON.stringify(name))}) > 0`;
      const nameTest = `lower(h.value ->> 0) = ${this.p(name)}`;
      const valueTest = op === 'exists' ? '' : ` AND ${this.text(target, op, value, opColumn, `${field}[${arg}]`)}`;
      return `(${prefilter} AND EXISTS (SELECT 1 FROM json_each(${col}) AS h WHERE ${nameTest}${valueTest}))`;
    });
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  }

  private body(side: 'req' | 'resp' | 'both', op: Positive, value: Value, opColumn: number, field: string): string {
    if (op !== 'contains' && op !== 'in') {
      throw new FilterError(`'${field}' supports 'contains' and 'in' (indexed substring search), not '${op}'`, opColumn);
    }
    const terms = this.scalars(value, op, opColumn, field);
    const cols = side === 'both' ? ['e.req_body_id', 'e.resp_body_id'] : [side === 'req' ? 'e.req_body_id' : 'e.resp_body_id'];
    const parts: string[] = [];
    for (const t of terms) {
      if ([...t.text].length < MIN_BODY_TERM) throw new FilterError(`body search needs at least ${MIN_BODY_TERM} characters, got ${JSON.stringify(t.text)}`, t.column);
      // An FTS5 phrase of trigrams is a case-insensitive substring match.
      const phrase = `"${t.text.replace(/"/g, '""')}"`;
      for (const col of cols) parts.push(`${col} IN (SELECT rowid FROM body_fts WHERE body_fts MATCH ${this.p(phrase)})`);
    }
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  }

  private highlight(op: Positive, value: Value, opColumn: number): string {
    if (op !== '=' && op !== 'in') throw new FilterError(`'highlight' supports =, != and in, not '${op}'`, opColumn);
    const values = this.scalars(value, op, opColumn, 'highlight');
    const colours: string[] = [];
    let none = false;
    for (const v of values) {
      const c = v.text.toLowerCase();
      if (c === 'none' || (v.kind === 'word' && c === 'null')) none = true;
      else if ((HIGHLIGHTS as readonly string[]).includes(c)) colours.push(c);
      else throw new FilterError(`unknown highlight '${v.text}'${didYouMean(c, [...HIGHLIGHTS, 'none'])} (one of ${HIGHLIGHTS.join(', ')}, none)`, v.column);
    }
    const parts: string[] = [];
    if (colours.length) parts.push(`e.id IN (SELECT exchange_id FROM annotations WHERE highlight IN (${colours.map((c) => this.p(c)).join(', ')}))`);
    if (none) parts.push('e.id NOT IN (SELECT exchange_id FROM annotations WHERE highlight IS NOT NULL)');
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  }
}
