/**
 * Path templates, host patterns and scopes compiled once per policy. The regex text they compile
 * to uses only what PCRE (NGINX, ModSecurity), RE2 (Coraza, OPA, AWS WAF) and JavaScript share:
 * literals, escapes, [^/]+ and .*, so simulation and every exporter judge paths the same way.
 */
import type { Scope } from './types.ts';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const SPECIAL = /[.*+?^${}()|[\]\\]/g;
export const escapeRegex = (s: string): string => s.replace(SPECIAL, '\\$&');

export interface CompiledTemplate {
  template: string;
  /** Unanchored regex text (for composing into bigger expressions). */
  body: string;
  re: RegExp;
  /** Literal path (no placeholders): enforcers can match it exactly. */
  literal: boolean;
}

const cache = new Map<string, CompiledTemplate>();

/** `{name}` and `*` match one segment; a final `**` matches the rest of the path (or nothing). */
export function compileTemplate(template: string): CompiledTemplate {
  const hit = cache.get(template);
  if (hit) return hit;
  if (!template.startsWith('/')) throw new TemplateError(`path template ${JSON.stringify(template)} must start with /`);
  const segments = template.split('/').slice(1);
  let body = '';
  let literal = true;
  segments.forEach((seg, i) => {
    if (seg === '**') {
      if (i !== segments.length - 1) throw new TemplateError(`path template ${JSON.stringify(template)}: ** is only allowed as the last segment`);
      body += '(?:/.*)?';
      literal = false;
      return;
    }
    if (seg === '*') {
      body += '/[^/]+';
      literal = false;
      return;
    }
    let out = '/';
    let rest = seg;
    while (rest.length) {
      const open = rest.indexOf('{');
      const close = rest.indexOf('}');
      if (open === -1) {
        if (close !== -1) throw new TemplateError(`path template ${JSON.stringify(template)}: unbalanced }`);
        out += escapeRegex(rest);
        break;
      }
      if (close < open) throw new TemplateError(`path template ${JSON.stringify(template)}: unbalanced }`);
      const name = rest.slice(open + 1, close);
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TemplateError(`path template ${JSON.stringify(template)}: bad placeholder {${name}}`);
      out += `${escapeRegex(rest.slice(0, open))}[^/]+`;
      literal = false;
      rest = rest.slice(close + 1);
    }
    body += out;
  });
  if (body === '') body = '/';
  const compiled: CompiledTemplate = { template, body, re: new RegExp(`^${body}$`), literal };
  if (cache.size > 10_000) cache.clear();
  cache.set(template, compiled);
  return compiled;
}

/** Host pattern: exact (lower-case) or `*.example.com` for any subdomain. */
export function hostRegexBody(host: string): string {
  return host.startsWith('*.') ? `[^/]+\\.${escapeRegex(host.slice(2))}` : escapeRegex(host);
}

export interface RequestLine {
  host: string;
  method: string;
  path: string;
}

export type LineTest = (r: RequestLine) => boolean;

function hostTest(hosts: readonly string[]): (h: string) => boolean {
  const exact = new Set(hosts.filter((h) => !h.startsWith('*.')));
  const suffixes = hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
  return (h) => exact.has(h) || suffixes.some((s) => h.endsWith(s));
}

/** A scope's test; undefined scope (or empty lists) means every request. */
export function compileScope(scope: Scope | undefined): LineTest | null {
  if (!scope) return null;
  const hosts = scope.hosts?.length ? hostTest(scope.hosts) : null;
  const methods = scope.methods?.length && !scope.methods.includes('*') ? new Set(scope.methods) : null;
  const paths = scope.paths?.length ? scope.paths.map((p) => compileTemplate(p).re) : null;
  if (!hosts && !methods && !paths) return null;
  return (r) => (!hosts || hosts(r.host)) && (!methods || methods.has(r.method)) && (!paths || paths.some((re) => re.test(r.path)));
}

/** One endpoint (host optional, method '*' = any). */
export function compileEndpoint(e: { host?: string; method: string; path: string }): LineTest {
  const re = compileTemplate(e.path).re;
  const host = e.host;
  const any = e.method === '*';
  return (r) => (any || r.method === e.method) && (host === undefined || (host.startsWith('*.') ? r.host.endsWith(host.slice(1)) : r.host === host)) && re.test(r.path);
}

const alt = (parts: string[]): string => (parts.length === 1 ? parts[0] : `(?:${parts.join('|')})`);

/**
 * Anchored regex over the line "HOST METHOD PATH" for a scope or endpoint (absent lists match
 * anything): the form NGINX maps and OPA judge requests by.
 */
export function lineRegex(hosts: readonly string[] | undefined, methods: readonly string[] | undefined, paths: readonly string[] | undefined): string {
  const h = hosts?.length ? alt(hosts.map(hostRegexBody)) : '[^ ]+';
  const m = methods?.length && !methods.includes('*') ? alt(methods.map(escapeRegex)) : '[A-Z]+';
  const p = paths?.length ? alt(paths.map((x) => compileTemplate(x).body)) : '/.*';
  return `^${h} ${m} ${p}$`;
}

/** Whether a scope says anything (a scope of empty lists is every request). */
export const hasScope = (s: Scope | undefined): s is Scope => !!(s && (s.hosts?.length || s.methods?.length || s.paths?.length));

/**
 * Splits a regex into pieces of at most `max` characters along its top-level alternation
 * (AWS WAF caps a regex at 512 characters). A single alternative longer than max is kept whole.
 */
export function splitAlternation(regex: string, max: number): string[] {
  const alts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      alts.push(regex.slice(start, i));
      start = i + 1;
    }
  }
  alts.push(regex.slice(start));
  const out: string[] = [];
  let cur = '';
  for (const a of alts) {
    if (cur && cur.length + 1 + a.length > max) {
      out.push(cur);
      cur = a;
    } else cur = cur ? `${cur}|${a}` : a;
  }
  if (cur) out.push(cur);
  return out;
}
