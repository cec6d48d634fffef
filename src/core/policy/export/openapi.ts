/**
 * OpenAPI 3.1: the positive security model as a document gateways and validators load (allowed
 * operations, their parameters and body schemas). Rate limits travel as an `x-cartograph-rate-limits`
 * extension; deny lists and signatures have no OpenAPI form and are listed as skipped.
 */
import { compileTemplate } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { Operation, Policy, PositiveModelRule } from '../types.ts';
import { enabledRules, Ledger, PolicyExportError, type ExportResult } from './bundle.ts';

export const OPENAPI_FILE = 'openapi.json';

function operationId(op: Operation, used: Set<string>): string {
  const base = `${op.method.toLowerCase()}${op.path.replace(/\{([^}]+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
  let id = base || op.method.toLowerCase();
  for (let n = 2; used.has(id); n++) id = `${base}${n}`;
  used.add(id);
  return id;
}

export function exportOpenApi(policy: Policy): ExportResult {
  const ledger = new Ledger();
  const models = enabledRules(policy).filter((r): r is PositiveModelRule => r.type === 'positive-model');
  if (!models.length) throw new PolicyExportError('the openapi format exports the positive security model, and this policy has no enabled positive-model rule');
  const paths: Record<string, Record<string, unknown>> = {};
  const hosts = new Set<string>();
  const used = new Set<string>();
  for (const rule of models) {
    let wildcards = 0;
    for (const op of rule.operations) {
      if (!compileTemplate(op.path).literal && /(?:^|\/)\*\*?(?:\/|$)/.test(op.path)) {
        wildcards++;
        continue;
      }
      if (op.host && !op.host.startsWith('*.')) hosts.add(op.host);
      const method = op.method.toLowerCase();
      const item = (paths[op.path] ??= {});
      if (item[method]) {
        ledger.notes.push(`${rule.id}: ${op.method} ${op.path} is allowed on several hosts; OpenAPI paths are host-independent, so it is listed once`);
        continue;
      }
      const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
      const parameters = [
        ...(op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.in === 'path' ? true : p.required === true, schema: p.schema ?? { type: 'string' } })),
        // OpenAPI requires every {placeholder} to be declared.
        ...[...op.path.matchAll(/\{([^}]+)\}/g)].filter((m) => !declared.has(m[1])).map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ];
      const operation: Record<string, unknown> = { operationId: operationId(op, used), responses: { default: { description: 'Any response the API gives.' } } };
      if (op.host) operation['x-cartograph-host'] = op.host;
      if (parameters.length) operation.parameters = parameters;
      if (op.requestBody) {
        const types = op.requestBody.contentTypes?.length ? op.requestBody.contentTypes : ['application/json'];
        operation.requestBody = { required: op.requestBody.required === true, content: Object.fromEntries(types.map((t) => [t, op.requestBody!.schema ? { schema: op.requestBody!.schema } : {}])) };
      }
      item[method] = operation;
    }
    if (wildcards) ledger.skip(rule, 'OpenAPI paths cannot hold * or ** wildcards', `${wildcards} wildcard operation(s)`);
    ledger.done(rule);
  }
  const rateLimits = enabledRules(policy).flatMap((r) => (r.type === 'rate-limit' ? [{ id: r.id, key: r.key, limit: r.limit, windowSeconds: r.windowMs / 1000, burst: r.burst, action: r.action, ...(r.scope ? { scope: r.scope } : {}) }] : []));
  for (const r of enabledRules(policy)) {
    if (r.type === 'rate-limit') ledger.done(r);
    else if (r.type !== 'positive-model') ledger.skip(r, `OpenAPI has no form for ${r.type} rules; use the nginx, kong, modsecurity, opa or aws-waf export`);
  }
  const doc = {
    openapi: '3.1.0',
    info: {
      title: `${policy.name}: positive security model`,
      version: policyRevision(policy),
      description: `Operations the Cartograph policy ${JSON.stringify(policy.name)} allows; requests to anything else are rejected.${policy.description ? ` ${policy.description}` : ''}`,
    },
    ...(hosts.size ? { servers: [...hosts].sort().map((h) => ({ url: `https://${h}` })) } : {}),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1))),
    ...(rateLimits.length ? { 'x-cartograph-rate-limits': rateLimits } : {}),
  };
  return ledger.result([{ path: OPENAPI_FILE, content: `${JSON.stringify(doc, null, 2)}\n` }]);
}
