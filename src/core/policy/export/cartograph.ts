/**
 * The workbench's own rule pack (resources/schemas/rule-pack.schema.json), runnable by
 * `cartograph detect --rules`: a policy turned into detections, to watch what the policy would
 * catch in captures taken later. Rate limits become leaky-bucket window rules with NGINX's
 * arithmetic (capacity burst + 1, leaking limit per window).
 */
import { stringify as stringifyYaml } from 'yaml';
import { CATEGORIES, type PredicateSpec } from '../../detect/types.ts';
import { compileTemplate, hostRegexBody } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { Policy, PolicyRule, Scope } from '../types.ts';
import { enabledRules, Ledger, type ExportResult } from './bundle.ts';

export const CARTOGRAPH_FILE = 'cartograph-rules.yaml';

const DEFAULT_CATEGORY: Record<PolicyRule['type'], keyof typeof CATEGORIES> = {
  'rate-limit': 'resource-consumption',
  'access-list': 'scanner',
  'block-endpoints': 'zombie-api',
  'positive-model': 'shadow-api',
  signature: 'injection',
};

function categoryOf(rule: PolicyRule): keyof typeof CATEGORIES {
  const c = rule.source.categories?.find((x) => x in CATEGORIES);
  return (c as keyof typeof CATEGORIES | undefined) ?? DEFAULT_CATEGORY[rule.type];
}

const anyOf = (ps: PredicateSpec[]): PredicateSpec => (ps.length === 1 ? ps[0] : { any: ps });
const allOf = (ps: PredicateSpec[]): PredicateSpec => (ps.length === 1 ? ps[0] : { all: ps });

function pathsPredicate(paths: readonly string[]): PredicateSpec {
  return { field: 'path', regex: `^(?:${paths.map((p) => compileTemplate(p).body).join('|')})$`, caseSensitive: true };
}

function linePredicates(hosts: readonly string[] | undefined, methods: readonly string[] | undefined, paths: readonly string[] | undefined): PredicateSpec[] {
  const out: PredicateSpec[] = [];
  if (hosts?.length) out.push({ field: 'host', regex: `^(?:${hosts.map(hostRegexBody).join('|')})$` });
  if (methods?.length && !methods.includes('*')) out.push({ field: 'method', in: [...methods] });
  if (paths?.length) out.push(pathsPredicate(paths));
  return out;
}

const scopePredicates = (s: Scope | undefined) => (s ? linePredicates(s.hosts, s.methods, s.paths) : []);

/** An IPv4 CIDR on an octet boundary as a regex over the address; null otherwise. */
function cidrRegex(cidr: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(8|16|24|32)$/.exec(cidr);
  if (!m) return null;
  const octets = Number(m[5]) / 8;
  return `^${m.slice(1, 1 + octets).join('\\.')}${octets === 4 ? '$' : '\\.'}`;
}

const ruleId = (id: string) => `policy.${id.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/\.+/g, '.').replace(/(^|\.)-+|-+($|\.)/g, '$1$2').replace(/^\.|\.$/g, '') || 'rule'}`;

export function exportCartograph(policy: Policy): ExportResult {
  const ledger = new Ledger();
  const rules: Record<string, unknown>[] = [];
  const base = (rule: PolicyRule, kind: 'match' | 'window', title: string) => ({
    id: ruleId(rule.id),
    kind,
    category: categoryOf(rule),
    title: title.slice(0, 200),
    ...(rule.description ? { description: rule.description } : {}),
    severity: rule.action === 'block' ? 'high' : rule.action === 'throttle' ? 'medium' : 'low',
    confidence: 0.9,
    evidence: `{count} request(s) from {actor} to {endpoint} would meet policy rule ${rule.id} (${rule.action}).`,
  });
  for (const rule of enabledRules(policy)) {
    switch (rule.type) {
      case 'rate-limit': {
        const filter = scopePredicates(rule.scope);
        rules.push({
          ...base(rule, 'window', `Over the policy rate limit ${rule.id}`),
          ...(filter.length ? { filter: allOf(filter) } : {}),
          key: [rule.key],
          bucket: { capacity: rule.burst + 1, leakPerSecond: rule.limit / (rule.windowMs / 1000) },
          threshold: { count: 1 },
        });
        ledger.done(rule);
        break;
      }
      case 'access-list': {
        const listed: PredicateSpec[] = [];
        if (rule.ips?.length) listed.push({ field: 'ip', in: rule.ips });
        const cidrs = (rule.cidrs ?? []).map((c) => ({ c, re: cidrRegex(c) }));
        for (const { re } of cidrs) if (re) listed.push({ field: 'ip', regex: re });
        const odd = cidrs.filter((x) => !x.re).map((x) => x.c);
        if (odd.length) ledger.skip(rule, 'the rule language matches addresses by value or regex: only IPv4 blocks on octet boundaries (/8, /16, /24, /32) are exported', `cidrs ${odd.join(', ')}`);
        if (rule.principals?.length) listed.push({ field: 'principal', in: rule.principals });
        for (const u of rule.userAgents ?? []) listed.push('contains' in u ? { field: 'user-agent', contains: u.contains } : { field: 'user-agent', regex: u.regex, caseSensitive: true });
        if (rule.countries?.length) ledger.skip(rule, 'the detection engine has no country field', 'countries');
        if (!listed.length) break;
        const hit = rule.mode === 'deny' ? anyOf(listed) : { not: anyOf(listed) };
        rules.push({ ...base(rule, 'match', `Policy ${rule.mode} list ${rule.id}`), match: allOf([...scopePredicates(rule.scope), hit]), group: ['actor'] });
        ledger.done(rule);
        break;
      }
      case 'block-endpoints': {
        const parts = rule.endpoints.map((e) => allOf(linePredicates(e.host ? [e.host] : undefined, [e.method], [e.path])));
        if (rule.methods.length) parts.push({ field: 'method', in: rule.methods });
        rules.push({ ...base(rule, 'match', `Blocked endpoint called (${rule.id})`), match: anyOf(parts), group: ['actor', 'endpoint'] });
        ledger.done(rule);
        break;
      }
      case 'positive-model': {
        const ops = rule.operations.map((o) => allOf(linePredicates(o.host ? [o.host] : undefined, [o.method], [o.path])));
        rules.push({ ...base(rule, 'match', `Operation outside the positive model (${rule.id})`), match: { not: anyOf(ops) }, group: ['actor', 'endpoint'] });
        if (rule.operations.some((o) => o.parameters?.length || o.requestBody)) ledger.skip(rule, 'the rule language does not validate parameters or bodies against schemas', 'parameters and request bodies');
        ledger.done(rule);
        break;
      }
      case 'signature': {
        rules.push({
          ...base(rule, 'match', `Policy signature block ${rule.id}`),
          evidence: `{count} request(s) from {actor} to {endpoint} carried {signature} payloads such as {sample} in {where} (policy rule ${rule.id}).`,
          match: allOf([...scopePredicates(rule.scope), { signature: rule.signatures.join(','), targets: rule.targets }]),
        });
        ledger.done(rule);
        break;
      }
    }
  }
  const pack = { name: `policy-${policy.name}`.slice(0, 120), description: `Detections for Cartograph policy ${policy.name} revision ${policyRevision(policy)}.`, rules };
  return ledger.result([{ path: CARTOGRAPH_FILE, content: stringifyYaml(pack, { lineWidth: 0, aliasDuplicateObjects: false }) }]);
}
