/**
 * Matching traffic against a published API description (shadow and zombie rules). The inventory
 * owns full OpenAPI loading; `specFromOpenApi` here reads only what detection needs (paths,
 * methods, deprecated flags, server base paths) from an already-parsed OpenAPI 2/3 document.
 */
import type { ApiSpec, SpecOperation } from './types.ts';

export interface CompiledSpec {
  operations: SpecOperation[];
  byMethod: Map<string, { op: SpecOperation; re: RegExp; literal: number }[]>;
  /** Answers by method, then path (shadow and zombie rules ask about every request; paths repeat). */
  answers: Map<string, Map<string, SpecOperation | null>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function templateRegex(template: string): { re: RegExp; literal: number } {
  const parts = template.replace(/\/+$/, '').split('/');
  let literal = 0;
  const body = parts
    .map((p) => {
      if (!p.includes('{')) {
        literal += p.length;
        return p.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      }
      // A segment may mix literals and parameters: /files/{name}.{ext}
      return p
        .split(/(\{[^}]*\})/)
        .map((x) => (x.startsWith('{') ? '[^/]+' : (literal += x.length, x.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))))
        .join('');
    })
    .join('/');
  return { re: new RegExp(`^${body}/?$`, 'i'), literal };
}

export function compileSpec(spec: ApiSpec): CompiledSpec {
  const byMethod = new Map<string, { op: SpecOperation; re: RegExp; literal: number }[]>();
  for (const op of spec.operations) {
    const m = op.method.toUpperCase();
    const list = byMethod.get(m) ?? [];
    list.push({ op, ...templateRegex(op.pathTemplate) });
    byMethod.set(m, list);
  }
  // Most literal first, so /users/me wins over /users/{id}.
  for (const list of byMethod.values()) list.sort((a, b) => b.literal - a.literal);
  return { operations: spec.operations, byMethod, answers: new Map() };
}

/** The documented operation a request falls under, or null (HEAD is judged as GET). */
export function matchSpec(spec: CompiledSpec, method: string, path: string): SpecOperation | null {
  let byPath = spec.answers.get(method);
  if (byPath === undefined) {
    if (spec.answers.size >= 64) spec.answers.clear();
    spec.answers.set(method, (byPath = new Map()));
  }
  let op = byPath.get(path);
  if (op === undefined) {
    op = lookup(spec, method, path);
    if (byPath.size >= 20_000) byPath.clear();
    byPath.set(path, op);
  }
  return op;
}

function lookup(spec: CompiledSpec, method: string, path: string): SpecOperation | null {
  const m = method.toUpperCase();
  const candidates = spec.byMethod.get(m) ?? (m === 'HEAD' ? spec.byMethod.get('GET') : undefined);
  if (!candidates) return null;
  let p = path;
  if (p.includes('%')) {
    try {
      p = decodeURI(p);
    } catch {
      // keep as written
    }
  }
  for (const c of candidates) if (c.re.test(p)) return c.op;
  return null;
}

/** Operations of a parsed OpenAPI 3.x or Swagger 2.0 document, server base paths prefixed. */
export function specFromOpenApi(doc: unknown): ApiSpec {
  if (!doc || typeof doc !== 'object') throw new Error('spec is not an object');
  const d = doc as Record<string, unknown>;
  const paths = d.paths;
  if (!paths || typeof paths !== 'object') throw new Error('spec has no paths object');
  const bases = new Set<string>();
  if (typeof d.basePath === 'string') bases.add(d.basePath.replace(/\/+$/, ''));
  if (Array.isArray(d.servers)) {
    for (const s of d.servers as { url?: unknown }[]) {
      if (typeof s?.url !== 'string') continue;
      const path = s.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\{[^}]*\}/g, '').replace(/\/+$/, '');
      bases.add(path.startsWith('/') || path === '' ? path : `/${path}`);
    }
  }
  if (bases.size === 0) bases.add('');
  const operations: SpecOperation[] = [];
  for (const [template, item] of Object.entries(paths as Record<string, unknown>)) {
    if (!item || typeof item !== 'object') continue;
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as { deprecated?: unknown } | undefined;
      if (!op || typeof op !== 'object') continue;
      for (const base of bases) operations.push({ method: method.toUpperCase(), pathTemplate: `${base}${template.startsWith('/') ? '' : '/'}${template}`, deprecated: op.deprecated === true });
    }
  }
  return { operations };
}
