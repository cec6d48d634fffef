/**
 * Examples in an exported spec come from real traffic, so they are redacted before they leave
 * the workspace: credentials by field name (password, token, api_key, session…), and by shape
 * wherever they hide (JWTs, bearer strings, long secret-looking tokens, e-mail addresses, card
 * numbers that pass the Luhn check). Examples are also trimmed: a few array items, short strings.
 */

const SECRET_KEY = /passw(?:or)?d|passphrase|^pass$|secret|token|^auth$|authorization|session|cookie|api[-_]?key|apikey|credential|private[-_]?key|signature|^otp$|^pin$|ssn|cvv|cvc|^key$/i;
const CARD_KEY = /card[-_]?(?:number|no)|^pan$|^number$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** bcrypt, argon2 and crypt(3) password hashes. */
const PASSWORD_HASH = /\$(?:2[abxy]|argon2(?:id|i|d)|[156])\$[^\s"']{20,}/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
/** sk_live_…, ghp_…, AKIA…, long hex or base64-ish runs mixing letters and digits. */
const TOKEN = /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bAKIA[0-9A-Z]{16}\b|\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b/g;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const REDACTED = '<redacted>';

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Redacts what looks like a secret or personal datum inside a free string. */
export function redactString(s: string): string {
  let out = s.length > 200 ? `${s.slice(0, 200)}…` : s;
  out = out.replace(JWT, '<redacted:jwt>').replace(BEARER, (_m, kind: string) => `${kind} <redacted>`).replace(PASSWORD_HASH, '<redacted:hash>').replace(TOKEN, (m) => (UUID.test(m) ? m : '<redacted:token>'));
  out = out.replace(EMAIL, 'user@example.com');
  out = out.replace(CARD, (m) => {
    const digits = m.replace(/\D/g, '');
    return digits.length >= 13 && luhn(digits) ? '<redacted:card-number>' : m;
  });
  return out;
}

/** A redacted, trimmed copy of a JSON value usable as an example; `key` is the field it sits in. */
export function redactValue(value: unknown, key: string | null = null, depth = 0): unknown {
  if (key !== null && SECRET_KEY.test(key) && value !== null && typeof value !== 'object' && typeof value !== 'boolean') return REDACTED;
  if (key !== null && CARD_KEY.test(key) && (typeof value === 'string' || typeof value === 'number') && /^\d[\d -]{11,}$/.test(String(value))) return '<redacted:card-number>';
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return Array.isArray(value) ? [] : {};
  if (Array.isArray(value)) return value.slice(0, 3).map((v) => redactValue(v, key, depth + 1));
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (++n > 50) break;
    out[k] = redactValue(v, k, depth + 1);
  }
  return out;
}

/** Whether a parameter or field name is one whose values are credentials. */
export function isSecretName(name: string): boolean {
  return SECRET_KEY.test(name);
}
