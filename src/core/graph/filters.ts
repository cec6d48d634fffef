/**
 * Filter-language expressions (docs/filter-language.md) selecting a graph node's exchanges, so a
 * click in the graph opens exactly those in the traffic view.
 */

/** A quoted filter-language string: backslashes and quotes escaped, control characters as \u. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

/** Regex source for a path template: `{name}` stands for one segment. */
export function templateRegex(template: string, prefixOnly = false): string {
  const body = template
    .split('/')
    .map((seg) => (/^\{[^}]*\}$/.test(seg) ? '[^/]+' : seg.replace(REGEX_SPECIAL, (m) => (m === '/' ? '/' : `\\${m}`))))
    .join('/');
  return prefixOnly ? `^${body}(?:/|$)` : `^${body}$`;
}

/** `host` as the graph writes it: name, or name:port when the port is not the scheme's default. */
export function hostFilter(hostPort: string): string {
  const m = /^(.*):(\d+)$/.exec(hostPort);
  return m && !m[1].includes(':') ? `host = ${quote(m[1])} and port = ${m[2]}` : `host = ${quote(hostPort)}`;
}

export function endpointFilter(hostPort: string, method: string | null, template: string): string {
  const parts = [hostFilter(hostPort)];
  if (method !== null && method !== '*') parts.push(`method = ${quote(method)}`);
  if (template !== '/…') parts.push(`path ~ ${quote(templateRegex(template))}`);
  return parts.join(' and ');
}

export function prefixFilter(hostPort: string, prefix: string): string {
  return `${hostFilter(hostPort)} and path ~ ${quote(templateRegex(prefix, true))}`;
}

export const principalFilter = (principal: string): string => `principal = ${quote(principal)}`;

export function anyOf(filters: readonly string[]): string {
  const distinct = [...new Set(filters)];
  if (distinct.length === 0) return 'id = 0';
  return distinct.length === 1 ? distinct[0] : distinct.map((f) => `(${f})`).join(' or ');
}

export function timeFilter(from: number, to: number): string {
  // ISO with milliseconds: exact, and valid for any date (small epoch numbers read as seconds or fail).
  return `time >= ${new Date(from).toISOString()} and time <= ${new Date(to).toISOString()}`;
}
