import { describe, expect, it } from 'vitest';
import { isPlainValue, luhnValid, SIGNATURES, testSignature } from '../../../src/core/detect/signatures.ts';
import { SIGNATURE_CASES as CASES } from './signature-cases.ts';

const hit = (lib: string, value: string, name: string | null = null) => testSignature(SIGNATURES.get(lib)!, value, name);

describe('signature libraries', () => {
  for (const [lib, c] of Object.entries(CASES)) {
    it(`${lib}: attacks match, benign look-alikes do not`, () => {
      for (const a of c.attack) expect(hit(lib, a, lib === 'ssrf' ? 'url' : null), a).not.toBeNull();
      for (const b of c.benign) expect(hit(lib, b, lib === 'ssrf' ? 'url' : null), b).toBeNull();
    });
  }

  it('credential-in-url needs a secret-named parameter with a real value, or a token shape', () => {
    expect(hit('credential-in-url', 'sk_live_51HxQ2eLkdIwYz8m4Tq9aBcD', 'api_key')).not.toBeNull();
    expect(hit('credential-in-url', 'hunter2', 'password')).not.toBeNull();
    expect(hit('credential-in-url', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig', null)).not.toBeNull();
    expect(hit('credential-in-url', 'abc', 'token')).toBeNull();
    expect(hit('credential-in-url', 'null', 'api_key')).toBeNull();
    expect(hit('credential-in-url', 'lamp', 'q')).toBeNull();
  });

  it('ssrf judges bare hosts only for URL-ish parameter names', () => {
    expect(hit('ssrf', '10.0.0.1', 'host')).not.toBeNull();
    expect(hit('ssrf', '10.0.0.1', 'version')).toBeNull();
    expect(hit('ssrf', '3', 'page')).toBeNull();
    // The page a browser came from is not a URL the request asks the server to fetch.
    expect(hit('ssrf', 'http://127.0.0.1/admin', 'referer')).toBeNull();
    expect(hit('ssrf', 'http://10.0.0.5', 'origin')).toBeNull();
    expect(hit('ssrf', 'http://127.0.0.1/admin', 'x-forwarded-url')).not.toBeNull();
  });

  it('code names runnable uploads in file-name fields only', () => {
    for (const f of ['a.php', 'fda.phtml......', 'test.phar .png', 'photo. php', '/tmp/sess_abc123def456ghi789jkl', 'wp-config.php']) expect(hit('code', f, 'x-filename'), f).not.toBeNull();
    expect(hit('code', 'a.php', 'q')).toBeNull();
    expect(hit('code', 'abc.botox.jpg', 'x-filename')).toBeNull();
  });

  it('cmd takes a distinctive command alone only as the value of a named field, never as a path segment', () => {
    expect(hit('cmd', 'visudo', 'code')).not.toBeNull();
    expect(hit('cmd', 'code=visudo', null)).not.toBeNull();
    expect(hit('cmd', 'iptables', null)).toBeNull();
    expect(hit('cmd', '/blog/tags/iptables', null)).toBeNull();
    expect(hit('cmd', 'iptables -L', null)).not.toBeNull();
    // A program in a system binary directory is a command as a field's value, a page as a URL path.
    expect(hit('cmd', '/bin/ab', 'cmd')).not.toBeNull();
    expect(hit('cmd', '/usr/sbin/sendmail -t', 'x')).not.toBeNull();
    expect(hit('cmd', '/bin/ab', null)).toBeNull();
    expect(hit('cmd', '/binder/ab', 'path')).toBeNull();
  });

  it('rfi reads URLs in path- and include-named parameters', () => {
    expect(hit('rfi', 'https://foo.bar', '_CONF[path]')).not.toBeNull();
    expect(hit('rfi', 'https://foo.bar', 'mosConfig_absolute_path')).not.toBeNull();
    expect(hit('rfi', 'https://foo.bar', 'next')).toBeNull();
    expect(hit('rfi', 'https://foo.bar/page', 'pathway')).toBeNull();
  });

  it('Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('plain values skip decoding libraries, but not keyword-bearing ones', () => {
    expect(isPlainValue('red shoes')).toBe(true);
    expect(isPlainValue('1000')).toBe(true);
    expect(isPlainValue('union select password from users')).toBe(false);
    expect(isPlainValue('PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg')).toBe(false);
    expect(isPlainValue('../etc')).toBe(false);
  });

  it('stays linear on 1 MB hostile values shaped like the command, code, CRLF and SSRF patterns', () => {
    // Each unit repeated to 1 MB: separators, wrappers, options, braces, conditionals, comments,
    // line breaks and URL authorities that a backtracking pattern would retry from every position.
    const units = ['cpulimit -a ', 'flock -u ', '$a', '${a}[b]', '{,', 'if a==b ', 'if exist x ', '/?', '@{[', '<%if ', '(system', "'sys'.", '\\', '%0a', '\nA1 ', ';', 'a=b&', '<a b="c">', ':(){ ', 'http://a@', 'exec/*', 'while(!', '&&$a ', 'a)(', ')', ';.', 'http://\\',
      // parameter expansions, assembled calls, glued lookups, here-strings, variable chains, IMAP tags, Tomcat dot-dots
      '${a#', '(a.(b)', '(a.', '{jndi:', 'ls<<<', ';$a$b', '\na store 1 +flags ', '..;a', 'x%0d', '{/?'];
    let slowest = 0;
    for (const unit of units) {
      const value = unit.repeat(Math.ceil(2 ** 20 / unit.length));
      for (const lib of SIGNATURES.values()) {
        const t = performance.now();
        testSignature(lib, value, 'x-filename');
        slowest = Math.max(slowest, performance.now() - t);
      }
    }
    expect(slowest).toBeLessThan(3000);
  });

  it('survives hostile values quickly', () => {
    const t = performance.now();
    for (const lib of SIGNATURES.values()) {
      testSignature(lib, `${"'".repeat(5000)}${'('.repeat(5000)}`, 'url');
      testSignature(lib, 'a'.repeat(100_000), null);
      testSignature(lib, '\u0000\uffff\ud800', null);
    }
    expect(performance.now() - t).toBeLessThan(5000);
  });
});
