import { afterAll, describe, expect, it } from 'vitest';
import { checkFilter, compileFilter, FilterError } from '../../../src/core/query/index.ts';
import { makeWorkspace, type RowSpec } from '../../helpers/workspace.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z
const NOW = Date.UTC(2024, 5, 1, 12); // clock for relative times

// Each row is named by its position (1-based id) in the comments below.
const rows: RowSpec[] = [
  /* 1 */ { method: 'GET', host: 'api.example.com', path: '/v1/users', query: '?page=2', status: 200, respSize: 512, duration: 45, time: T0 + 1000, ip: '10.0.0.1', principal: 'alice', mime: 'application/json', reqHeaders: [['Authorization', 'Bearer abc'], ['User-Agent', 'curl/8.5.0']], respHeaders: [['Content-Type', 'application/json; charset=utf-8']], respBody: '{"users":[{"name":"Alice","email":"alice@example.com"}]}', tags: ['auth', 'pii'], source: 'one.har' },
  /* 2 */ { method: 'POST', host: 'api.example.com', path: '/login', status: 401, respSize: 20, duration: 120, time: T0 + DAY + 5, ip: '10.0.0.2', principal: null, reqHeaders: [['Content-Type', 'application/x-www-form-urlencoded']], reqBody: 'user=bob&password=hunter2', respBody: 'denied', highlight: 'red', comment: 'Brute force?', source: 'one.har' },
  /* 3 */ { method: 'DELETE', host: 'admin.example.com', port: 8443, path: '/v1/users/7', status: 500, respSize: 2 * 1024 * 1024, duration: 2500, time: T0 + 31 * DAY, ip: '10.0.0.3', principal: 'root', respHeaders: [['Set-Cookie', 'sid=1'], ['Set-Cookie', 'theme=dark'], ['X-Trace', 'ABC-123']], source: 'two.log' },
  /* 4 */ { method: 'get', scheme: 'http', host: 'static.example.org', path: '/app.js', status: null, respSize: null, duration: null, time: NOW - 10 * 60_000, ip: null, error: 'connection reset', source: 'two.log' },
  /* 5 */ { method: 'PUT', host: 'xn--bcher-kva.example', path: '/caf%C3%A9', status: 204, respSize: 0, duration: 1000, time: NOW - 3 * DAY, ip: '2001:db8::1', principal: 'ünï', reqBody: 'Ünicode bödy with ĀĀĀ', reqHeaders: [['X-Api-Key', 'k-1']], tags: ['review'], highlight: 'green' },
];

const ws = makeWorkspace(rows);
afterAll(() => ws.db.close());

function match(expr: string): number[] {
  const { where, params } = compileFilter(expr, { now: NOW });
  return (ws.db.prepare(`SELECT e.id FROM exchanges e WHERE ${where} ORDER BY e.id`).pluck().all(...params) as number[]);
}

describe('text fields', () => {
  it('compares exactly, case-folding method, host and scheme', () => {
    expect(match('method = get')).toEqual([1]);
    expect(match('method = GET or method = "get"')).toEqual([1]);
    expect(match('host = API.Example.COM')).toEqual([1, 2]);
    expect(match('host = bücher.example')).toEqual([5]);
    expect(match('scheme = HTTP')).toEqual([4]);
    expect(match('path = /login')).toEqual([2]);
    expect(match('query = "?page=2"')).toEqual([1]);
  });

  it('contains is case-insensitive, ~ is a JS regex, (?i) makes it case-insensitive', () => {
    expect(match('path contains USERS')).toEqual([1, 3]);
    expect(match('path ~ "^/v1/users/\\d+$"')).toEqual([3]);
    expect(match('path ~ "USERS"')).toEqual([]);
    expect(match('path ~ "(?i)USERS"')).toEqual([1, 3]);
    expect(match('path !~ users')).toEqual([2, 4, 5]);
    expect(match('url = "https://admin.example.com:8443/v1/users/7"')).toEqual([3]);
    expect(match('url contains "http://static"')).toEqual([4]);
  });

  it('in, not in, and null for missing values', () => {
    expect(match('method in (POST, put)')).toEqual([2, 5]);
    expect(match('method not in (POST, put)')).toEqual([1, 3, 4]);
    expect(match('principal = null')).toEqual([2, 4]);
    expect(match('principal != null')).toEqual([1, 3, 5]);
    expect(match('principal in (alice, null)')).toEqual([1, 2, 4]);
    expect(match('principal = "null"')).toEqual([]);
    expect(match('ip contains 2001')).toEqual([5]);
    expect(match('error contains reset')).toEqual([4]);
    expect(match('principal = ünï')).toEqual([5]);
  });

  it('negations match rows where the value is missing', () => {
    expect(match('principal != alice')).toEqual([2, 3, 4, 5]);
    expect(match('not principal = alice')).toEqual([2, 3, 4, 5]);
    expect(match('status != 200')).toEqual([2, 3, 4, 5]);
  });

  it('bare words and strings search the URL', () => {
    expect(match('/v1/users')).toEqual([1, 3]);
    expect(match('"page=2"')).toEqual([1]);
    expect(match('"admin.example.com:8443"')).toEqual([3]);
    expect(match('example.com users')).toEqual([1, 3]);
  });
});

describe('numeric fields', () => {
  it('status codes, classes, ranges and lists', () => {
    expect(match('status = 4xx')).toEqual([2]);
    expect(match('status >= 400')).toEqual([2, 3]);
    expect(match('status 200..299')).toEqual([1, 5]);
    expect(match('status in (2xx, 500)')).toEqual([1, 3, 5]);
    expect(match('status != 5xx')).toEqual([1, 2, 4, 5]);
    expect(match('status > 4xx')).toEqual([3]);
    expect(match('status < 4xx')).toEqual([1, 5]);
    expect(match('status = null')).toEqual([4]);
  });

  it('sizes with units', () => {
    expect(match('size > 1k')).toEqual([3]);
    expect(match('size 1kb..10mb')).toEqual([3]);
    expect(match('size = 2mb')).toEqual([3]);
    expect(match('size <= 512b')).toEqual([1, 2, 5]);
    expect(match('size = 0')).toEqual([5]);
    expect(match('size = 0.5kb')).toEqual([1]);
  });

  it('durations with units', () => {
    expect(match('duration 100ms..2s')).toEqual([2, 5]);
    expect(match('duration >= 2.5s')).toEqual([3]);
    expect(match('duration < 0.05s')).toEqual([1]);
  });

  it('ports default from the scheme; ids', () => {
    expect(match('port = 443')).toEqual([1, 2, 5]);
    expect(match('port = 80')).toEqual([4]);
    expect(match('port 8000..9000')).toEqual([3]);
    expect(match('id in (2, 4)')).toEqual([2, 4]);
    expect(match('id > 3')).toEqual([4, 5]);
  });

  it('times: dates are whole UTC days, comparisons round like date math, relative times use the clock', () => {
    expect(match('time = 2024-01-01')).toEqual([1]);
    expect(match('time > 2024-01-01')).toEqual([2, 3, 4, 5]);
    expect(match('time >= 2024-01-02')).toEqual([2, 3, 4, 5]);
    expect(match('time <= 2024-01-02')).toEqual([1, 2]);
    expect(match('time < 2024-01-02')).toEqual([1]);
    expect(match('time 2024-01-01..2024-01-31')).toEqual([1, 2]);
    expect(match('time = 2024-01')).toEqual([1, 2]);
    expect(match('time = 2024-02')).toEqual([3]);
    expect(match('time > -1h')).toEqual([4]);
    expect(match('time > -7d')).toEqual([4, 5]);
    expect(match('time < now and time >= 2024-05')).toEqual([4, 5]);
    expect(match('time > 2024-05')).toEqual([4]);
    expect(match(`time = ${T0 + 1000}`)).toEqual([1]);
    expect(match('time >= "2024-01-02T00:00:00.005Z"')).toEqual([2, 3, 4, 5]);
    expect(match('time > "2024-01-02T01:00:00+02:00"')).toEqual([2, 3, 4, 5]);
    expect(match('time > 2024-01-02T00:00:00.006Z')).toEqual([3, 4, 5]);
  });

  it('reports the clock dependence of relative times', () => {
    expect(compileFilter('time > -15m').volatile).toBe(true);
    expect(compileFilter('time > 2024-01-01').volatile).toBe(false);
  });
});

describe('headers', () => {
  it('header[name] matches request or response headers, case-insensitive names', () => {
    expect(match('header[content-type] contains json')).toEqual([1]);
    expect(match('header[CONTENT-TYPE] contains form')).toEqual([2]);
    expect(match('req.header[content-type] contains json')).toEqual([]);
    expect(match('resp.header[set-cookie] = "theme=dark"')).toEqual([3]);
    expect(match('req.header[user-agent] ~ "^curl/"')).toEqual([1]);
    expect(match('header[x-trace] in (ABC-123, x)')).toEqual([3]);
  });

  it('presence and absence', () => {
    expect(match('req.header[authorization]')).toEqual([1]);
    expect(match('not req.header[authorization]')).toEqual([2, 3, 4, 5]);
    expect(match('resp.header[set-cookie] and req.header["x-api-key"]')).toEqual([]);
    expect(match('header[x-api-key] != k-1')).toEqual([1, 2, 3, 4]);
  });

  it('header alone searches "name: value" lines', () => {
    expect(match('header contains "authorization: bearer"')).toEqual([1]);
    expect(match('resp.header ~ "^Set-Cookie: sid="')).toEqual([3]);
  });
});

describe('bodies (FTS5 trigram index)', () => {
  it('finds substrings in request, response or either body, case-insensitively', () => {
    expect(match('body contains hunter2')).toEqual([2]);
    expect(match('req.body contains PASSWORD')).toEqual([2]);
    expect(match('resp.body contains password')).toEqual([]);
    expect(match('resp.body contains "alice@example"')).toEqual([1]);
    expect(match('body contains "bödy with ĀĀĀ"')).toEqual([5]);
    expect(match('body in (hunter2, denied)')).toEqual([2]);
    expect(match('body not contains denied')).toEqual([1, 3, 4, 5]);
  });

  it('keeps FTS syntax in terms literal', () => {
    expect(match('body contains "\\"users\\":["')).toEqual([1]);
    expect(match('body contains "user OR NOT"')).toEqual([]);
    expect(match('body contains "a*b"')).toEqual([]);
  });

  it('rejects short terms and operators the index cannot answer', () => {
    expect(checkFilter('body contains ab')).toEqual({ ok: false, message: 'body search needs at least 3 characters, got "ab"', column: 15 });
    expect(checkFilter('body ~ x')).toMatchObject({ ok: false, column: 6 });
    expect(checkFilter('resp.body = x')).toMatchObject({ ok: false, message: "'resp.body' supports 'contains' and 'in' (indexed substring search), not '='" });
  });
});

describe('annotations and sources', () => {
  it('tags', () => {
    expect(match('tag = pii')).toEqual([1]);
    expect(match('tag in (pii, review)')).toEqual([1, 5]);
    expect(match('tag != auth')).toEqual([2, 3, 4, 5]);
    expect(match('tag ~ "^re"')).toEqual([5]);
    expect(match('tag = null')).toEqual([2, 3, 4]);
  });

  it('highlight, comment and source', () => {
    expect(match('highlight = red')).toEqual([2]);
    expect(match('highlight in (red, green)')).toEqual([2, 5]);
    expect(match('highlight = none')).toEqual([1, 3, 4]);
    expect(match('highlight != none')).toEqual([2, 5]);
    expect(match('comment contains brute')).toEqual([2]);
    expect(match('comment = null')).toEqual([1, 3, 4, 5]);
    expect(match('source = two.log')).toEqual([3, 4]);
    expect(match('source ~ "\\.har$"')).toEqual([1, 2, 5]);
  });
});

describe('precedence against data', () => {
  it('combines with and/or/not and parentheses', () => {
    expect(match('method = POST or method = PUT and status = 204')).toEqual([2, 5]);
    expect(match('(method = POST or method = PUT) and status = 204')).toEqual([5]);
    expect(match('!(host = api.example.com) && status >= 400 || tag = pii')).toEqual([1, 3]);
    expect(match('not not method = DELETE')).toEqual([3]);
  });

  it('runs the maximum number of conditions without hitting SQLite limits', () => {
    const big = Array.from({ length: 256 }, (_, i) => `status = ${100 + i}`).join(' or ');
    expect(match(big)).toEqual([1, 5]);
    const deep = `${'('.repeat(64)}status = 500${')'.repeat(64)}`;
    expect(match(deep)).toEqual([3]);
  });
});

describe('semantic errors point at the value', () => {
  const cases: [string, RegExp, number][] = [
    ['status = 4x', /invalid status '4x'/, 10],
    ['status = 42', /invalid status '42'/, 10],
    ['size > 10xb', /invalid size '10xb' \(expected a number with an optional unit: b, k, kb/, 8],
    ['duration < fast', /invalid duration 'fast'/, 12],
    ['time > yesterday', /invalid time 'yesterday' \(expected an ISO date/, 8],
    ['time > 2024-02-30', /invalid date '2024-02-30' \(no such day\)/, 8],
    ['time > 2024-13', /month must be 01-12/, 8],
    ['time > -5y', /invalid relative time/, 8],
    ['port = 70000', /at most 65535/, 8],
    ['status 500..400', /empty range: '500' is after '400'/, 8],
    ['status ~ 5', /'~' matches text, but 'status' is numeric/, 8],
    ['host > a', /'>' compares numbers and times, but 'host' is text/, 6],
    ['host ~ "(a"', /invalid regular expression: .*Unterminated group/, 8],
    ['highlight = pink', /unknown highlight 'pink'/, 13],
    ['highlight = gren', /did you mean green\?/, 13],
    ['status = (200)', /expected a value after '='/, 10],
    ['status = 200, 300', /unexpected ','/, 13],
    ['host ~ null', /'~' cannot compare with null/, 8],
  ];
  it.each(cases)('%s', (expr, message, column) => {
    const r = checkFilter(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.column).toBe(column);
    }
  });
});

describe('every filter that compiles runs', () => {
  it('random expressions either fail with FilterError or execute as valid SQL', () => {
    const parts = ['(', ')', 'and', 'or', 'not', '!', 'status', 'size', 'time', 'duration', 'port', 'id', 'host', 'path', 'url', 'method', 'header[accept]', 'resp.header',
      'req.body', 'body', 'tag', 'highlight', 'comment', 'source', 'principal', 'mime', '=', '!=', '~', '!~', '<', '>=', 'contains', 'in', '(a, b)', '(4xx, 200..299)',
      '4xx', '200..299', '1k', '2s', '2024-01-01', '-5m', 'null', 'red', '"x\'y"', '"abc"', 'abc', '"(?i)^a"', '..'];
    let seed = 11;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let ran = 0;
    for (let n = 0; n < 2000; n++) {
      const expr = Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => parts[Math.floor(rnd() * parts.length)]).join(' ');
      let compiled;
      try {
        compiled = compileFilter(expr, { now: NOW });
      } catch (err) {
        if (err instanceof FilterError) continue;
        throw new Error(`${JSON.stringify(expr)} threw ${String(err)}`, { cause: err });
      }
      expect(() => ws.db.prepare(`SELECT count(*) FROM exchanges e WHERE ${compiled.where}`).pluck().get(...compiled.params), expr).not.toThrow();
      ran++;
    }
    expect(ran).toBeGreaterThan(200);
  });
});
