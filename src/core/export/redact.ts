/**
 * Secret redaction for anything that leaves the workspace (HAR export): credentials in headers
 * (Authorization, Cookie, Set-Cookie, API-key headers), in query and form parameters, in JSON
 * bodies (by key), and bearer-token shapes (JWTs, well-known key prefixes) anywhere in text.
 * Names and structure stay, so an exported capture still shows *that* a request was authenticated
 * and how, just not with what.
 */
import type { Header } from '../model/exchange.ts';

export const REDACTED = 'REDACTED';

/** Header names whose whole value is a credential. */
const SECRET_HEADER = /^(authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|x-access-token|x-amz-security-token|x-csrf-token|x-xsrf-token|x-session-(id|token)|x-goog-api-key|ocp-apim-subscription-key|x-functions-key|private-token|x-vault-token)$/i;
/** Parameter and JSON key names that hold secrets. */
const SECRET_NAME = /(^|[-_.])(pass(word|wd)?|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|client[-_]?secret|auth|authorization|session(id)?|sid|sig|signature|credential|otp|pin|ssn|jwt|bearer|cookie|code[-_]?verifier|refresh)([-_.]|$)|^(key|code)$|token$|secret$|password$/i;
/** Values that are credentials whatever they are called. */
const TOKEN_SHAPES = [
  /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g, // JWT / JWS
  /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,}/g, // Stripe
  /\bgh[pousr]_[0-9A-Za-z]{20,}/g, // GitHub
  /\bxox[baprs]-[0-9A-Za-z-]{10,}/g, // Slack
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API key
];

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Replaces token-shaped substrings; returns the text unchanged when there are none. */
export function redactTokens(text: string): string {
  let out = text;
  for (const re of TOKEN_SHAPES) out = out.replace(re, REDACTED);
  return out;
}

function redactCookiePairs(value: string, separator: string): string {
  return value
    .split(separator)
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? part : `${part.slice(0, eq)}=${REDACTED}`;
    })
    .join(separator);
}

/** `Set-Cookie: a=b; Path=/; HttpOnly` keeps its attributes; only the value goes. */
function redactSetCookie(value: string): string {
  const semi = value.indexOf(';');
  const pair = semi === -1 ? value : value.slice(0, semi);
  const eq = pair.indexOf('=');
  return `${eq === -1 ? pair : `${pair.slice(0, eq)}=${REDACTED}`}${semi === -1 ? '' : value.slice(semi)}`;
}

export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'cookie') return redactCookiePairs(value, '; ');
  if (lower === 'set-cookie') return redactSetCookie(value);
  if (SECRET_HEADER.test(name) || isSecretName(name)) {
    // Keep the scheme (Bearer, Basic, Digest…): it says how the request authenticated.
    const scheme = /^(Bearer|Basic|Digest|Token|ApiKey|AWS4-HMAC-SHA256|Negotiate|NTLM|OAuth)\s/i.exec(value);
    return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
  }
  return redactTokens(value);
}

export function redactHeaders(headers: readonly Header[]): Header[] {
  return headers.map(([n, v]) => [n, redactHeader(n, v)] as const);
}

/** `?a=1&token=x` → `?a=1&token=REDACTED`, spelling of the rest kept exactly. */
export function redactQuery(query: string): string {
  if (!query) return query;
  const lead = query.startsWith('?') ? '?' : '';
  const body = lead ? query.slice(1) : query;
  return (
    lead +
    body
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq === -1) return redactTokens(pair);
        let name = pair.slice(0, eq);
        try {
          name = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          // a malformed escape: judge the raw name
        }
        return isSecretName(name) ? `${pair.slice(0, eq)}=${REDACTED}` : `${pair.slice(0, eq)}=${redactTokens(pair.slice(eq + 1))}`;
      })
      .join('&')
  );
}

const MAX_JSON_DEPTH = 200;

function redactJsonValue(v: unknown, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) return v;
  if (typeof v === 'string') return redactTokens(v);
  if (Array.isArray(v)) return v.map((x) => redactJsonValue(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = isSecretName(k) && x !== null && typeof x !== 'object' ? REDACTED : redactJsonValue(x, depth + 1);
    return out;
  }
  return v;
}

/**
 * A body's text with secrets removed: JSON by key (re-serialised only when something changed, so
 * untouched bodies keep their bytes), form bodies by parameter, anything else by token shape.
 */
export function redactBodyText(text: string, mimeType: string): string {
  const mime = mimeType.toLowerCase();
  const trimmed = text.trimStart();
  if (mime.includes('json') || ((trimmed.startsWith('{') || trimmed.startsWith('[')) && !mime.includes('html'))) {
    try {
      const parsed: unknown = JSON.parse(text);
      const redacted = redactJsonValue(parsed, 0);
      const out = JSON.stringify(redacted);
      return out === JSON.stringify(parsed) ? text : out;
    } catch {
      // not JSON after all (or nested past the parser): fall through to token shapes
    }
  }
  if (mime.includes('x-www-form-urlencoded')) return redactQuery(text);
  return redactTokens(text);
}
