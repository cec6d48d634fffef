/**
 * Filter-language expressions (docs/filter-language.md) that select the traffic behind a diff
 * item, so the UI can jump from a row to the exchanges it stands for.
 */

const REGEX_SPECIAL = /[.*+?^$()|[\]\\{}]/g;

/** `/api/users/{id}.json` → `^/api/users/[^/]+\.json/?$` (case-sensitive, like paths). */
export function templateRegex(template: string): string {
  const body = template
    .replace(/\/+$/, '')
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith('{') && part.endsWith('}') ? '[^/]+' : part.replace(REGEX_SPECIAL, '\\$&')))
    .join('');
  return `^${body}/?$`;
}

/** A quoted filter-language string (`\\` and `\"` are its escapes). */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function endpointFilter(host: string, method: string, template: string): string {
  return `host = ${quote(host)} and method = ${method.toUpperCase()} and path ~ ${quote(templateRegex(template))}`;
}
