/**
 * The built-in rules that judge a request's shape with regexes over fields (parameter names, the raw
 * query, Content-Type and Cookie) rather than a signature library, and the odd cookie names the
 * injection libraries read: attacks they must flag, look-alikes they must not, and linear time on
 * hostile input.
 */
import { describe, expect, it } from 'vitest';
import { detectExchanges } from '../../../src/core/detect/engine.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import type { PredicateSpec } from '../../../src/core/detect/types.ts';
import { toStored, type CompactExchange } from './generator.ts';

const pack = builtinPack();

/** The ids of the rules one request alone triggers. */
function rulesFor(request: Omit<CompactExchange, 'time'>): string[] {
  const e = toStored({ time: Date.UTC(2026, 0, 1), ip: '203.0.113.9', ...request }, 1);
  return [...new Set(detectExchanges([e], pack).map((f) => f.rule))].sort();
}

describe('injection.protocol-attack', () => {
  const flagged: Omit<CompactExchange, 'time'>[] = [
    { url: 'http://api.example/v1/items?q=a%0d%0aX-Forwarded-Host:%20evil.example' },
    { url: 'http://api.example/v1/items?q=1%0Aadmin=true' },
    { url: 'http://api.example/v1/items?a%0d%0a=1' },
    { url: 'http://api.example/v1/items?sort[0]x=name' },
    { url: 'http://api.example/v1/items', method: 'POST', reqHeaders: { 'Content-Type': 'application/x-www-form-urlencoded; boundary="application/json"' }, reqBody: 'a=1' },
    { url: 'http://api.example/v1/items', method: 'POST', reqHeaders: { 'Content-Type': 'text/plain; charset=text/xml' }, reqBody: 'a' },
    { url: 'http://api.example/v1/me', reqHeaders: { Cookie: '$Version=1; session="abc; token=stolen"' } },
    { url: 'http://api.example/?unix:/run/php.sock|http://backend.example/' },
  ];
  const quiet: Omit<CompactExchange, 'time'>[] = [
    { url: 'http://api.example/v1/items?urls=https://a.example/x%0Ahttps://b.example/y' },
    { url: 'http://api.example/v1/items?note=first%0Asecond%0A12:30' },
    { url: 'http://api.example/v1/items?filter[name][eq]=x&items[0].id=3' },
    { url: 'http://api.example/v1/items', method: 'POST', reqHeaders: { 'Content-Type': 'multipart/related; type="application/xop+xml"; boundary="uuid:0ca0e16e-feb1-426c-97d8-c4508ada5e82"' }, reqBody: 'x' },
    { url: 'http://api.example/v1/items', method: 'POST', reqHeaders: { 'Content-Type': 'multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW' }, reqBody: 'x' },
    { url: 'http://api.example/v1/me', reqHeaders: { Cookie: 'MyVersion=1; session=abc' } },
    { url: 'http://api.example/v1/sockets?path=unix:/run/app.sock' },
    { url: 'http://api.example/v1/items', method: 'POST', reqHeaders: { 'Content-Type': 'application/json' }, reqBody: { text: 'line one\nkey=value\nHeader: x' } },
  ];
  it('flags line breaks in query names and values, bracket suffixes, smuggled content types, RFC 2109 cookies, mod_proxy sockets', () => {
    for (const r of flagged) expect(rulesFor(r), JSON.stringify(r)).toContain('injection.protocol-attack');
  });
  it('stays quiet on URL lists, nested brackets, SOAP and form boundaries, ordinary cookies and multi-line JSON text', () => {
    for (const r of quiet) expect(rulesFor(r), JSON.stringify(r)).not.toContain('injection.protocol-attack');
  });
});

describe('injection.orm-filter', () => {
  it('flags relation chains ending in a lookup and lookups on secret fields', () => {
    for (const url of ['http://api.example/v1/posts?author__profile__email__startswith=a', 'http://api.example/v1/users?reset_token__regex=%5Ea']) {
      expect(rulesFor({ url }), url).toContain('injection.orm-filter');
    }
    expect(rulesFor({ url: 'http://api.example/v1/posts', method: 'POST', reqHeaders: { 'Content-Type': 'application/json' }, reqBody: { created_by__user__password__startswith: 'p' } })).toContain('injection.orm-filter');
  });
  it('stays quiet on lookups of the endpoint’s own fields and on text mentioning them', () => {
    for (const url of ['http://api.example/v1/users?username__startswith=p', 'http://api.example/v1/accounts?balance__gte=10&name__exact=a', 'http://api.example/v1/x?__proto__=1']) {
      expect(rulesFor({ url }), url).not.toContain('injection.orm-filter');
    }
    expect(rulesFor({ url: 'http://api.example/v1/notes', method: 'POST', reqHeaders: { 'Content-Type': 'application/json' }, reqBody: { note: 'filter by user__profile__city__startswith' } })).not.toContain('injection.orm-filter');
  });
});

describe('cookie names', () => {
  it('payloads in cookie names and in cookie parts without a value are read', () => {
    expect(rulesFor({ url: 'http://api.example/v1/me', reqHeaders: { Cookie: 'a=1; <?php phpinfo(); ?>=1' } })).toContain('injection.code');
    expect(rulesFor({ url: 'http://api.example/v1/me', reqHeaders: { Cookie: 'uname$u -a' } })).toContain('injection.command');
  });
  it('analytics and prefixed cookie names are ordinary', () => {
    expect(rulesFor({ url: 'http://api.example/v1/me', reqHeaders: { Cookie: '_ga=GA1.2.1234.5678; __Host-session=abc; next-auth.session-token=x; __Secure-id=1; _octo=GH1.1' } }).filter((r) => r.startsWith('injection.'))).toEqual([]);
  });
});

/** Every regex leaf of a rule's predicates. */
function regexLeaves(p: PredicateSpec | null | undefined, out: string[] = []): string[] {
  if (!p) return out;
  for (const q of [...(p.all ?? []), ...(p.any ?? []), ...(p.not ? [p.not] : [])]) regexLeaves(q, out);
  if (p.regex !== undefined) out.push(p.regex);
  return out;
}

describe('built-in rule regexes', () => {
  it('stay linear on 256 KB hostile field values', () => {
    const regexes = pack.rules.flatMap((r) => {
      const spec = r as unknown as { match?: PredicateSpec; filter?: PredicateSpec | null; ratioOf?: PredicateSpec | null };
      return [...regexLeaves(spec.match), ...regexLeaves(spec.filter), ...regexLeaves(spec.ratioOf)];
    });
    expect(regexes.length).toBeGreaterThan(5);
    const units = ['%0a', '%0a%20', '?', '&', '&a', ';', ' ;', 'unix:', 'unix:a', '__a', 'a_', '__password_a', '_token', '_token_a', '][', 'a]', '$Version', ' ', '/', '..', '=', '%'];
    let slowest = 0;
    for (const unit of units) {
      const value = unit.repeat(Math.ceil(2 ** 18 / unit.length));
      for (const source of regexes) {
        const re = new RegExp(source, 'i');
        const t = performance.now();
        re.test(value);
        slowest = Math.max(slowest, performance.now() - t);
      }
    }
    expect(slowest).toBeLessThan(2000);
  });
});
