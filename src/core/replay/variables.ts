/**
 * `{{name}}` variables in edited requests, resolved from the workspace's active environment.
 * An unknown variable is an error naming it: sending a literal "{{token}}" is never what was meant.
 */
import type { ReplayRequest } from './http-text.ts';

const VAR = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export class VariableError extends Error {
  override name = 'VariableError';
}

export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(VAR, (_, name: string) => {
    if (!Object.hasOwn(vars, name)) throw new VariableError(`unknown variable {{${name}}} (define it in the environment)`);
    return vars[name];
  });
}

export function resolveVariables(req: ReplayRequest, vars: Readonly<Record<string, string>>): ReplayRequest {
  const body = req.body ? new TextDecoder().decode(req.body) : null;
  return {
    method: req.method,
    url: substitute(req.url.replace(/%7B%7B/gi, '{{').replace(/%7D%7D/gi, '}}'), vars),
    headers: req.headers.map(([n, v]) => [n, substitute(v, vars)] as const),
    body: body === null ? null : new TextEncoder().encode(substitute(body, vars)),
  };
}
