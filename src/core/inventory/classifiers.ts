/**
 * The sensitive-data catalogue: one declarative YAML rule per data class (resources/classifiers),
 * compiled once, tested against values with their field names. Check-digit validators (Luhn,
 * IBAN mod 97, SSN ranges, DNI letter, BSN 11-proof) keep numbers that merely look right out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { entropy } from './segments.ts';

export const DEFAULT_CLASSIFIERS_DIR = resolve(import.meta.dirname, '../../../resources/classifiers');

const VALIDATORS = ['luhn', 'iban', 'us-ssn', 'national-id', 'nl-bsn', 'es-dni', 'ip', 'jwt', 'date-past', 'phone', 'has-letters-and-digits'] as const;
type ValidatorName = (typeof VALIDATORS)[number];

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lower-case id of letters, digits and dashes'),
  title: z.string().min(1).max(200),
  severity: z.enum(['low', 'medium', 'high']).default('medium'),
  value: z.string().max(4000).optional(),
  flags: z.string().regex(/^[iu]*$/, 'only i and u flags').optional(),
  key: z.string().max(1000).optional(),
  require: z.enum(['value', 'key', 'both', 'either']).optional(),
  validate: z.enum(VALIDATORS).optional(),
  minEntropy: z.number().min(0).max(8).optional(),
  minLength: z.number().int().min(0).optional(),
  maxLength: z.number().int().min(1).optional(),
  where: z.array(z.enum(['request', 'response'])).min(1).optional(),
});
export type ClassifierRule = z.infer<typeof ruleSchema>;

export interface Classifier {
  id: string;
  title: string;
  severity: 'low' | 'medium' | 'high';
  file: string;
  require: 'value' | 'key' | 'both' | 'either';
  value: RegExp | null;
  key: RegExp | null;
  validate: ValidatorName | null;
  minEntropy: number;
  minLength: number;
  maxLength: number;
  request: boolean;
  response: boolean;
}

export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

function compile(source: string, flags: string, file: string, field: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new CatalogueError(`${file}: ${field} is not a valid regular expression: ${(err as Error).message}`);
  }
}

/** Compiles one rule (already parsed from YAML); `file` names it in errors. */
export function compileRule(raw: unknown, file: string): Classifier {
  const parsed = ruleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogueError(`${file}: ${issue.path.join('.') || 'rule'}: ${issue.message}`);
  }
  const r = parsed.data;
  if (!r.value && !r.key) throw new CatalogueError(`${file}: a rule needs \`value\` or \`key\``);
  const require = r.require ?? (r.value ? 'value' : 'key');
  if ((require === 'value' || require === 'both' || require === 'either') && !r.value) throw new CatalogueError(`${file}: require: ${require} needs \`value\``);
  if ((require === 'key' || require === 'both' || require === 'either') && !r.key) throw new CatalogueError(`${file}: require: ${require} needs \`key\``);
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    file,
    require,
    value: r.value ? compile(r.value, r.flags ?? '', file, 'value') : null,
    key: r.key ? compile(r.key, 'i', file, 'key') : null,
    validate: r.validate ?? null,
    minEntropy: r.minEntropy ?? 0,
    minLength: r.minLength ?? 1,
    maxLength: r.maxLength ?? 4096,
    request: !r.where || r.where.includes('request'),
    response: !r.where || r.where.includes('response'),
  };
}

/** Loads every *.yaml/*.yml rule of the folders, in name order; later folders may not reuse an id. */
export function loadCatalogue(dirs: readonly string[] = [DEFAULT_CLASSIFIERS_DIR]): Classifier[] {
  const out: Classifier[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
    } catch (err) {
      throw new CatalogueError(`cannot read classifier folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const name of names) {
      const file = join(dir, name);
      let raw: unknown;
      try {
        raw = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: 10 });
      } catch (err) {
        throw new CatalogueError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
      }
      const rule = compileRule(raw, file);
      const dup = seen.get(rule.id);
      if (dup) throw new CatalogueError(`${file}: class id ${rule.id} is already defined in ${dup}`);
      seen.set(rule.id, file);
      out.push(rule);
    }
  }
  return out;
}

// ---------- validators ----------

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

export function luhn(s: string): boolean {
  const d = digits(s);
  if (d.length < 13 || d.length > 19 || /^(\d)\1+$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

export function ibanValid(s: string): boolean {
  const v = s.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(v)) return false;
  const moved = v.slice(4) + v.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const part = code >= 65 ? String(code - 55) : ch;
    for (const c of part) rem = (rem * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function ssnValid(s: string): boolean {
  const d = digits(s);
  if (d.length !== 9) return false;
  const area = Number(d.slice(0, 3));
  return area !== 0 && area !== 666 && area < 900 && d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
}

export function dniValid(s: string): boolean {
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/i.exec(s.trim());
  if (!m) return false;
  const prefix = { '': '', X: '0', Y: '1', Z: '2' }[m[1].toUpperCase() as '' | 'X' | 'Y' | 'Z'];
  const n = Number(prefix + m[2]);
  return 'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23] === m[3].toUpperCase();
}

/** Dutch BSN "11-proof". */
export function bsnValid(s: string): boolean {
  const d = digits(s);
  if (d.length !== 9 || /^0+$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * (d.charCodeAt(i) - 48);
  sum -= d.charCodeAt(8) - 48;
  return sum % 11 === 0;
}

function jwtValid(s: string): boolean {
  const token = s.replace(/^Bearer\s+/i, '');
  const [h] = token.split('.');
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

function datePast(s: string): boolean {
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  const eu = /^(\d{2})[/.](\d{2})[/.](\d{4})$/.exec(s);
  const [y, m, d] = iso ? [+iso[1], +iso[2], +iso[3]] : eu ? [+eu[3], +eu[2], +eu[1]] : [0, 0, 0];
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  return Date.UTC(y, m - 1, d) < Date.now();
}

function validate(name: ValidatorName, value: string, keyMatched: boolean): boolean {
  switch (name) {
    case 'luhn': return luhn(value);
    case 'iban': return ibanValid(value);
    case 'us-ssn': return ssnValid(value) && (value.includes('-') || keyMatched);
    case 'es-dni': return dniValid(value);
    case 'nl-bsn': return bsnValid(value);
    case 'national-id': return dniValid(value) || bsnValid(value);
    case 'ip': return ipaddr.isValid(value) && (value.includes(':') ? value.split(':').length >= 3 : true);
    case 'jwt': return jwtValid(value);
    case 'date-past': return datePast(value);
    case 'phone': {
      const n = digits(value).length;
      return n >= 8 && n <= 15 && (value.startsWith('+') || keyMatched);
    }
    case 'has-letters-and-digits': return /\d/.test(value) && /\p{L}/u.test(value);
  }
}

/** Whether one value (with the name of the field it came in, if any) belongs to the class. */
export function matches(c: Classifier, value: string, key: string | null): boolean {
  if (value.length < c.minLength || value.length > c.maxLength) return false;
  const keyMatched = key !== null && c.key !== null && c.key.test(key);
  const valueMatched = c.value !== null && c.value.test(value);
  let ok: boolean;
  switch (c.require) {
    case 'value': ok = valueMatched; break;
    case 'key': ok = keyMatched; break;
    case 'both': ok = valueMatched && keyMatched; break;
    case 'either': ok = valueMatched || keyMatched; break;
  }
  if (!ok) return false;
  if (c.minEntropy > 0 && entropy(value) < c.minEntropy) return false;
  return c.validate === null || validate(c.validate, value, keyMatched);
}

/** Class ids a value belongs to, for one direction. */
export function classify(catalogue: readonly Classifier[], value: string, key: string | null, direction: 'request' | 'response'): string[] {
  const out: string[] = [];
  for (const c of catalogue) {
    if (direction === 'request' ? !c.request : !c.response) continue;
    if (matches(c, value, key)) out.push(c.id);
  }
  return out;
}
