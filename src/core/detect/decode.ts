/**
 * Peels the encodings attackers wrap payloads in, so signatures see the payload the application
 * will finally interpret: URL (single and double), %uXXXX, \uXXXX / \xXX, HTML entities, base64
 * layers, Unicode compatibility forms, and the leaves of markup documents and form-encoded text.
 * Each layer is tried on every variant, to a fixed depth, so cost stays bounded.
 */

const MAX_INPUT = 16_384;
const MAX_DEPTH = 4;

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", sol: '/', bsol: '\\', lpar: '(', rpar: ')',
  colon: ':', semi: ';', equals: '=', nbsp: ' ', tab: '\t', newline: '\n', grave: '`', lbrace: '{', rbrace: '}',
  dollar: '$', period: '.', comma: ',', excl: '!', quest: '?', num: '#', percnt: '%', plus: '+', ast: '*',
};

function safeCodePoint(n: number): string {
  return Number.isFinite(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

export function urlDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  // Byte-wise so invalid sequences survive instead of throwing (decodeURIComponent is strict).
  const replaced = s.replace(/\+/g, ' ');
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < replaced.length; i++) {
    const c = replaced[i];
    if (c === '%' && i + 2 < replaced.length && /^[0-9a-fA-F]{2}$/.test(replaced.slice(i + 1, i + 3))) {
      bytes.push(parseInt(replaced.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      flush();
      out += c;
    }
  }
  flush();
  return out;
}

const CONTROL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t' };

/** %uXXXX, \uXXXX, \u{X}, \xXX and the control escapes \n \r \t of JSON, JavaScript and C strings. */
export function unicodeDecode(s: string): string {
  if (!/[%\\]u|\\[xnrt]/i.test(s)) return s;
  return s
    .replace(/%u([0-9a-f]{4})/gi, (_, h: string) => safeCodePoint(parseInt(h, 16)))
    .replace(/\\u\{([0-9a-f]{1,6})\}/gi, (_, h: string) => safeCodePoint(parseInt(h, 16)))
    .replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => safeCodePoint(parseInt(h, 16)))
    .replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => safeCodePoint(parseInt(h, 16)))
    .replace(/\\([nrt])/g, (_, c: string) => CONTROL_ESCAPES[c]);
}

export function htmlDecode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, body: string) => {
    if (body[0] === '#') return safeCodePoint(body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)) || m;
    return NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });
}

const B64 = /^(?:[A-Za-z0-9+/_-]{4}){2,}(?:[A-Za-z0-9+/_-]{2,3}={0,2}|[A-Za-z0-9+/_-]{4})$/;

/** Decodes a base64 token only when the result is readable text (avoids decoding ids and hashes). */
export function base64Decode(s: string): string | null {
  const t = s.trim();
  if (t.length < 12 || t.length > MAX_INPUT || cannotBeText(t) || !B64.test(t)) return null;
  const text = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  if (text.length < 8) return null;
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
  }
  return printable / text.length >= 0.95 ? text : null;
}

/**
 * Quick exact rejection before decoding: the first character of each 4-character group gives the
 * top 6 bits of a decoded byte, and a byte outside printable ASCII/tab/CR/LF yields at least half a
 * non-printable character. Beyond 30% such groups the 95% printable bar below cannot be met.
 */
function cannotBeText(t: string): boolean {
  const groups = t.length >> 2;
  let bad = 0;
  for (let i = 0; i < t.length; i += 4) {
    const c = t.charCodeAt(i);
    // C, D (tab, LF, CR) and I–Z, a–f (0x20–0x7f) can start printable bytes.
    const ok = c === 67 || c === 68 || (c >= 73 && c <= 90) || (c >= 97 && c <= 102);
    if (!ok && ++bad > 0.3 * groups) return true;
  }
  return false;
}

/** True when `s` holds a base64 token that decodes to readable text (decodeVariants would use it). */
export function hasReadableBase64(s: string): boolean {
  for (const token of base64Candidates(s)) if (base64Decode(token) !== null) return true;
  return false;
}

/** Tokens inside a value that may be base64 (a whole value, or `Basic xxx`, or `a=xxx`). */
function base64Candidates(s: string): string[] {
  if (s.length < 12) return [];
  const out: string[] = [];
  for (const m of s.matchAll(/[A-Za-z0-9+/_-]{11,}={0,2}/g)) if (m[0].length >= 12) out.push(m[0]);
  return out;
}

/** SQL comment and whitespace games (`UN/**\/ION`, tabs, newlines) collapsed to one space. */
export function normalizeSpace(s: string): string {
  return s.replace(/\/\*.*?\*\//g, ' ').replace(/[\s\u00a0]+/g, ' ');
}

const NEEDS_DECODING = /[%&\\+<]|\/\*|[A-Za-z0-9+/_-]{11}|[^\x00-\x7f]/;
const SHORT_NEEDS_DECODING = /[%&\\+<]|\/\*|[^\x00-\x7f]/;

/** Attribute values and text nodes of a markup document, one per line (XML and SOAP bodies). */
const MARKUP_LEAF = /=\s*"([^"<]*)"|=\s*'([^'<]*)'|>([^<>]+)</g;

export function markupLeaves(s: string): string | null {
  if (s.charCodeAt(0) !== 60 || (!s.includes('</') && !s.includes('/>'))) return null;
  const out: string[] = [];
  for (const m of s.matchAll(MARKUP_LEAF)) {
    const leaf = (m[1] ?? m[2] ?? m[3]).trim();
    if (leaf) out.push(htmlDecode(leaf));
  }
  return out.length ? out.join('\n') : null;
}

const FORM_START = /^[\w.[\]$%-]{1,64}=/;

/** The values of a form-encoded text (`a=1&b=2`), one per line: raw bodies sent without a form content type. */
export function formLeaves(s: string): string | null {
  if (!FORM_START.test(s)) return null;
  const out: string[] = [];
  for (const part of s.split('&')) {
    const eq = part.indexOf('=');
    const value = eq < 0 ? part : part.slice(eq + 1);
    if (value) out.push(value);
  }
  const joined = out.join('\n');
  return joined && joined !== s ? joined : null;
}

/**
 * Compatibility forms folded (NFKC): circled, full-width and other look-alike characters become the
 * ASCII an application or URL parser may end up reading (ⓛⓞⓒⓐⓛⓗⓞⓢⓣ, ①②⑦.⓪.⓪.①, ＜script＞).
 */
export function compatibilityFold(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return s.normalize('NFKC');
  return s;
}

/**
 * Every distinct readable form of `raw`: itself and each decoding reachable within MAX_DEPTH
 * layers. The first element is always the raw value (truncated to MAX_INPUT characters).
 */
export function decodeVariants(raw: string): string[] {
  const start = raw.length > MAX_INPUT ? raw.slice(0, MAX_INPUT) : raw;
  if ((start.length < 12 ? !SHORT_NEEDS_DECODING.test(start) : !NEEDS_DECODING.test(start)) && !FORM_START.test(start)) return [start];
  const seen = new Set<string>([start]);
  let frontier = [start];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const next: string[] = [];
    for (const v of frontier) {
      const candidates = [urlDecode(v), unicodeDecode(v), htmlDecode(v), normalizeSpace(v), compatibilityFold(v)];
      const leaves = markupLeaves(v) ?? formLeaves(v);
      if (leaves !== null) candidates.push(leaves);
      for (const token of base64Candidates(v)) {
        const d = base64Decode(token);
        if (d !== null) candidates.push(d);
      }
      for (const c of candidates) {
        if (!seen.has(c) && seen.size < 32) {
          seen.add(c);
          next.push(c);
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}
