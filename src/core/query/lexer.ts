/**
 * Tokens of the filter language. Words are bare runs of characters (field names, hosts, paths,
 * numbers with units, dates); what a word means is decided by the parser from where it stands.
 */
import { FilterError } from './errors.ts';

export type TokenKind =
  | 'word' // bare text: field names, keywords (and/or/not/in/contains), values
  | 'string' // quoted text, escapes resolved
  | 'op' // = == != ~ !~ < > <= >=
  | 'and' // &&
  | 'or' // ||
  | 'not' // !
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Resolved text (strings unescaped; `==` normalised to `=`). */
  text: string;
  /** 1-based column of the first character. */
  column: number;
  /** Length in the source, for columns of parts of a word. */
  length: number;
}

/** Expressions longer than this are refused before any work (the API caps them at 10,000 too). */
export const MAX_EXPRESSION_LENGTH = 10_000;

const PUNCT = new Set(['(', ')', '[', ']', ',']);
/** Characters that end a bare word. */
const STOP = new Set([' ', '\t', '\n', '\r', '\f', '\v', '(', ')', '[', ']', ',', '"', "'", '=', '<', '>', '!', '~', '&', '|']);

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '"': '"', "'": "'", '\\': '\\' };

export function tokenize(src: string): Token[] {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new FilterError(`expression is too long (${src.length} characters, at most ${MAX_EXPRESSION_LENGTH})`, MAX_EXPRESSION_LENGTH + 1);
  }
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, text: string, start: number, end: number): void => {
    tokens.push({ kind, text, column: start + 1, length: end - start });
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const two = src.slice(i, i + 2);
    if (PUNCT.has(c)) {
      push(c as TokenKind, c, start, ++i);
    } else if (c === '"' || c === "'") {
      i = readString(src, i, (text, end) => push('string', text, start, end));
    } else if (two === '&&') {
      push('and', two, start, (i += 2));
    } else if (two === '||') {
      push('or', two, start, (i += 2));
    } else if (two === '!=' || two === '!~' || two === '<=' || two === '>=' || two === '==') {
      push('op', two === '==' ? '=' : two, start, (i += 2));
    } else if (c === '=' || c === '~' || c === '<' || c === '>') {
      push('op', c, start, ++i);
    } else if (c === '!') {
      push('not', c, start, ++i);
    } else if (c === '&' || c === '|') {
      throw new FilterError(`unexpected '${c}' (use '${c}${c}' or '${c === '&' ? 'and' : 'or'}')`, start + 1);
    } else {
      while (i < src.length && !STOP.has(src[i]) && !/\s/.test(src[i])) i++;
      push('word', src.slice(start, i), start, i);
    }
  }
  tokens.push({ kind: 'eof', text: '', column: src.length + 1, length: 0 });
  return tokens;
}

/** Reads a quoted string starting at `i`; returns the index after its closing quote. */
function readString(src: string, i: number, emit: (text: string, end: number) => void): number {
  const quote = src[i];
  const start = i;
  let out = '';
  i++;
  while (i < src.length && src[i] !== quote) {
    if (src[i] !== '\\') {
      out += src[i++];
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) break;
    if (e === 'u' || e === 'x') {
      const hex = e === 'u' ? (src[i + 2] === '{' ? /^\{([0-9a-fA-F]{1,6})\}/.exec(src.slice(i + 2)) : /^[0-9a-fA-F]{4}/.exec(src.slice(i + 2))) : /^[0-9a-fA-F]{2}/.exec(src.slice(i + 2));
      const code = hex ? parseInt(hex[1] ?? hex[0], 16) : NaN;
      if (!hex || code > 0x10ffff) throw new FilterError(`bad escape '\\${e}' in string (expected ${e === 'u' ? '\\uXXXX or \\u{X…}' : '\\xXX'})`, i + 1);
      out += String.fromCodePoint(code);
      i += 2 + hex[0].length;
    } else if (Object.hasOwn(ESCAPES, e)) {
      out += ESCAPES[e];
      i += 2;
    } else {
      // Unknown escapes stay as written so regular expressions like "\d+" need no doubling.
      out += `\\${e}`;
      i += 2;
    }
  }
  if (i >= src.length) throw new FilterError(`unterminated string (missing closing ${quote})`, start + 1);
  emit(out, i + 1);
  return i + 1;
}
