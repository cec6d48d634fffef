/**
 * Loading a published API description (OpenAPI 3.0/3.1 or Swagger 2.0, YAML or JSON) into the
 * flat form the diff needs: one entry per operation with its parameters and JSON body schemas,
 * server base paths prefixed. $refs are resolved by swagger-parser, never outside the document
 * (a hostile spec must not make us read files or fetch URLs). A broken $ref is a warning naming
 * where, not a failure: real specs (Okta's) ship some, and the rest of the document is still useful.
 * Recursive schemas resolve to object cycles: every walk over them is bounded in depth.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ApiSpec } from '../../detect/types.ts';
import { jsonErrorOffset, lineColumn } from './json-error.ts';
import type { JsonSchema } from './schema.ts';

export const MAX_SPEC_BYTES = 64 * 1024 * 1024;

export type ParamLocation = 'query' | 'path' | 'header' | 'cookie';

export interface SpecParam {
  in: ParamLocation;
  name: string;
  required: boolean;
  schema: JsonSchema | null;
}

export interface SpecOp {
  method: string;
  /** Template with the server base path prefixed: what traffic paths are matched against. */
  pathTemplate: string;
  /** The key under `paths` as written in the document. */
  specPath: string;
  deprecated: boolean;
  operationId: string | null;
  parameters: SpecParam[];
  /** Schema of the JSON (or form) request body; null when none is documented. */
  requestBody: JsonSchema | null;
  /** JSON response schemas by status key as written ('200', '2XX', 'default'). */
  responses: Record<string, JsonSchema | null>;
  /** JSON pointer of the operation in the document, for messages. */
  pointer: string;
}

export interface PublishedSpec {
  /** File name or label the spec came from. */
  source: string;
  title: string;
  version: string;
  /** `2.0`, `3.0.3`, `3.1.0`… as the document says. */
  openapi: string;
  operations: SpecOp[];
  /** Query parameters that carry credentials (apiKey security schemes): documented everywhere. */
  credentialQueryParams: string[];
  /** Problems that did not stop loading (unresolvable $refs…), each naming where. */
  warnings: string[];
}

/** The document could not be used; `where` is a line/column or a JSON pointer. */
export class SpecError extends Error {
  override name = 'SpecError';
  readonly where: string | null;
  constructor(message: string, where: string | null = null) {
    super(where ? `${message} (at ${where})` : message);
    this.where = where;
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function pointerEscape(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Parses YAML or JSON text; syntax errors name their line and column. */
export function parseSpecText(text: string, source: string): unknown {
  if (text.length > MAX_SPEC_BYTES) throw new SpecError(`${source} is larger than ${MAX_SPEC_BYTES} bytes`);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new SpecError(`${source} is empty`);
  if (/^\s*[{[]/.test(body)) {
    // Read as JSON only: YAML's flow syntax would accept broken JSON and hide where it broke.
    try {
      return JSON.parse(body);
    } catch (err) {
      const offset = jsonErrorOffset(body);
      const at = offset < 0 ? null : lineColumn(body, offset);
      const reason = (err as Error).message.replace(/, "(?:[^"\\]|\\.)*" is not valid JSON$/, '');
      throw new SpecError(`${source} is not valid JSON: ${reason}`, at ? `line ${at.line}, column ${at.column}` : null);
    }
  }
  try {
    return parseYaml(body, { maxAliasCount: 1000, uniqueKeys: false });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      throw new SpecError(`${source} is not valid YAML: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, pos ? `line ${pos.line}, column ${pos.col}` : null);
    }
    throw new SpecError(`${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Removes `example`/`examples` values: they are literal data, yet the resolver follows `$ref`s
 * inside them (Okta's spec has examples quoting JSON Schemas with dangling refs). Property maps
 * keep their keys: a field may well be called "example".
 */
function stripExamples(node: unknown, depth = 0): void {
  if (depth > 200 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) stripExamples(x, depth + 1);
    return;
  }
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key === 'example' || key === 'examples' || key === 'x-examples') {
      if (typeof obj[key] === 'object' || key === 'example') delete obj[key];
      continue;
    }
    if (key === 'properties' || key === 'patternProperties') {
      const props = obj[key];
      if (props && typeof props === 'object') for (const v of Object.values(props)) stripExamples(v, depth + 1);
      continue;
    }
    stripExamples(obj[key], depth + 1);
  }
}

function describeVersion(doc: Record<string, unknown>, source: string): string {
  if (typeof doc.swagger === 'string' || typeof doc.swagger === 'number') {
    const v = String(doc.swagger);
    if (v !== '2.0') throw new SpecError(`${source}: Swagger version ${v} is not supported (2.0, OpenAPI 3.0 and 3.1 are)`, '#/swagger');
    return v;
  }
  if (typeof doc.openapi === 'string') {
    if (!/^3\.[01]\.\d+/.test(doc.openapi)) throw new SpecError(`${source}: OpenAPI version ${doc.openapi} is not supported (2.0, 3.0 and 3.1 are)`, '#/openapi');
    return doc.openapi;
  }
  throw new SpecError(`${source} is not an OpenAPI document: no "openapi" or "swagger" version field at the top level`, '#/');
}

interface RefError {
  message?: string;
  path?: (string | number)[];
}

/** Resolves every internal $ref in place; returns the resolved document and warnings. */
async function dereference(doc: Record<string, unknown>, source: string): Promise<{ doc: Record<string, unknown>; warnings: string[] }> {
  const options = { continueOnError: true, resolve: { external: false }, dereference: { circular: true }, validate: { schema: false, spec: false } };
  try {
    const out = (await SwaggerParser.dereference(doc as never, options as never)) as unknown as Record<string, unknown>;
    return { doc: out, warnings: [] };
  } catch (err) {
    const group = err as { errors?: RefError[]; files?: { schema?: unknown } };
    if (Array.isArray(group.errors) && group.files?.schema && typeof group.files.schema === 'object') {
      const warnings = group.errors.slice(0, 50).map((e) => {
        const where = e.path ? `#/${e.path.map((p) => pointerEscape(String(p))).join('/')}` : 'unknown place';
        return `${(e.message ?? 'unresolvable $ref').split('\n')[0]} (at ${where})`;
      });
      if (group.errors.length > 50) warnings.push(`…and ${group.errors.length - 50} more unresolvable $refs`);
      return { doc: group.files.schema as Record<string, unknown>, warnings };
    }
    throw new SpecError(`${source}: cannot resolve references: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** $refs left pointing outside the document: never followed, reported so the reader knows. */
function externalRefs(node: unknown, path: string, out: string[], seen: Set<object>, depth = 0): void {
  if (out.length >= 20 || depth > 60 || node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string' && !obj.$ref.startsWith('#')) {
    out.push(`external $ref ${JSON.stringify(obj.$ref.slice(0, 200))} is not followed (at #${path})`);
    return;
  }
  for (const [k, v] of Object.entries(obj)) externalRefs(v, `${path}/${pointerEscape(k)}`, out, seen, depth + 1);
}

function asObject(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** The schema of the first JSON-ish (else form, else any) media type of a content map. */
function contentSchema(content: unknown): JsonSchema | null {
  const c = asObject(content);
  if (!c) return null;
  const types = Object.keys(c);
  const pick = types.find((t) => /[/+]json\b/i.test(t)) ?? types.find((t) => /x-www-form-urlencoded|multipart\/form-data/i.test(t)) ?? types.find((t) => t === '*/*');
  if (!pick) return null;
  return asObject(asObject(c[pick])?.schema) as JsonSchema | null;
}

/** A Swagger 2.0 non-body parameter carries its type inline; 3.x puts it under `schema`. */
function paramSchema(p: Record<string, unknown>): JsonSchema | null {
  const s = asObject(p.schema);
  if (s) return s as JsonSchema;
  if (typeof p.type === 'string') {
    const { type, format, items, enum: en } = p as JsonSchema;
    return { type, ...(format ? { format } : {}), ...(items ? { items } : {}), ...(en ? { enum: en } : {}) } as JsonSchema;
  }
  return null;
}

function serverBases(doc: Record<string, unknown>): string[] {
  const bases = new Set<string>();
  if (typeof doc.basePath === 'string') bases.add(doc.basePath.replace(/\/+$/, ''));
  if (Array.isArray(doc.servers)) {
    for (const s of doc.servers as { url?: unknown }[]) {
      if (typeof s?.url !== 'string') continue;
      // Server variables in the path part ({basePath}) are dropped; the host part is not compared.
      const path = s.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/^\{[^}]*\}/, '').replace(/\{[^}]*\}/g, '').replace(/\/+$/, '');
      bases.add(path === '' || path.startsWith('/') ? path : `/${path}`);
    }
  }
  if (bases.size === 0) bases.add('');
  return [...bases];
}

function operationsOf(doc: Record<string, unknown>, swagger2: boolean): SpecOp[] {
  const paths = asObject(doc.paths);
  if (!paths) return [];
  const bases = serverBases(doc);
  const ops: SpecOp[] = [];
  for (const [specPath, rawItem] of Object.entries(paths)) {
    const item = asObject(rawItem);
    if (!item) continue;
    const shared = Array.isArray(item.parameters) ? (item.parameters as unknown[]) : [];
    for (const method of METHODS) {
      const op = asObject(item[method]);
      if (!op) continue;
      const pointer = `#/paths/${pointerEscape(specPath)}/${method}`;
      const params = new Map<string, SpecParam>();
      let requestBody: JsonSchema | null = null;
      const formFields: Record<string, JsonSchema> = {};
      for (const raw of [...shared, ...(Array.isArray(op.parameters) ? (op.parameters as unknown[]) : [])]) {
        const p = asObject(raw);
        if (!p || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
        if (p.in === 'body') requestBody = asObject(p.schema) as JsonSchema | null;
        else if (p.in === 'formData') formFields[p.name] = paramSchema(p) ?? {};
        else if (p.in === 'query' || p.in === 'path' || p.in === 'header' || p.in === 'cookie') {
          params.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, { in: p.in, name: p.name, required: p.required === true || p.in === 'path', schema: paramSchema(p) });
        }
      }
      if (!swagger2) requestBody = contentSchema(asObject(op.requestBody)?.content);
      else if (!requestBody && Object.keys(formFields).length > 0) requestBody = { type: 'object', properties: formFields };
      const responses: Record<string, JsonSchema | null> = {};
      for (const [status, rawResp] of Object.entries(asObject(op.responses) ?? {})) {
        const r = asObject(rawResp);
        if (!r) continue;
        responses[status] = swagger2 ? (asObject(r.schema) as JsonSchema | null) : contentSchema(r.content);
      }
      for (const base of bases) {
        ops.push({
          method: method.toUpperCase(),
          pathTemplate: `${base}${specPath.startsWith('/') ? '' : '/'}${specPath}`,
          specPath,
          deprecated: op.deprecated === true,
          operationId: typeof op.operationId === 'string' ? op.operationId : null,
          parameters: [...params.values()],
          requestBody,
          responses,
          pointer,
        });
      }
    }
  }
  return ops;
}

export interface LoadedSpec {
  spec: PublishedSpec;
  /** What detection keeps (src/core/detect): operations and deprecated flags. */
  detect: ApiSpec;
}

/** Loads a spec from its text; throws SpecError for anything that is not a usable API description. */
export async function loadSpec(text: string, source: string): Promise<LoadedSpec> {
  const parsed = parseSpecText(text, source);
  const doc = asObject(parsed);
  if (!doc) throw new SpecError(`${source} is not an OpenAPI document: the top level is ${Array.isArray(parsed) ? 'an array' : typeof parsed}, not an object`);
  const openapi = describeVersion(doc, source);
  if (!asObject(doc.paths)) {
    if (doc.paths !== undefined) throw new SpecError(`${source}: "paths" is not an object`, '#/paths');
    if (!asObject(doc.webhooks)) throw new SpecError(`${source} documents no paths`, '#/paths');
  }
  stripExamples(doc);
  const { doc: resolved, warnings } = await dereference(doc, source);
  externalRefs(resolved, '', warnings, new Set());
  const info = asObject(resolved.info);
  const operations = operationsOf(resolved, openapi === '2.0');
  const schemes = asObject(asObject(resolved.components)?.securitySchemes) ?? asObject(resolved.securityDefinitions) ?? {};
  const credentialQueryParams = Object.values(schemes)
    .map(asObject)
    .filter((s) => s?.type === 'apiKey' && s.in === 'query' && typeof s.name === 'string')
    .map((s) => s!.name as string);
  if (operations.length === 0) warnings.push('the spec documents no operations: all traffic will read as undocumented');
  return {
    spec: { source, title: typeof info?.title === 'string' ? info.title : source, version: info?.version === undefined ? '' : String(info.version), openapi, operations, credentialQueryParams, warnings },
    detect: { operations: operations.map((o) => ({ method: o.method, pathTemplate: o.pathTemplate, deprecated: o.deprecated })) },
  };
}
