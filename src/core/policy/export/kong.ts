/**
 * Kong declarative configuration (`_format_version: "3.0"`, for `kong config db_import` or
 * DB-less mode). One service per host; the positive model becomes that service's only routes
 * (Kong answers 404 to anything else), each with a request-validator for its parameters and
 * body; blocked endpoints become routes ending in request-termination; rate-limiting,
 * ip-restriction, bot-detection (user agents) and acl (principals, as consumers) attach globally
 * or to the routes their scope covers. The upstream URL of each service is the API's own host.
 */
import { stringify as stringifyYaml } from 'yaml';
import { compileScope, compileTemplate, escapeRegex } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { AccessListRule, Operation, Policy, PolicyRule, RateLimitRule } from '../types.ts';
import { enabledRules, Ledger, type ExportResult } from './bundle.ts';

export const KONG_FILE = 'kong.yaml';

type Plugin = { name: string; config: Record<string, unknown>; tags?: string[] };
interface Route {
  name: string;
  paths: string[];
  methods?: string[];
  hosts?: string[];
  strip_path: boolean;
  regex_priority: number;
  tags: string[];
  plugins: Plugin[];
  /** The line the route stands for, to attach scoped plugins (not exported). */
  line?: { host?: string; method: string; path: string };
}

const name = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 120) || 'x';
const tag = (r: PolicyRule): string[] => ['cartograph', `cartograph-rule-${name(r.id)}`];

/** Kong rate-limiting counts per fixed window of a second, minute, hour or day. */
function rateConfig(r: RateLimitRule, ledger: Ledger): Record<string, unknown> {
  const units = [['second', 1000], ['minute', 60_000], ['hour', 3_600_000], ['day', 86_400_000]] as const;
  const exact = units.find(([, ms]) => ms === r.windowMs);
  const [unit, ms] = exact ?? units.find(([, ms]) => ms >= r.windowMs) ?? units[3];
  const limit = exact ? r.limit : Math.max(1, Math.ceil((r.limit * ms) / r.windowMs));
  if (!exact) ledger.notes.push(`${r.id}: ${r.limit} per ${r.windowMs / 1000}s expressed as ${limit} per ${unit}`);
  if (r.burst) ledger.notes.push(`${r.id}: Kong's rate-limiting counts fixed windows and has no burst; the burst of ${r.burst} is not applied`);
  return {
    [unit]: limit,
    policy: 'local',
    limit_by: r.key === 'ip' ? 'ip' : 'header',
    ...(r.key === 'principal' ? { header_name: 'Authorization' } : {}),
    fault_tolerant: true,
    hide_client_headers: false,
  };
}

function stringSchema(s: unknown): string {
  return JSON.stringify(s ?? { type: 'string' });
}

function validator(op: Operation): Plugin | null {
  const params = op.parameters ?? [];
  if (!params.length && !op.requestBody?.schema) return null;
  return {
    name: 'request-validator',
    config: {
      version: 'draft4',
      ...(op.requestBody?.schema ? { body_schema: JSON.stringify(op.requestBody.schema) } : {}),
      ...(op.requestBody?.contentTypes?.length ? { allowed_content_types: op.requestBody.contentTypes } : {}),
      ...(params.length
        ? {
            parameter_schema: params.map((p) => ({
              in: p.in,
              name: p.name,
              required: p.in === 'path' ? true : p.required === true,
              style: p.in === 'query' ? 'form' : 'simple',
              explode: false,
              schema: stringSchema(p.schema),
            })),
          }
        : {}),
      verbose_response: false,
    },
  };
}

export function exportKong(policy: Policy): ExportResult {
  const ledger = new Ledger();
  const rules = enabledRules(policy);
  const services = new Map<string, { name: string; url: string; routes: Route[]; plugins: Plugin[]; tags: string[] }>();
  const global: Plugin[] = [];
  const consumers = new Map<string, { username: string; tags: string[]; acls: { group: string }[] }>();
  const hostsOf = (h: string | undefined) => h ?? '*';
  const service = (host: string) => {
    let s = services.get(host);
    if (!s) {
      s = { name: `cartograph-${name(host === '*' ? 'any-host' : host)}`, url: `https://${host === '*' ? 'upstream.invalid' : host.replace(/^\*\./, '')}`, routes: [], plugins: [], tags: ['cartograph'] };
      services.set(host, s);
    }
    return s;
  };
  const regexPath = (p: string) => (compileTemplate(p).literal ? `~${escapeRegex(p)}$` : `~${compileTemplate(p).body}$`);
  const routeNames = new Set<string>();
  const routeName = (base: string) => {
    let n = name(base);
    for (let i = 2; routeNames.has(n); i++) n = `${name(base)}-${i}`;
    routeNames.add(n);
    return n;
  };

  // Positive model first: its routes are what scoped plugins attach to.
  const models = rules.filter((r) => r.type === 'positive-model');
  for (const rule of models) {
    for (const op of rule.operations) {
      const host = hostsOf(op.host);
      const v = validator(op);
      service(host).routes.push({
        name: routeName(`${op.method}-${op.host ?? ''}-${op.path}`),
        paths: [regexPath(op.path)],
        methods: [op.method],
        ...(op.host ? { hosts: [op.host] } : {}),
        strip_path: false,
        // Literal paths outrank templates (/users/me before /users/{id}).
        regex_priority: compileTemplate(op.path).literal ? 20 : 10,
        tags: tag(rule),
        plugins: v && rule.action === 'block' ? [v] : [],
        line: { host: op.host, method: op.method, path: op.path },
      });
    }
    if (rule.action === 'log') ledger.skip(rule, 'Kong cannot log-only unknown operations: its routes are the positive model; the routes are exported without validators', 'log-only enforcement');
    ledger.done(rule);
  }
  const routesInScope = (test: ReturnType<typeof compileScope>) =>
    [...services.values()].flatMap((s) => s.routes.filter((r) => r.line && (!test || test({ host: r.line.host ?? '', method: r.line.method, path: r.line.path }))));

  for (const rule of rules) {
    switch (rule.type) {
      case 'rate-limit': {
        if (rule.action === 'log') {
          ledger.skip(rule, "Kong's rate-limiting plugin always enforces; export the rule with action throttle");
          break;
        }
        const plugin: Plugin = { name: 'rate-limiting', config: rateConfig(rule, ledger), tags: tag(rule) };
        attach(rule, plugin, rule.scope ? compileScope(rule.scope) : null);
        ledger.done(rule);
        break;
      }
      case 'access-list': {
        if (rule.action === 'log') {
          ledger.skip(rule, 'Kong access plugins always enforce; export the rule with action block');
          break;
        }
        accessList(rule);
        break;
      }
      case 'block-endpoints': {
        if (rule.action === 'log') {
          ledger.skip(rule, 'Kong request-termination always enforces; export the rule with action block');
          break;
        }
        for (const ep of rule.endpoints) {
          service(hostsOf(ep.host)).routes.push({
            name: routeName(`blocked-${ep.method}-${ep.path}`),
            paths: [regexPath(ep.path)],
            ...(ep.method !== '*' ? { methods: [ep.method] } : {}),
            ...(ep.host ? { hosts: [ep.host] } : {}),
            strip_path: false,
            regex_priority: 100,
            tags: tag(rule),
            plugins: [{ name: 'request-termination', config: { status_code: 403, message: `Blocked by policy rule ${rule.id}${ep.reason ? `: ${ep.reason}` : ''}` } }],
          });
        }
        if (rule.methods.length) {
          service('*').routes.push({
            name: routeName(`blocked-methods-${rule.id}`),
            paths: ['/'],
            methods: rule.methods,
            strip_path: false,
            regex_priority: 100,
            tags: tag(rule),
            plugins: [{ name: 'request-termination', config: { status_code: 403, message: `Method blocked by policy rule ${rule.id}` } }],
          });
        }
        ledger.done(rule);
        break;
      }
      case 'signature':
        ledger.skip(rule, 'Kong Gateway has no payload-signature plugin; export --format modsecurity (or aws-waf) for signatures');
        break;
      case 'positive-model':
        break;
    }
  }

  function attach(rule: PolicyRule, plugin: Plugin, test: ReturnType<typeof compileScope>): void {
    if (!test) {
      global.push(plugin);
      return;
    }
    const routes = routesInScope(test);
    if (routes.length) {
      for (const r of routes) r.plugins.push(plugin);
      return;
    }
    // No positive-model route covers the scope: a route of its own carries the plugin.
    const scope = 'scope' in rule ? rule.scope! : {};
    const hosts = scope.hosts?.length ? scope.hosts : ['*'];
    service(hosts.length === 1 ? hosts[0] : '*').routes.push({
      name: routeName(`scope-${rule.id}`),
      paths: scope.paths?.length ? scope.paths.map(regexPath) : ['/'],
      ...(scope.methods?.length && !scope.methods.includes('*') ? { methods: scope.methods } : {}),
      ...(scope.hosts?.length ? { hosts: scope.hosts } : {}),
      strip_path: false,
      regex_priority: 50,
      tags: tag(rule),
      plugins: [plugin],
    });
  }

  function accessList(rule: AccessListRule): void {
    const test = rule.scope ? compileScope(rule.scope) : null;
    const key = rule.mode === 'deny' ? 'deny' : 'allow';
    const addresses = [...(rule.ips ?? []), ...(rule.cidrs ?? [])];
    const mixed = [addresses.length > 0, (rule.userAgents ?? []).length > 0, (rule.principals ?? []).length > 0].filter(Boolean).length > 1;
    if (rule.mode === 'allow' && mixed) ledger.notes.push(`${rule.id}: Kong checks each allow list on its own, so a request must be on every list (the policy allows a request on any)`);
    if (addresses.length) attach(rule, { name: 'ip-restriction', config: { [key]: addresses, status: 403, message: `Refused by policy rule ${rule.id}` }, tags: tag(rule) }, test);
    if (rule.userAgents?.length) {
      const patterns = rule.userAgents.map((u) => ('contains' in u ? `(?i)${escapeRegex(u.contains)}` : u.regex));
      attach(rule, { name: 'bot-detection', config: { [key]: patterns }, tags: tag(rule) }, test);
    }
    if (rule.principals?.length) {
      const group = `cartograph-${name(rule.id)}`;
      for (const p of rule.principals) {
        const c = consumers.get(p) ?? { username: p, tags: ['cartograph'], acls: [] };
        c.acls.push({ group });
        consumers.set(p, c);
      }
      attach(rule, { name: 'acl', config: { [key]: [group], hide_groups_header: true }, tags: tag(rule) }, test);
      ledger.notes.push(`${rule.id}: principals are Kong consumers (username = principal); the acl plugin needs an authentication plugin that identifies them`);
    }
    if (rule.countries?.length) ledger.skip(rule, 'Kong Gateway has no country plugin in its open-source bundle', 'countries');
    if (addresses.length || rule.userAgents?.length || rule.principals?.length) ledger.done(rule);
  }

  const config = {
    _format_version: '3.0',
    services: [...services.values()].map((s) => ({
      name: s.name,
      url: s.url,
      tags: s.tags,
      routes: s.routes.map(({ line: _line, ...r }) => ({ ...r, ...(r.plugins.length ? {} : { plugins: undefined }) })).map((r) => JSON.parse(JSON.stringify(r)) as Route),
      ...(s.plugins.length ? { plugins: s.plugins } : {}),
    })),
    ...(consumers.size ? { consumers: [...consumers.values()] } : {}),
    ...(global.length ? { plugins: global } : {}),
  };
  const header = `# Cartograph policy ${JSON.stringify(policy.name)} revision ${policyRevision(policy)}: Kong declarative configuration.\n`;
  return ledger.result([{ path: KONG_FILE, content: header + stringifyYaml(config, { lineWidth: 0, aliasDuplicateObjects: false }) }]);
}
