import { describe, expect, it } from 'vitest';
import { checkFilter, compileFilter, FilterError, MAX_CONDITIONS, MAX_DEPTH, parseFilter } from '../../../src/core/query/index.ts';
import { tokenize } from '../../../src/core/query/lexer.ts';

function error(expr: string): { message: string; column: number } {
  const r = checkFilter(expr);
  if (r.ok) throw new Error(`expected ${JSON.stringify(expr)} to be rejected`);
  return { message: r.message, column: r.column };
}

describe('lexer', () => {
  it('splits words, strings, operators and punctuation with 1-based columns', () => {
    const t = tokenize('host = "a b" && !(status>=500)');
    expect(t.map((x) => [x.kind, x.text, x.column])).toEqual([
      ['word', 'host', 1],
      ['op', '=', 6],
      ['string', 'a b', 8],
      ['and', '&&', 14],
      ['not', '!', 17],
      ['(', '(', 18],
      ['word', 'status', 19],
      ['op', '>=', 25],
      ['word', '500', 27],
      [')', ')', 30],
      ['eof', '', 31],
    ]);
  });

  it('resolves escapes in both quote styles and keeps unknown escapes for regexes', () => {
    expect(tokenize(String.raw`"a\"b\\c\n\t\u00e9\u{1F600}\x41"`)[0].text).toBe('a"b\\c\n\té😀A');
    expect(tokenize(String.raw`'it\'s'`)[0].text).toBe("it's");
    expect(tokenize(String.raw`"\d+\.json"`)[0].text).toBe(String.raw`\d+\.json`);
  });

  it('reports unterminated strings and bad escapes where they start', () => {
    expect(error('path = "abc')).toEqual({ message: 'unterminated string (missing closing ")', column: 8 });
    expect(error(String.raw`x = "\u12"`).column).toBe(6);
    expect(error('a & b')).toEqual({ message: "unexpected '&' (use '&&' or 'and')", column: 3 });
  });

  it('normalises == to =', () => {
    expect(tokenize('a==b')[1]).toMatchObject({ kind: 'op', text: '=' });
  });
});

describe('parser', () => {
  it('gives and precedence over or, and not over and', () => {
    const ast = parseFilter('a or b and not c');
    expect(ast).toMatchObject({
      kind: 'or',
      items: [{ kind: 'text', value: { text: 'a' } }, { kind: 'and', items: [{ kind: 'text' }, { kind: 'not', item: { kind: 'text', value: { text: 'c' } } }] }],
    });
  });

  it('treats juxtaposition as and, and parentheses group', () => {
    expect(parseFilter('(a || b) c')).toMatchObject({ kind: 'and', items: [{ kind: 'or' }, { kind: 'text', value: { text: 'c' } }] });
    expect(parseFilter('A AND b Or C')).toMatchObject({ kind: 'or' });
  });

  it('parses comparisons with field aliases, header names and every operator', () => {
    expect(parseFilter('code = 404')).toMatchObject({ kind: 'compare', field: 'status', op: '=' });
    expect(parseFilter('req.header["X-Api-Key"] != abc')).toMatchObject({ field: 'req.header', arg: 'X-Api-Key', op: '!=' });
    expect(parseFilter('resp.header[set-cookie]')).toMatchObject({ field: 'resp.header', arg: 'set-cookie', op: 'exists', value: null });
    expect(parseFilter('path not contains admin')).toMatchObject({ op: '!contains' });
    expect(parseFilter('path !contains admin')).toMatchObject({ op: '!contains' });
    expect(parseFilter('method not in (GET, HEAD)')).toMatchObject({ op: '!in', value: { kind: 'list', items: [{ text: 'GET' }, { text: 'HEAD' }] } });
    for (const op of ['=', '!=', '~', '!~', '<', '>', '<=', '>=']) expect(parseFilter(`size ${op} 1`)).toMatchObject({ op });
  });

  it('parses ranges, open ranges and spaced ranges only on numeric fields', () => {
    expect(parseFilter('status 400..499')).toMatchObject({ field: 'status', op: '=', value: { kind: 'range', lo: { text: '400' }, hi: { text: '499', column: 13 } } });
    expect(parseFilter('status = ..299')).toMatchObject({ value: { kind: 'range', lo: null, hi: { text: '299' } } });
    expect(parseFilter('size >= 0 and size = 1k..')).toMatchObject({ items: [{}, { value: { kind: 'range', hi: null } }] });
    expect(parseFilter('time "2024-01-01 10:00" .. "2024-01-02"')).toMatchObject({ value: { kind: 'range', lo: { text: '2024-01-01 10:00' }, hi: { text: '2024-01-02' } } });
    expect(parseFilter('status in (200, 4xx, 500..503)')).toMatchObject({ value: { kind: 'list', items: [{ kind: 'word' }, { kind: 'word' }, { kind: 'range' }] } });
    // On text fields '..' is just text.
    expect(parseFilter('path = /a/../b')).toMatchObject({ value: { kind: 'word', text: '/a/../b' } });
  });

  it('takes lone words and strings as url shorthand', () => {
    expect(parseFilter('/login')).toMatchObject({ kind: 'text', value: { kind: 'word', text: '/login' } });
    expect(parseFilter('"two words"')).toMatchObject({ kind: 'text', value: { kind: 'string', text: 'two words' } });
    expect(parseFilter('host')).toMatchObject({ kind: 'text' });
  });

  it('accepts empty and blank expressions as match-everything', () => {
    expect(parseFilter('')).toBeNull();
    expect(parseFilter('   \n\t')).toBeNull();
    expect(compileFilter('  ').where).toBe('1');
  });
});

describe('error messages', () => {
  const cases: [string, string, number][] = [
    ['status=', "expected a value after '='", 8],
    ['status = 500 and', "expected a condition after 'and', found the end", 17],
    ['hots = example.com', "unknown field 'hots' (did you mean host?)", 1],
    ['stauts >= 500', "unknown field 'stauts' (did you mean status?)", 1],
    ['zzzzzz = 1', "unknown field 'zzzzzz'", 1],
    ['(host = a', "expected ')' to close the '(' at column 1, found the end", 10],
    ['host = a)', "unexpected ')' with no matching '('", 9],
    ['()', "empty parentheses: expected a condition after '('", 2],
    ['= 5', "expected a field name before '='", 1],
    ['and x', "expected a condition before 'and'", 1],
    ['not', "expected a condition after 'not', found the end", 4],
    ['host = or', "expected a value after '=', found the keyword 'or' (quote it to use it as a value)", 8],
    ['host[x] = 1', "field 'host' takes no [name] (only header, req.header and resp.header do)", 5],
    ['header[] = 1', "expected a header name after '[', found ']'", 8],
    ['header[a = 1', "expected ']' after the header name, found '='", 10],
    ['method in GET', "expected '(' after 'in' (a list like in (a, b))", 11],
    ['method in ()', "empty list: expected a value after '('", 12],
    ['method in (a b)', "expected ',' or ')' in the list started at column 11, found 'b'", 14],
    ['host contains', "expected a value after 'contains'", 14],
    ['x.y = 1 or', "unknown field 'x.y'", 1],
    ['status = ..', "a range needs at least one end ('400..499', '400..' or '..499')", 10],
  ];
  it.each(cases)('%s', (expr, message, column) => {
    expect(error(expr)).toEqual({ message, column });
  });

  it('throws FilterError with reason, column and a positioned message', () => {
    try {
      compileFilter('status=');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FilterError);
      expect((err as FilterError).message).toBe("expected a value after '=' at column 8");
      expect((err as FilterError).column).toBe(8);
    }
  });
});

describe('hostile input', () => {
  it('refuses deep nesting with a clear error instead of overflowing the stack', () => {
    const deep = `${'('.repeat(4000)}a${')'.repeat(4000)}`;
    expect(error(deep)).toEqual({ message: `expression is nested too deeply (more than ${MAX_DEPTH} levels)`, column: MAX_DEPTH + 1 });
    expect(error(`${'!'.repeat(3000)}a`).message).toMatch(/nested too deeply/);
    expect(error(`${'not '.repeat(2000)}a`).message).toMatch(/nested too deeply/);
    expect(checkFilter(`${'('.repeat(MAX_DEPTH)}a${')'.repeat(MAX_DEPTH)}`)).toEqual({ ok: true });
  });

  it('refuses very long expressions and too many conditions', () => {
    expect(error('a'.repeat(20_000)).message).toMatch(/too long \(20000 characters, at most 10000\)/);
    expect(error(Array.from({ length: MAX_CONDITIONS + 1 }, (_, i) => `w${i}`).join(' or ')).message).toBe(`too many conditions (at most ${MAX_CONDITIONS})`);
    expect(checkFilter(Array.from({ length: MAX_CONDITIONS }, (_, i) => `status = ${200 + (i % 300)}`).join(' or '))).toEqual({ ok: true });
  });

  it('keeps injection attempts as parameters', () => {
    for (const evil of [`"'; DROP TABLE exchanges; --"`, `host = "x' OR 1=1 --"`, `path ~ "' OR '1'='1"`, `header["a') OR 1 --"] = x`, `body contains "\\" OR 1 --"`, `tag in ("a'); DELETE FROM tags; --")`]) {
      const { where, params } = compileFilter(evil);
      expect(where).not.toMatch(/DROP|DELETE|OR 1|'1'='1'/);
      expect(params.length).toBeGreaterThan(0);
    }
  });

  it('handles unicode in words, strings, fields and columns', () => {
    expect(parseFilter('ünïcödé')).toMatchObject({ kind: 'text', value: { text: 'ünïcödé' } });
    expect(parseFilter('path contains "日本語"')).toMatchObject({ value: { text: '日本語' } });
    expect(error('häst = 1')).toEqual({ message: "expected a field name before '=', found 'häst'", column: 1 });
    expect(error('"😀" and')).toEqual({ message: "expected a condition after 'and', found the end", column: 9 });
  });

  it('never throws anything but FilterError on random garbage', () => {
    const alphabet = ['(', ')', '[', ']', '"', "'", '\\', '=', '!', '~', '<', '>', '.', '..', ',', ' ', 'and', 'or', 'not', 'in', 'contains', 'status', 'host', 'header', 'time', '4xx', '1k', '-5m', 'x', 'é', '&&', '||'];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let n = 0; n < 3000; n++) {
      const expr = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(rnd() < 0.5 ? ' ' : '');
      try {
        compileFilter(expr);
      } catch (err) {
        if (!(err instanceof FilterError)) throw new Error(`${JSON.stringify(expr)} threw ${String(err)}`, { cause: err });
        expect(err.column).toBeGreaterThanOrEqual(1);
        expect(err.column).toBeLessThanOrEqual(expr.length + 1);
      }
    }
  });
});
