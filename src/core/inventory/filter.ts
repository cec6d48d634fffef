/**
 * Filter-language expressions (docs/filter-language.md) selecting an endpoint's or a site-map
 * node's traffic, so the views can jump to the traffic view with them.
 */
import { splitPath } from './segments.ts';

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Regex over concrete paths for a template (parameters match one segment). */
export function templateRegex(template: string, prefixOnly: boolean): string {
  const body = splitPath(template).map((seg) => (/^\{[^}]*\}$/.test(seg) ? '[^/]+' : seg.replace(REGEX_SPECIAL, '\\$&'))).join('/');
  const path = template === '/' ? '' : `/${body}`;
  return prefixOnly ? `^${path}(/|$)` : `^${path === '' ? '/' : path}$`;
}

/** Filter-language regexes keep backslashes as written inside quotes except before quote/backslash. */
function regexLiteral(re: string): string {
  return `"${re.replace(/"/g, '\\"')}"`;
}

export function endpointFilter(e: { host: string; method: string; path: string }): string {
  return `host = ${quote(e.host)} and method = ${quote(e.method)} and path ~ ${regexLiteral(templateRegex(e.path, false))}`;
}

export function prefixFilter(host: string, path: string): string {
  return path === '/' || path === '' ? `host = ${quote(host)}` : `host = ${quote(host)} and path ~ ${regexLiteral(templateRegex(path, true))}`;
}
