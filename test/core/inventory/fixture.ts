/**
 * Workspaces of labelled traffic for inventory tests and the bench: the detection generator's
 * exchanges written through the real importer's writer, and the ground-truth templates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Har } from 'har-format';
import { parse as parseYaml } from 'yaml';
import { openWorkspace, type Db } from '../../../src/core/store/db.ts';
import { ExchangeWriter } from '../../../src/core/store/writer.ts';
import { splitUrl, type Exchange, type StoredExchange } from '../../../src/core/model/exchange.ts';
import { shared } from '../../helpers/paths.ts';
import { registerQueryFunctions } from '../../../src/core/query/index.ts';

let n = 0;

/** `dir`: tests pass tempDir() (cleaned after the file), the bench its own folder. */
export function emptyWorkspace(dir: string): { db: Db; path: string } {
  const path = join(dir, `inv-${++n}.sqlite`);
  const db = openWorkspace(path, { create: true });
  registerQueryFunctions(db);
  return { db, path };
}

/** Writes exchanges as one source (named `name`) through the importer's writer. */
export function importExchanges(db: Db, name: string, exchanges: Iterable<Exchange>): number {
  const sourceId = Number(db.prepare(`INSERT INTO sources (name, path, sha256, format, size, status, imported, started_at) VALUES (?, ?, ?, 'har', 0, 'complete', 0, 0)`)
    .run(name, `/captures/${name}`, `${name}-${Date.now()}-${Math.random()}`).lastInsertRowid);
  const w = new ExchangeWriter(db, sourceId, { batchSize: 5000 });
  let i = 0;
  for (const e of exchanges) w.add(i++, e);
  w.flush();
  return w.written;
}

/** Ground truth: the template a concrete path belongs to, from a list of {param} templates. */
export function truthMatcher(templates: readonly { method: string; template: string }[]): (method: string, path: string) => string | null {
  const compiled = templates.map((t) => ({
    method: t.method,
    template: t.template,
    re: new RegExp(`^${t.template.split('/').map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
    literal: !t.template.includes('{'),
  }));
  // Literal templates win over parameterised ones (/users/me before /users/{userId}).
  compiled.sort((a, b) => Number(b.literal) - Number(a.literal));
  return (method, path) => compiled.find((c) => c.method === method && c.re.test(path))?.template ?? null;
}

/** Template with parameter names erased: names are not what accuracy is about. */
export const shape = (t: string): string => t.replace(/\{[^}/]*\}/g, '{}');

export interface Accuracy {
  precision: number;
  recall: number;
  truth: number;
  inferred: number;
  correct: number;
}

/**
 * Endpoint-level accuracy: of the inferred method+template pairs that hold labelled traffic, how
 * many are exactly a true template (precision); of the true templates seen, how many were
 * inferred exactly (recall). Parameter names are ignored.
 */
export function accuracy(
  labelled: Iterable<{ method: string; path: string; truth: string | null }>,
  inferredOf: (method: string, path: string) => string,
): Accuracy {
  const inferred = new Set<string>();
  const truth = new Set<string>();
  for (const e of labelled) {
    if (e.truth === null) continue;
    truth.add(`${e.method} ${shape(e.truth)}`);
    inferred.add(`${e.method} ${shape(inferredOf(e.method, e.path))}`);
  }
  let correct = 0;
  for (const t of inferred) if (truth.has(t)) correct++;
  return { precision: inferred.size ? correct / inferred.size : 0, recall: truth.size ? correct / truth.size : 0, truth: truth.size, inferred: inferred.size, correct };
}

/** A real recording of Okta's management API (JupiterOne graph-okta) with Okta's published spec. */
export const OKTA_HAR = shared('har/JupiterOne__graph-okta/steps_741716276/recording.har');
export const OKTA_SPEC = shared('openapi/okta__okta-management-openapi-spec/management-minimal.yaml');

/** A HAR file's entries as exchanges (enough of them for the inventory; the importer is tested elsewhere). */
export function harExchanges(file: string): StoredExchange[] {
  const har = JSON.parse(readFileSync(file, 'utf8')) as Har;
  const enc = new TextEncoder();
  return har.log.entries.map((en, i) => ({
    id: i + 1, sourceId: 1, time: Date.parse(en.startedDateTime), method: en.request.method, ...splitUrl(en.request.url), httpVersion: 'HTTP/1.1',
    requestHeaders: en.request.headers.map((h) => [h.name, h.value] as const), requestBody: en.request.postData?.text ? enc.encode(en.request.postData.text) : null,
    status: en.response.status, statusText: en.response.statusText, responseHeaders: en.response.headers.map((h) => [h.name, h.value] as const),
    responseBody: en.response.content.text ? enc.encode(en.response.content.text) : null, responseSize: null, requestSize: null, durationMs: en.time,
    clientIp: null, serverIp: null, error: null, websocket: null, extra: null, principal: null, principalKind: null, ip: null,
  }));
}

/** Truth from a published OpenAPI document's paths. */
export function specTruth(file: string): (method: string, path: string) => string | null {
  const spec = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as { paths: Record<string, Record<string, unknown>> };
  const ops: { method: string; template: string }[] = [];
  for (const [template, item] of Object.entries(spec.paths)) for (const m of Object.keys(item)) if (/^(get|put|post|delete|patch)$/.test(m)) ops.push({ method: m.toUpperCase(), template });
  return truthMatcher(ops);
}
