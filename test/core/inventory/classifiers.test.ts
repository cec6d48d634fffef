import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, ibanValid, loadCatalogue, luhn, ssnValid, bsnValid, dniValid } from '../../../src/core/inventory/classifiers.ts';
import { tempDir } from '../../helpers/tmp.ts';

const catalogue = loadCatalogue();
const req = (v: string, k: string | null = null) => classify(catalogue, v, k, 'request');
const res = (v: string, k: string | null = null) => classify(catalogue, v, k, 'response');
const jwt = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"42"}').toString('base64url')}.c2ln`;

describe('sensitive-data catalogue', () => {
  it('loads one declarative rule per class from resources/classifiers', () => {
    expect(catalogue.map((c) => c.id).sort()).toEqual(
      ['api-key', 'card-number', 'date-of-birth', 'email', 'iban', 'ip-address', 'jwt', 'national-id', 'password-hash', 'phone', 'secret', 'street-address', 'us-ssn'],
    );
  });

  it.each([
    ['email', 'alice@example.com', null],
    ['phone', '+14155552671', null],
    ['phone', '(415) 555-2671', 'mobilePhone'],
    ['card-number', '4111 1111 1111 1111', null],
    ['iban', 'DE89 3704 0044 0532 0130 00', null],
    ['us-ssn', '123-45-6789', null],
    ['us-ssn', '123456789', 'ssn'],
    ['national-id', '12345678Z', 'dni'],
    ['national-id', '111222333', 'bsn'],
    ['jwt', jwt, null],
    ['api-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', null],
    ['api-key', 'AKIAIOSFODNN7EXAMPLE', null],
    ['secret', 'p4ssW0rd-Tr0ub4dor&3', 'password'],
    ['password-hash', '$2b$12$KIXQJQ1cZ5x7Yy1m7m2Q3eYQ9kq3b7Yy1m7m2Q3eYQ9kq3b7Yy1m7', null],
    ['password-hash', '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', null],
    ['password-hash', '$6$rounds=5000$saltsalt$' + 'a'.repeat(86), null],
    ['date-of-birth', '1990-04-12', 'dateOfBirth'],
    ['street-address', '221B Baker Street', null],
    ['street-address', 'Hauptstraße 12, Berlin', 'streetAddress'],
  ])('%s: %s', (cls, value, key) => {
    expect(res(value, key)).toContain(cls);
  });

  it('check digits keep look-alikes out', () => {
    expect(luhn('4111111111111112')).toBe(false);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ssnValid('666-12-3456')).toBe(false);
    expect(ssnValid('900-12-3456')).toBe(false);
    expect(dniValid('12345678A')).toBe(false);
    expect(bsnValid('111222334')).toBe(false);
    expect(res('4111111111111112')).not.toContain('card-number');
    expect(res('123456789')).not.toContain('us-ssn');
    expect(res('415 555 2671')).not.toContain('phone');
    expect(res('1990-04-12', 'createdAt')).not.toContain('date-of-birth');
    expect(res('hunter', 'password')).not.toContain('secret');
    expect(res('alice@example.com', 'emailAddress')).not.toContain('street-address');
    expect(res('10.0.0.1')).toContain('ip-address');
    expect(req('10.0.0.1')).not.toContain('ip-address');
    expect(res('999.1.1.1')).not.toContain('ip-address');
  });

  it('extends with the analyst\'s own rules and names the file and field of a bad one', () => {
    const dir = tempDir('cartograph-cls-');
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'employee-id.yaml'), "id: employee-id\ntitle: Employee id\nvalue: '^EMP-\\d{6}$'\n");
    const extended = loadCatalogue([join(import.meta.dirname, '../../../resources/classifiers'), mine]);
    expect(classify(extended, 'EMP-123456', null, 'response')).toEqual(['employee-id']);

    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.yaml'), "id: x\ntitle: X\nvalue: '(['\n");
    expect(() => loadCatalogue([bad])).toThrow(/x\.yaml: value is not a valid regular expression/);
    writeFileSync(join(bad, 'x.yaml'), 'id: X Y\ntitle: t\nvalue: a\n');
    expect(() => loadCatalogue([bad])).toThrow(/x\.yaml: id: lower-case id/);
    writeFileSync(join(bad, 'x.yaml'), 'id: [unclosed\n');
    expect(() => loadCatalogue([bad])).toThrow(/x\.yaml: not valid YAML/);
    writeFileSync(join(bad, 'x.yaml'), 'id: x\ntitle: t\nvalue: a\nbogus: 1\n');
    expect(() => loadCatalogue([bad])).toThrow(/x\.yaml/);
    expect(() => loadCatalogue([join(dir, 'missing')])).toThrow(/cannot read classifier folder/);
    const dup = join(dir, 'dup');
    mkdirSync(dup);
    writeFileSync(join(dup, 'email2.yaml'), "id: email\ntitle: again\nvalue: 'x'\n");
    expect(() => loadCatalogue([join(import.meta.dirname, '../../../resources/classifiers'), dup])).toThrow(/already defined/);
  });
});
