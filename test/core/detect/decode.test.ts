import { describe, expect, it } from 'vitest';
import { base64Decode, compatibilityFold, decodeVariants, formLeaves, htmlDecode, markupLeaves, unicodeDecode, urlDecode } from '../../../src/core/detect/decode.ts';

describe('decoding layers', () => {
  it('url-decodes byte-wise and survives malformed escapes', () => {
    expect(urlDecode('%3Cscript%3E')).toBe('<script>');
    expect(urlDecode('a+b%2')).toBe('a b%2');
    expect(urlDecode('%E2%82%AC')).toBe('€');
    expect(urlDecode('%ZZ%')).toBe('%ZZ%');
  });

  it('decodes unicode escapes and HTML entities', () => {
    expect(unicodeDecode('%u003Cscript%u003E')).toBe('<script>');
    expect(unicodeDecode('\\u0027 OR 1=1')).toBe("' OR 1=1");
    expect(unicodeDecode('\\x2e\\x2e/')).toBe('../');
    expect(unicodeDecode(';\\n.shell id')).toBe(';\n.shell id');
    expect(htmlDecode('&lt;img src=x onerror=alert(1)&gt;')).toBe('<img src=x onerror=alert(1)>');
    expect(htmlDecode('&#60;&#x3c;&unknown;')).toBe('<<&unknown;');
    expect(unicodeDecode('%uD800%u110000')).not.toContain('\uFFFD\uFFFD\uFFFD');
  });

  it('decodes base64 only when it yields text', () => {
    expect(base64Decode(Buffer.from("' UNION SELECT password FROM users--").toString('base64'))).toBe("' UNION SELECT password FROM users--");
    expect(base64Decode('0123456789abcdef0123456789abcdef')).toBeNull();
    expect(base64Decode('short')).toBeNull();
  });

  it('reaches payloads under several layers', () => {
    const inner = '<script>alert(1)</script>';
    const doubled = encodeURIComponent(encodeURIComponent(inner));
    expect(decodeVariants(doubled)).toContain(inner);
    const b64url = encodeURIComponent(Buffer.from(inner).toString('base64'));
    expect(decodeVariants(b64url)).toContain(inner);
    expect(decodeVariants('UN/**/ION SEL/**/ECT')).toContain('UN ION SEL ECT');
  });

  it('reads markup documents and raw form bodies leaf by leaf', () => {
    expect(markupLeaves('<?xml version="1.0"?><root><a probe="&#10;;cat /etc/passwd">x &amp; y</a></root>')).toBe('1.0\n\n;cat /etc/passwd\nx & y');
    expect(markupLeaves('a < b and c > d')).toBeNull();
    expect(formLeaves('cmd=%3Bid&x=1')).toBe('%3Bid\n1');
    expect(formLeaves('just text = here')).toBeNull();
    expect(decodeVariants('code=cat /etc/passwd')).toContain('cat /etc/passwd');
  });

  it('folds Unicode compatibility forms', () => {
    expect(compatibilityFold('ⓛⓞⓒⓐⓛⓗⓞⓢⓣ')).toBe('localhost');
    expect(compatibilityFold('①②⑦.⓪.⓪.①')).toBe('127.0.0.1');
    expect(decodeVariants('http://①②⑦.⓪.⓪.①/')).toContain('http://127.0.0.1/');
  });

  it('bounds work on hostile input', () => {
    const huge = '%25'.repeat(200_000);
    const t = performance.now();
    const v = decodeVariants(huge);
    expect(v.length).toBeLessThanOrEqual(32);
    expect(v[0].length).toBeLessThanOrEqual(16_384);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(decodeVariants('plain')).toEqual(['plain']);
  });
});
