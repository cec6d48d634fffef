/**
 * Recursive-descent parser for the filter language. Grammar (keywords case-insensitive):
 *
 *   filter     := orExpr? EOF
 *   orExpr     := andExpr (('or' | '||') andExpr)*
 *   andExpr    := unary ((('and' | '&&')? unary))*          -- juxtaposition means 'and'
 *   unary      := ('not' | '!') unary | primary
 *   primary    := '(' orExpr ')' | comparison | WORD | STRING  -- a lone value: url contains it
 *   comparison := field ('[' name ']')? op value
 *               | rangeField RANGE                            -- `status 400..499`
 *   op         := '=' | '==' | '!=' | '~' | '!~' | '<' | '>' | '<=' | '>='
 *               | 'contains' | 'in' | ('not' | '!') ('contains' | 'in')
 *               | (nothing, after header[name]: the header is present)
 *   value      := scalar | scalar '..' scalar? | '..' scalar  -- ranges on numeric fields only
 *   inValue    := '(' value (',' value)* ')' | range
 *
 * Nesting depth and the number of conditions are bounded so hostile input gets an error, not a
 * stack overflow or an SQL statement too deep for SQLite.
 */
import type { Filter, List, Node, Op, Range, Scalar } from './ast.ts';
import { FilterError, didYouMean } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';
import { FIELD_NAMES, lookupField, takesRange, type FieldSpec } from './fields.ts';

export const MAX_DEPTH = 64;
export const MAX_CONDITIONS = 256;

const KEYWORDS = new Set(['and', 'or', 'not']);
const OPERATORS = "=, !=, ~, !~, <, >, <=, >=, contains, in";
const IDENTIFIER = /^[a-z_][\w.-]*$/i;

export function parseFilter(expr: string): Filter {
  return new Parser(tokenize(expr)).parse();
}

const describe = (t: Token): string => (t.kind === 'eof' ? 'the end' : `'${t.text}'`);

class Parser {
  private pos = 0;
  private depth = 0;
  private conditions = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): Filter {
    if (this.peek().kind === 'eof') return null;
    const node = this.orExpr();
    const t = this.peek();
    if (t.kind === ')') throw new FilterError("unexpected ')' with no matching '('", t.column);
    if (t.kind !== 'eof') throw new FilterError(`unexpected ${describe(t)}`, t.column);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isWord(t: Token, ...words: string[]): boolean {
    return t.kind === 'word' && words.includes(t.text.toLowerCase());
  }

  private orExpr(): Node {
    const first = this.peek();
    const items = [this.andExpr()];
    while (this.peek().kind === 'or' || this.isWord(this.peek(), 'or')) {
      const op = this.next();
      items.push(this.operand(op));
    }
    return items.length === 1 ? items[0] : { kind: 'or', items, column: first.column };
  }

  private andExpr(): Node {
    const first = this.peek();
    const items = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'and' || this.isWord(t, 'and')) {
        this.next();
        items.push(this.operand(t, 'unary'));
      } else if (this.startsCondition(t)) {
        items.push(this.unary());
      } else break;
    }
    return items.length === 1 ? items[0] : { kind: 'and', items, column: first.column };
  }

  /** The operand after a binary keyword; a missing one names the keyword. */
  private operand(after: Token, level: 'and' | 'unary' = 'and'): Node {
    const t = this.peek();
    if (!this.startsCondition(t)) throw new FilterError(`expected a condition after ${describe(after)}, found ${describe(t)}`, t.column);
    return level === 'and' ? this.andExpr() : this.unary();
  }

  private startsCondition(t: Token): boolean {
    if (t.kind === 'word') return !this.isWord(t, 'and', 'or');
    return t.kind === 'string' || t.kind === '(' || t.kind === 'not';
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) throw new FilterError(`expression is nested too deeply (more than ${MAX_DEPTH} levels)`, t.column);
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'not' || this.isWord(t, 'not')) {
      this.next();
      this.enter(t);
      const after = this.peek();
      if (!this.startsCondition(after)) throw new FilterError(`expected a condition after ${describe(t)}, found ${describe(after)}`, after.column);
      const item = this.unary();
      this.depth--;
      return { kind: 'not', item, column: t.column };
    }
    return this.primary();
  }

  private count(t: Token): void {
    if (++this.conditions > MAX_CONDITIONS) throw new FilterError(`too many conditions (at most ${MAX_CONDITIONS})`, t.column);
  }

  private primary(): Node {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      this.enter(t);
      if (this.peek().kind === ')') throw new FilterError("empty parentheses: expected a condition after '('", this.peek().column);
      const node = this.orExpr();
      const close = this.peek();
      if (close.kind !== ')') throw new FilterError(`expected ')' to close the '(' at column ${t.column}, found ${describe(close)}`, close.column);
      this.next();
      this.depth--;
      return node;
    }
    if (t.kind === 'string') {
      this.next();
      this.count(t);
      return { kind: 'text', value: { kind: 'string', text: t.text, column: t.column }, column: t.column };
    }
    if (t.kind === 'word') {
      if (this.isWord(t, 'and', 'or')) throw new FilterError(`expected a condition before ${describe(t)}`, t.column);
      const after = this.peek(1);
      if (after.kind === '[' || (after.kind !== 'eof' && this.startsOperatorAt(1))) {
        return this.comparison();
      }
      const spec = lookupField(t.text);
      if (spec && takesRange(spec) && this.startsRange(after)) {
        this.next();
        this.count(t);
        const value = this.value(spec);
        return { kind: 'compare', field: spec.name, arg: null, op: '=', value, column: t.column, opColumn: after.column };
      }
      this.next();
      this.count(t);
      return { kind: 'text', value: { kind: 'word', text: t.text, column: t.column }, column: t.column };
    }
    if (t.kind === 'op') throw new FilterError(`expected a field name before '${t.text}'`, t.column);
    if (t.kind === ')') throw new FilterError("unexpected ')' with no matching '('", t.column);
    if (t.kind === 'eof') throw new FilterError('expected a condition, found the end', t.column);
    throw new FilterError(`unexpected ${describe(t)}`, t.column);
  }

  private comparison(): Node {
    const name = this.next();
    const spec = lookupField(name.text);
    if (!spec) {
      if (!IDENTIFIER.test(name.text)) throw new FilterError(`expected a field name before ${describe(this.peek())}, found '${name.text}'`, name.column);
      throw new FilterError(`unknown field '${name.text}'${didYouMean(name.text, FIELD_NAMES)}`, name.column);
    }
    this.count(name);
    let arg: string | null = null;
    if (this.peek().kind === '[') {
      const open = this.next();
      if (spec.kind !== 'header') throw new FilterError(`field '${spec.name}' takes no [name] (only header, req.header and resp.header do)`, open.column);
      const a = this.next();
      if ((a.kind !== 'word' && a.kind !== 'string') || a.text === '') throw new FilterError(`expected a header name after '[', found ${describe(a)}`, a.column);
      const close = this.next();
      if (close.kind !== ']') throw new FilterError(`expected ']' after the header name, found ${describe(close)}`, close.column);
      arg = a.text;
    }
    const opTok = this.peek();
    if (arg !== null && !this.startsOperatorAt(0)) {
      return { kind: 'compare', field: spec.name, arg, op: 'exists', value: null, column: name.column, opColumn: opTok.column };
    }
    const op = this.operator();
    const value = op === 'in' || op === '!in' ? this.inValue(spec, opTok) : this.value(spec, opTok);
    return { kind: 'compare', field: spec.name, arg, op, value, column: name.column, opColumn: opTok.column };
  }

  /** `400..499`, `400 ..499`, `"a" .. "b"` right after a numeric field name. */
  private startsRange(t: Token): boolean {
    if (t.kind === 'word' && t.text.includes('..')) return true;
    const n = this.peek(2);
    return (t.kind === 'word' || t.kind === 'string') && n.kind === 'word' && n.text.startsWith('..');
  }

  /** Whether the token `offset` ahead starts an operator (`not` only when `contains`/`in` follows). */
  private startsOperatorAt(offset: number): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' || this.isWord(t, 'contains', 'in') || ((t.kind === 'not' || this.isWord(t, 'not')) && this.isWord(this.peek(offset + 1), 'contains', 'in'));
  }

  private operator(): Op {
    const t = this.next();
    if (t.kind === 'op') return t.text as Op;
    if (this.isWord(t, 'contains')) return 'contains';
    if (this.isWord(t, 'in')) return 'in';
    if (t.kind === 'not' || this.isWord(t, 'not')) {
      const n = this.next();
      if (this.isWord(n, 'contains')) return '!contains';
      if (this.isWord(n, 'in')) return '!in';
      throw new FilterError(`expected 'contains' or 'in' after 'not', found ${describe(n)}`, n.column);
    }
    throw new FilterError(`expected an operator (${OPERATORS}), found ${describe(t)}`, t.column);
  }

  private scalar(after: Token): Scalar {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', text: t.text, column: t.column };
    }
    if (t.kind === 'word' && !KEYWORDS.has(t.text.toLowerCase())) {
      this.next();
      return { kind: 'word', text: t.text, column: t.column };
    }
    if (t.kind === 'word') throw new FilterError(`expected a value after ${describe(after)}, found the keyword '${t.text}' (quote it to use it as a value)`, t.column);
    throw new FilterError(`expected a value after ${describe(after)}`, t.column);
  }

  /** A value; on numeric fields a word may be a range (`400..499`, `1k..`, `..2s`). */
  private value(spec: FieldSpec, after: Token = this.peek(-1)): Scalar | Range {
    const first = this.peek();
    if (!takesRange(spec)) return this.scalar(after);
    if (first.kind === 'word' && first.text.startsWith('..')) return this.rangeFrom(null, after);
    const lo = this.scalar(after);
    const dots = lo.kind === 'word' ? lo.text.indexOf('..') : -1;
    if (dots !== -1) {
      const loText = lo.text.slice(0, dots);
      const hiText = lo.text.slice(dots + 2);
      const loPart: Scalar | null = loText ? { kind: 'word', text: loText, column: lo.column } : null;
      let hiPart: Scalar | null = hiText ? { kind: 'word', text: hiText, column: lo.column + dots + 2 } : null;
      if (!hiPart && this.peek().kind === 'string') hiPart = this.scalar(after);
      return this.range(loPart, hiPart, lo.column);
    }
    if (this.peek().kind === 'word' && this.peek().text.startsWith('..')) return this.rangeFrom(lo, after);
    return lo;
  }

  /** Continues a range at a word starting with '..' (`"a" ..b`, `a .. b`, `..b`). */
  private rangeFrom(lo: Scalar | null, after: Token): Range {
    const dots = this.next();
    const rest = dots.text.slice(2);
    let hi: Scalar | null = null;
    if (rest) hi = { kind: 'word', text: rest, column: dots.column + 2 };
    else if (this.peek().kind === 'string' || (this.peek().kind === 'word' && !KEYWORDS.has(this.peek().text.toLowerCase()))) hi = this.scalar(after);
    return this.range(lo, hi, lo?.column ?? dots.column);
  }

  private range(lo: Scalar | null, hi: Scalar | null, column: number): Range {
    if (!lo && !hi) throw new FilterError("a range needs at least one end ('400..499', '400..' or '..499')", column);
    if (hi?.kind === 'word' && hi.text.includes('..')) throw new FilterError("unexpected '..' in a range", hi.column + hi.text.indexOf('..'));
    return { kind: 'range', lo, hi, column };
  }

  private inValue(spec: FieldSpec, opTok: Token): Range | List {
    const open = this.peek();
    if (open.kind !== '(') {
      const v = this.value(spec, opTok);
      if (v.kind === 'range') return v;
      throw new FilterError(`expected '(' after 'in' (a list like in (a, b)${takesRange(spec) ? ' or a range like 400..499' : ''})`, open.column);
    }
    this.next();
    const items: List['items'] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === ')' && items.length === 0) throw new FilterError("empty list: expected a value after '('", t.column);
      const v = this.value(spec, items.length ? this.peek(-1) : open);
      items.push(v);
      if (items.length > MAX_CONDITIONS) throw new FilterError(`list is too long (at most ${MAX_CONDITIONS} values)`, v.column);
      const sep = this.next();
      if (sep.kind === ')') break;
      if (sep.kind !== ',') throw new FilterError(`expected ',' or ')' in the list started at column ${open.column}, found ${describe(sep)}`, sep.column);
    }
    return { kind: 'list', items, column: open.column };
  }
}
