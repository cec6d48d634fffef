/**
 * OPA: a bundle (bundle.tar.gz) with `.manifest` (revision and root), a Rego v1 policy
 * (cartograph/policy.rego, package cartograph.policy) and the rule data it reads
 * (cartograph/data.json → data.cartograph). The policy judges one request given as input:
 *
 *   { "method", "host", "path", "ip", "principal", "country",
 *     "headers": { lower-case name: value }, "query": { name: [values] },
 *     "cookies": { name: value }, "body": "raw text" }
 *
 * `allow` is true when no blocking rule matched; `deny` and `logged` list the matches. OPA is
 * stateless, so rate limits are left to the gateway in front of it.
 */
import { lineRegex, escapeRegex, hasScope } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { Policy, PolicyRule } from '../types.ts';
import { enabledRules, Ledger, type ExportResult } from './bundle.ts';
import { tarGz } from './tar.ts';
import { signatureExport } from './signatures.ts';

export const OPA_BUNDLE_FILE = 'bundle.tar.gz';
export const OPA_POLICY_PATH = 'cartograph/policy.rego';
export const OPA_DATA_PATH = 'cartograph/data.json';

export const REGO_POLICY = `# Cartograph policy decision (OPA bundle; data under data.cartograph).
package cartograph.policy

import rego.v1

default allow := false

allow if count(deny) == 0

deny contains m if {
	some m in matches
	m.action != "log"
}

logged contains m if {
	some m in matches
	m.action == "log"
}

headers := object.get(input, "headers", {})

line := sprintf("%s %s %s", [lower(object.get(input, "host", "")), upper(object.get(input, "method", "")), object.get(input, "path", "/")])

in_scope(r) if not r.scope

in_scope(r) if regex.match(r.scope, line)

ip_listed(r) if {
	some cidr in r.cidrs
	net.cidr_contains(cidr, input.ip)
}

listed(r) if ip_listed(r)

listed(r) if {
	some p in r.principals
	p == input.principal
}

listed(r) if {
	some re in r.user_agents
	regex.match(re, object.get(headers, "user-agent", ""))
}

listed(r) if {
	some c in r.countries
	c == upper(object.get(input, "country", ""))
}

matches contains {"rule": r.id, "action": r.action, "reason": "on the deny list"} if {
	some r in data.cartograph.access_lists
	r.mode == "deny"
	in_scope(r)
	listed(r)
}

matches contains {"rule": r.id, "action": r.action, "reason": "not on the allow list"} if {
	some r in data.cartograph.access_lists
	r.mode == "allow"
	in_scope(r)
	not listed(r)
}

matches contains {"rule": r.id, "action": r.action, "reason": "endpoint is blocked"} if {
	some r in data.cartograph.blocked_endpoints
	some re in r.lines
	regex.match(re, line)
}

known(model) if {
	some op in model.operations
	regex.match(op.line, line)
}

matches contains {"rule": m.id, "action": m.action, "reason": "not an allowed operation"} if {
	some m in data.cartograph.positive_models
	not known(m)
}

query := object.get(input, "query", {})

matches contains {"rule": m.id, "action": m.action, "reason": sprintf("undeclared query parameter %s", [name])} if {
	some m in data.cartograph.positive_models
	m.reject_unknown_parameters
	some op in m.operations
	regex.match(op.line, line)
	some name, _ in query
	not name in op.query_names
}

matches contains {"rule": m.id, "action": m.action, "reason": sprintf("required query parameter %s is missing", [p.name])} if {
	some m in data.cartograph.positive_models
	some op in m.operations
	regex.match(op.line, line)
	some p in op.query
	p.required
	not query[p.name]
}

matches contains {"rule": m.id, "action": m.action, "reason": sprintf("query parameter %s is invalid", [p.name])} if {
	some m in data.cartograph.positive_models
	some op in m.operations
	regex.match(op.line, line)
	some p in op.query
	p.pattern != ""
	some v in object.get(query, p.name, [])
	not regex.match(p.pattern, v)
}

values_for("path") := [object.get(input, "path", "")]

values_for("url") := [concat("?", [object.get(input, "path", ""), object.get(input, "raw_query", "")])]

values_for("query") := array.concat([v | some vs in query; some v in vs], [k | some k, _ in query])

values_for("headers") := [v | some k, v in headers; not k in boring_headers]

values_for("cookies") := array.concat([v | some _, v in object.get(input, "cookies", {})], [k | some k, _ in object.get(input, "cookies", {})])

values_for("user-agent") := [object.get(headers, "user-agent", "")]

values_for("body") := [object.get(input, "body", "")]

boring_headers := {"accept", "accept-encoding", "accept-language", "authorization", "connection", "content-length", "content-type", "cookie", "host"}

matches contains {"rule": s.rule, "action": s.action, "reason": sprintf("%s signature in %s", [s.library, t])} if {
	some s in data.cartograph.signatures
	in_scope(s)
	some t in s.targets
	some v in values_for(t)
	regex.match(s.regex, lower(urlquery.decode(v)))
}
`;

const cidrOf = (ip: string): string => (ip.includes('/') ? ip : ip.includes(':') ? `${ip}/128` : `${ip}/32`);

/** Simple parameter schemas (type, enum) as a regex over the raw value; "" = not checked. */
function valuePattern(schema: Record<string, unknown> | undefined): string {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return `^(?:${schema.enum.map((x) => escapeRegex(String(x))).join('|')})$`;
  return schema.type === 'integer' ? '^-?[0-9]+$' : schema.type === 'number' ? '^-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$' : schema.type === 'boolean' ? '^(?:true|false)$' : '';
}

export function exportOpa(policy: Policy, mtime: number): ExportResult {
  const ledger = new Ledger();
  const data = { access_lists: [] as unknown[], blocked_endpoints: [] as unknown[], positive_models: [] as unknown[], signatures: [] as unknown[] };
  const scopeOf = (r: PolicyRule) => ('scope' in r && hasScope(r.scope) ? { scope: lineRegex(r.scope.hosts, r.scope.methods, r.scope.paths) } : {});
  for (const r of enabledRules(policy)) {
    switch (r.type) {
      case 'rate-limit':
        ledger.skip(r, 'OPA decisions are stateless; enforce rate limits at the gateway (nginx, kong or aws-waf export)');
        break;
      case 'access-list':
        data.access_lists.push({
          id: r.id,
          action: r.action,
          mode: r.mode,
          ...scopeOf(r),
          cidrs: [...(r.ips ?? []), ...(r.cidrs ?? [])].map(cidrOf),
          principals: r.principals ?? [],
          user_agents: (r.userAgents ?? []).map((u) => ('contains' in u ? `(?i)${escapeRegex(u.contains)}` : u.regex)),
          countries: r.countries ?? [],
        });
        ledger.done(r);
        break;
      case 'block-endpoints':
        data.blocked_endpoints.push({
          id: r.id,
          action: r.action,
          lines: [...r.endpoints.map((e) => lineRegex(e.host ? [e.host] : undefined, [e.method], [e.path])), ...r.methods.map((m) => `^[^ ]+ ${escapeRegex(m)} `)],
        });
        ledger.done(r);
        break;
      case 'positive-model':
        data.positive_models.push({
          id: r.id,
          action: r.action,
          reject_unknown_parameters: r.unknownParameters === 'reject',
          operations: r.operations.map((op) => {
            const query = (op.parameters ?? []).filter((p) => p.in === 'query');
            return {
              line: lineRegex(op.host ? [op.host] : undefined, [op.method], [op.path]),
              query_names: query.map((p) => p.name),
              query: query.map((p) => ({ name: p.name, required: p.required === true, pattern: valuePattern(p.schema) })),
            };
          }),
        });
        if (r.operations.some((o) => o.requestBody?.schema)) ledger.skip(r, 'the Rego policy does not validate JSON bodies against schemas; use the kong or openapi export', 'request body schemas');
        ledger.done(r);
        break;
      case 'signature': {
        let any = false;
        for (const lib of r.signatures) {
          const x = signatureExport(lib);
          if (!x) {
            ledger.skip(r, `the ${lib} library has no enforcer form`, lib);
            continue;
          }
          data.signatures.push({ rule: r.id, action: r.action, library: lib, regex: x.regex, targets: r.targets, ...scopeOf(r) });
          any = true;
        }
        if (any) ledger.done(r);
        break;
      }
    }
  }
  const revision = policyRevision(policy);
  const inner = [
    { path: '.manifest', content: `${JSON.stringify({ revision, roots: ['cartograph'], metadata: { policy: policy.name, generator: 'cartograph' } }, null, 2)}\n` },
    { path: OPA_POLICY_PATH, content: REGO_POLICY },
    { path: OPA_DATA_PATH, content: `${JSON.stringify(data, null, 2)}\n` },
  ];
  ledger.notes.push('query: POST the request as input to /v1/data/cartograph/policy (allow, deny, logged)');
  return ledger.result([{ path: OPA_BUNDLE_FILE, content: tarGz(inner, mtime) }]);
}
