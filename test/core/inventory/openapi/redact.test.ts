/** Example redaction: credentials by field name and by shape, personal data, and trimming. */
import { describe, expect, it } from 'vitest';
import { redactString, redactValue } from '../../../../src/core/inventory/openapi/redact.ts';

describe('redaction of examples', () => {
  it('redacts credentials by field name, whatever their value looks like', () => {
    expect(redactValue({ password: 'hunter2', api_key: 'abc', sessionId: 42, Authorization: 'x', author: 'Ada', keyboard: 'qwerty', isAdmin: true })).toEqual({
      password: '<redacted>', api_key: '<redacted>', sessionId: '<redacted>', Authorization: '<redacted>', author: 'Ada', keyboard: 'qwerty', isAdmin: true,
    });
  });

  it('finds tokens, keys, hashes, e-mails and card numbers inside free text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl';
    expect(redactString(`token ${jwt} here`)).toBe('token <redacted:jwt> here');
    expect(redactString('Authorization: Bearer abcdef0123456789')).toBe('Authorization: Bearer <redacted>');
    expect(redactString('key=sk_live_51Hq8ExampleKeyValue00000000')).toBe('key=<redacted:token>');
    expect(redactString('AKIAIOSFODNN7EXAMPLE')).toBe('<redacted:token>');
    expect(redactString('$2b$12$C6UzMDM.H6dfI/f/IKcEeO4Q2Qn/nKCBkZs5Zr/5s0pQ5tKtK6e3K')).toBe('<redacted:hash>');
    expect(redactString('write to grace@navy.example.org')).toBe('write to user@example.com');
    expect(redactString('card 4111 1111 1111 1111 ok')).toBe('card <redacted:card-number> ok');
    // Not card numbers: fails the Luhn check, or too short.
    expect(redactString('order 4111111111111112')).toBe('order 4111111111111112');
    expect(redactString('id 123456789012')).toBe('id 123456789012');
    // Identifiers stay readable.
    expect(redactString('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    expect(redactValue({ number: '4111111111111111' })).toEqual({ number: '<redacted:card-number>' });
  });

  it('trims examples: a few array items, short strings, bounded depth', () => {
    expect(redactValue([1, 2, 3, 4, 5])).toEqual([1, 2, 3]);
    expect((redactValue('x'.repeat(500)) as string).length).toBe(201);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(JSON.stringify(redactValue(deep)).length).toBeLessThan(60);
  });
});
