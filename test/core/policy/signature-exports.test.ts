import { describe, expect, it } from 'vitest';
import { SIGNATURES, testSignature } from '../../../src/core/detect/signatures.ts';
import { EXPORTED_LIBRARIES, signatureExport } from '../../../src/core/policy/export/signatures.ts';
import { SIGNATURE_CASES } from '../detect/signature-cases.ts';

/** What an enforcer matches: the value URL-decoded once (ModSecurity t:urlDecodeUni, AWS URL_DECODE) and lower-cased. */
function enforced(value: string): string {
  try {
    return decodeURIComponent(value).toLowerCase();
  } catch {
    return value.toLowerCase();
  }
}

/**
 * Attack payloads of each library's tests that its enforcer regex catches, at least: a ratchet, so
 * a change to a portable regex that loses a payload shows here. The libraries catch them all.
 */
const CAUGHT_AT_LEAST: Record<string, number> = {
  sqli: 7, xss: 6, nosqli: 3, cmd: 9, traversal: 6, ssti: 5, jndi: 4, code: 6, crlf: 2, ldap: 8, ssrf: 9, 'scanner-ua': 5, 'probe-path': 7,
};

describe('enforcer forms of the signature libraries', () => {
  it('exist for every request-side library the built-in rules use, and compile', () => {
    for (const lib of EXPORTED_LIBRARIES) {
      expect(SIGNATURES.has(lib), lib).toBe(true);
      expect(() => new RegExp(signatureExport(lib)!.regex), lib).not.toThrow();
    }
    expect(EXPORTED_LIBRARIES).toContain('ldap');
  });

  for (const [lib, floor] of Object.entries(CAUGHT_AT_LEAST)) {
    it(`${lib}: flags no look-alike its library lets through, and catches at least ${floor} of its attacks`, () => {
      const cases = SIGNATURE_CASES[lib]!;
      const regex = new RegExp(signatureExport(lib)!.regex);
      for (const value of cases.benign) {
        expect(testSignature(SIGNATURES.get(lib)!, value, cases.name ?? null), `library flags benign ${JSON.stringify(value)}`).toBeNull();
        expect(regex.test(enforced(value)), `enforcer flags benign ${JSON.stringify(value)}`).toBe(false);
      }
      const caught = cases.attack.filter((v) => regex.test(enforced(v)));
      expect(caught.length).toBeGreaterThanOrEqual(floor);
    });
  }
});
