/**
 * NGINX: two include files, because NGINX splits contexts.
 *  - cartograph-http.conf, inside `http {}`: limit_req_zone per rate limit, and the maps/geo
 *    blocks that compute one 0/1 variable per rule into $cartograph_block and $cartograph_log;
 *  - cartograph-server.conf, inside `server {}`: allow/deny lists, limit_req, and the 403.
 * Only stock modules are used (map, geo, limit_req, access), so `nginx -t` passes on any build.
 */
import { escapeRegex, hasScope, lineRegex } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { AccessListRule, Policy, PolicyRule } from '../types.ts';
import { enabledRules, Ledger, type ExportResult } from './bundle.ts';

export const NGINX_HTTP_FILE = 'cartograph-http.conf';
export const NGINX_SERVER_FILE = 'cartograph-server.conf';

/** A double-quoted NGINX string (the parser unescapes \\ and \"). */
export function ngxQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const LINE = '"$host $request_method $uri"';

function ruleVar(i: number, rule: PolicyRule): string {
  return `$cartograph_${i}_${rule.id.replace(/[^A-Za-z0-9]+/g, '_')}`.slice(0, 60);
}

export function exportNginx(policy: Policy): ExportResult {
  const ledger = new Ledger();
  const http: string[] = [];
  const server: string[] = [];
  const denies: string[] = [];
  const allows: string[] = [];
  const blockVars: string[] = [];
  const logVars: string[] = [];
  const header = `# Cartograph policy ${JSON.stringify(policy.name)} revision ${policyRevision(policy)}.`;
  http.push(header, `# Include inside http {}; include ${NGINX_SERVER_FILE} inside each server {} it protects.`, '# Client addresses are $remote_addr: behind a proxy, configure the realip module first.', '');
  server.push(header, `# Include inside server {} (after ${NGINX_HTTP_FILE} is included in http {}).`, '');

  const flag = (rule: PolicyRule, v: string) => (rule.action === 'log' ? logVars : blockVars).push(v);

  enabledRules(policy).forEach((rule, idx) => {
    const i = idx + 1;
    const v = ruleVar(i, rule);
    const scopeRe = 'scope' in rule && hasScope(rule.scope) ? lineRegex(rule.scope!.hosts, rule.scope!.methods, rule.scope!.paths) : null;
    http.push(`# ${rule.id} (${rule.type}, ${rule.action})${rule.description ? `: ${rule.description.replace(/\s+/g, ' ')}` : ''}`);
    switch (rule.type) {
      case 'rate-limit': {
        if (rule.action === 'log') {
          ledger.skip(rule, "NGINX's limit_req_dry_run applies to every limit of a location; export the rule with action throttle to enforce it");
          http.push('# (not exported: log-only rate limit)', '');
          return;
        }
        const keyVar = rule.key === 'ip' ? '$binary_remote_addr' : '$http_authorization';
        let key = keyVar;
        if (scopeRe) {
          key = `${v}_key`;
          http.push(`map ${LINE} ${key} {`, '    default "";', `    ${ngxQuote(`~${scopeRe}`)} ${keyVar};`, '}');
        }
        const perMinute = (rule.limit * 60_000) / rule.windowMs;
        const rate = Number.isInteger(perMinute) ? `${perMinute}r/m` : `${Math.max(1, Math.round(perMinute))}r/m`;
        if (!Number.isInteger(perMinute)) ledger.notes.push(`${rule.id}: ${rule.limit} per ${rule.windowMs / 1000}s rounded to ${rate}`);
        const zone = v.slice(1);
        http.push(`limit_req_zone ${key} zone=${zone}:10m rate=${rate};`, '');
        server.push(`limit_req zone=${zone}${rule.burst ? ` burst=${rule.burst} nodelay` : ''};  # ${rule.id}`);
        if (rule.key === 'principal') ledger.notes.push(`${rule.id}: NGINX keys principals by the Authorization header value (one credential = one principal); requests without it are not limited`);
        ledger.done(rule);
        return;
      }
      case 'access-list': {
        exportAccessList(rule, v, scopeRe, http, denies, allows, ledger, flag);
        return;
      }
      case 'block-endpoints': {
        http.push(`map ${LINE} ${v} {`, '    default 0;');
        for (const ep of rule.endpoints) http.push(`    ${ngxQuote(`~${lineRegex(ep.host ? [ep.host] : undefined, [ep.method], [ep.path])}`)} 1;`);
        for (const m of rule.methods) http.push(`    ${ngxQuote(`~^[^ ]+ ${escapeRegex(m)} `)} 1;`);
        http.push('}', '');
        flag(rule, v);
        ledger.done(rule);
        return;
      }
      case 'positive-model': {
        http.push(`map ${LINE} ${v}_known {`, '    default 0;');
        for (const op of rule.operations) http.push(`    ${ngxQuote(`~${lineRegex(op.host ? [op.host] : undefined, [op.method], [op.path])}`)} 1;`);
        http.push('}', `map ${v}_known ${v} {`, '    default 1;', '    1 0;', '}', '');
        flag(rule, v);
        ledger.done(rule);
        if (rule.operations.some((o) => o.parameters?.length || o.requestBody)) {
          ledger.skip(rule, 'NGINX cannot validate parameters or bodies against schemas; use the kong, openapi or modsecurity export for them', 'parameters and request bodies');
        }
        return;
      }
      case 'signature':
        ledger.skip(rule, 'NGINX has no payload inspection; export --format modsecurity and load it with the ModSecurity module');
        http.push('# (not exported: signatures need ModSecurity)', '');
        return;
    }
  });

  if (denies.length || allows.length) {
    server.push(...denies.map((d) => `deny ${d};`), ...allows.map((a) => `allow ${a};`));
    if (allows.length) server.push('deny all;');
  }
  http.push(
    '# 1 when any blocking rule matched the request',
    `map ${ngxQuote(blockVars.join('') || '0')} $cartograph_block {`,
    '    default 1;',
    '    "~^0*$" 0;',
    '}',
    `map ${ngxQuote(logVars.join('') || '0')} $cartograph_log {`,
    '    default 1;',
    '    "~^0*$" 0;',
    '}',
  );
  if (logVars.length) http.push('# Requests log-only rules matched (relative paths resolve against the NGINX prefix).', 'access_log logs/cartograph-policy.log combined if=$cartograph_log;');
  server.push('limit_req_status 429;', 'if ($cartograph_block) {', '    return 403;', '}');
  return ledger.result([
    { path: NGINX_HTTP_FILE, content: `${http.join('\n')}\n` },
    { path: NGINX_SERVER_FILE, content: `${server.join('\n')}\n` },
  ]);
}

function exportAccessList(
  rule: AccessListRule, v: string, scopeRe: string | null, http: string[], denies: string[], allows: string[], ledger: Ledger, flag: (r: PolicyRule, v: string) => void,
): void {
  const addresses = [...(rule.ips ?? []), ...(rule.cidrs ?? [])];
  const uas = rule.userAgents ?? [];
  if (rule.principals?.length) ledger.skip(rule, 'NGINX cannot tell JWT, API-key or session principals apart without njs; enforce them with the kong (acl) export', 'principals');
  if (rule.countries?.length) ledger.skip(rule, 'countries need the GeoIP2 module and database, which a stock NGINX lacks', 'countries');
  if (!addresses.length && !uas.length) {
    http.push('# (nothing NGINX can enforce in this rule)', '');
    return;
  }
  // Plain allow/deny directives where they say exactly what the rule says.
  if (!scopeRe && rule.action === 'block' && addresses.length && (rule.mode === 'deny' || !uas.length)) {
    (rule.mode === 'deny' ? denies : allows).push(...addresses);
    if (!uas.length) {
      http.push(`# (addresses exported as ${rule.mode} directives in the server include)`, '');
      ledger.done(rule);
      return;
    }
  }
  const parts: string[] = [];
  if (addresses.length && !(rule.mode === 'deny' && !scopeRe && rule.action === 'block')) {
    http.push(`geo ${v}_ip {`, '    default 0;', ...addresses.map((a) => `    ${a} 1;`), '}');
    parts.push(`${v}_ip`);
  }
  if (uas.length) {
    http.push(`map $http_user_agent ${v}_ua {`, '    default 0;');
    for (const u of uas) http.push(`    ${ngxQuote('contains' in u ? `~*${escapeRegex(u.contains)}` : `~${u.regex}`)} 1;`);
    http.push('}');
    parts.push(`${v}_ua`);
  }
  if (scopeRe) {
    http.push(`map ${LINE} ${v}_scope {`, '    default 0;', `    ${ngxQuote(`~${scopeRe}`)} 1;`, '}');
  }
  const source = `${scopeRe ? `${v}_scope` : ''}${parts.join('')}`;
  const pattern = rule.mode === 'deny' ? (scopeRe ? '~^1.*1' : '~1') : scopeRe ? '~^10*$' : '~^0*$';
  http.push(`map ${ngxQuote(source)} ${v} {`, '    default 0;', `    ${ngxQuote(pattern)} 1;`, '}', '');
  flag(rule, v);
  ledger.done(rule);
}
