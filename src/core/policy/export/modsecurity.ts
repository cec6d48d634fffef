/**
 * ModSecurity v3 / Coraza: one SecRule file. Access lists use @ipMatch and user-agent regexes;
 * blocked endpoints and the positive model chain method, path and host tests (operations mark a
 * transaction variable, anything unmarked is denied, declared query parameters are checked by
 * name and type); signatures use libinjection (@detectSQLi/@detectXSS) where it exists, else
 * the library's portable regex (signatures.ts). Rule ids are taken from the local-use range.
 */
import { compileTemplate, escapeRegex, hostRegexBody } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { JsonSchema, Policy, PolicyRule, Scope, SignatureTarget } from '../types.ts';
import { enabledRules, Ledger, type ExportResult } from './bundle.ts';
import { signatureExport } from './signatures.ts';

export const MODSECURITY_FILE = 'cartograph.conf';
/** First rule id (ModSecurity reserves 1–99,999 for local rules). */
export const MODSECURITY_BASE_ID = 77_000;

/**
 * An operator argument inside double quotes. The config parser treats backslash-quote and
 * double backslashes specially and expands %{…} macros, so those bytes are written as \xNN.
 */
export function secArg(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '\\') {
      out += '\\x5c';
      i++;
    } else if (c === '"') out += '\\x22';
    else if (c === '%') out += '\\x25';
    else out += c;
  }
  return `"${out}"`;
}

/** msg:'…' text (single quotes are not escapable there). */
const msg = (s: string): string => `msg:'${s.replace(/['\\\r\n]/g, ' ').slice(0, 200)}'`;

const TARGETS: Record<SignatureTarget, string> = {
  path: 'REQUEST_FILENAME',
  query: 'ARGS_GET|ARGS_GET_NAMES',
  url: 'REQUEST_URI',
  headers:
    'REQUEST_HEADERS|!REQUEST_HEADERS:Cookie|!REQUEST_HEADERS:Authorization|!REQUEST_HEADERS:Accept|!REQUEST_HEADERS:Accept-Encoding|!REQUEST_HEADERS:Accept-Language|!REQUEST_HEADERS:Content-Type|!REQUEST_HEADERS:Content-Length|!REQUEST_HEADERS:Host|!REQUEST_HEADERS:Connection',
  cookies: 'REQUEST_COOKIES|REQUEST_COOKIES_NAMES',
  'user-agent': 'REQUEST_HEADERS:User-Agent',
  // libmodsecurity adds JSON body fields to ARGS but not ARGS_POST, so bodies are read through
  // ARGS (which also holds the query: a body-only rule inspects the query too).
  body: 'ARGS|ARGS_NAMES',
};

const alt = (parts: string[]): string => (parts.length === 1 ? parts[0] : `(?:${parts.join('|')})`);

/** Chained conditions for a scope (host, method, path), as SecRule lines without actions. */
function scopeTests(scope: Scope | { hosts?: string[]; methods?: string[]; paths?: string[] } | undefined): [string, string][] {
  const tests: [string, string][] = [];
  if (scope?.paths?.length) tests.push(['REQUEST_FILENAME', `@rx ^${alt(scope.paths.map((p) => compileTemplate(p).body))}$`]);
  if (scope?.methods?.length && !scope.methods.includes('*')) tests.push(['REQUEST_METHOD', `@rx ^${alt(scope.methods.map(escapeRegex))}$`]);
  if (scope?.hosts?.length) tests.push(['REQUEST_HEADERS:Host', `@rx ^${alt(scope.hosts.map(hostRegexBody))}(?::\\d+)?$`]);
  return tests;
}

class Writer {
  readonly lines: string[] = [];
  private next = MODSECURITY_BASE_ID;
  id(): number {
    return this.next++;
  }
  /** One rule, or a chain: the first link carries id, phase and the disruptive action. */
  rule(links: [string, string][], actions: string, last = ''): number {
    const id = this.id();
    links.forEach(([variable, op], i) => {
      const first = i === 0;
      const parts = first ? [`id:${id}`, actions] : [];
      if (i < links.length - 1) parts.push('chain');
      if (i === links.length - 1 && last) parts.push(last);
      const actionText = parts.filter(Boolean).join(',');
      // The parser wants an action list on every link of a chain.
      this.lines.push(`${first ? '' : '    '}SecRule ${variable} ${secArg(op)} "${actionText || 't:none'}"`);
    });
    return id;
  }
}

function disruptive(rule: PolicyRule, phase: 1 | 2, text: string): string {
  const act = rule.action === 'log' ? 'pass,log' : 'deny,status:403,log';
  return `phase:${phase},${act},t:none,${msg(`cartograph ${rule.id}: ${text}`)},tag:'cartograph/${rule.id}'`;
}

/** A regex check of a parameter's value against a simple schema (type, enum), or null. */
function valueRegex(schema: JsonSchema | undefined): string | null {
  if (!schema) return null;
  if (Array.isArray(schema.enum) && schema.enum.every((x) => typeof x === 'string' || typeof x === 'number')) return `^${alt(schema.enum.map((x) => escapeRegex(String(x))))}$`;
  switch (schema.type) {
    case 'integer': return '^-?\\d+$';
    case 'number': return '^-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?$';
    case 'boolean': return '^(?:true|false)$';
    default: return null;
  }
}

export function exportModSecurity(policy: Policy): ExportResult {
  const ledger = new Ledger();
  const w = new Writer();
  w.lines.push(
    `# Cartograph policy ${JSON.stringify(policy.name)} revision ${policyRevision(policy)}, for ModSecurity v3 or Coraza.`,
    `# Rule ids from ${MODSECURITY_BASE_ID} up. Load with: modsecurity on; modsecurity_rules_file ${MODSECURITY_FILE};`,
    'SecRuleEngine On',
    'SecRequestBodyAccess On',
    'SecRequestBodyLimit 13107200',
    'SecRequestBodyNoFilesLimit 131072',
  );
  w.rule([['REQUEST_HEADERS:Content-Type', '@rx (?i)^application/(?:[a-z0-9.+-]*\\+)?json']], 'phase:1,pass,nolog,t:none,ctl:requestBodyProcessor=JSON');
  w.rule([['REQUEST_HEADERS:Content-Type', '@rx (?i)^application/x-www-form-urlencoded']], 'phase:1,pass,nolog,t:none,ctl:requestBodyProcessor=URLENCODED');

  for (const rule of enabledRules(policy)) {
    w.lines.push('', `# ${rule.id} (${rule.type}, ${rule.action})${rule.description ? `: ${rule.description.replace(/\s+/g, ' ')}` : ''}`);
    switch (rule.type) {
      case 'rate-limit':
        ledger.skip(rule, 'ModSecurity v3 has no dependable expiring counters; enforce rate limits with the nginx, kong or aws-waf export');
        w.lines.push('# (not exported: rate limits)');
        break;
      case 'access-list': {
        const scope = scopeTests(rule.scope);
        const addresses = [...(rule.ips ?? []), ...(rule.cidrs ?? [])];
        const ua = (rule.userAgents ?? []).map((u) => ('contains' in u ? `(?i)${escapeRegex(u.contains)}` : u.regex));
        if (rule.principals?.length) ledger.skip(rule, 'ModSecurity cannot tell JWT, API-key or session principals apart; use the kong (acl) export', 'principals');
        if (rule.countries?.length) ledger.skip(rule, 'countries need SecGeoLookupDb and a GeoIP database', 'countries');
        const ipTest: [string, string] | null = addresses.length ? ['REMOTE_ADDR', `${rule.mode === 'allow' ? '!' : ''}@ipMatch ${addresses.join(',')}`] : null;
        const uaTest: [string, string] | null = ua.length ? ['REQUEST_HEADERS:User-Agent', `${rule.mode === 'allow' ? '!' : ''}@rx ${alt(ua)}`] : null;
        if (!ipTest && !uaTest) {
          w.lines.push('# (nothing ModSecurity can enforce in this rule)');
          break;
        }
        if (rule.mode === 'deny') {
          if (ipTest) w.rule([ipTest, ...scope], disruptive(rule, 1, 'address on the deny list'));
          if (uaTest) w.rule([uaTest, ...scope], disruptive(rule, 1, 'user agent on the deny list'));
        } else {
          // Allowed when any list matches: refuse only when every list misses.
          w.rule([...(ipTest ? [ipTest] : []), ...(uaTest ? [uaTest] : []), ...scope], disruptive(rule, 1, 'not on the allow list'));
        }
        ledger.done(rule);
        break;
      }
      case 'block-endpoints':
        for (const ep of rule.endpoints) {
          w.rule(scopeTests({ paths: [ep.path], methods: [ep.method], hosts: ep.host ? [ep.host] : undefined }), disruptive(rule, 1, `${ep.method} ${ep.path} is blocked`));
        }
        if (rule.methods.length) w.rule([['REQUEST_METHOD', `@rx ^${alt(rule.methods.map(escapeRegex))}$`]], disruptive(rule, 1, 'method is blocked'));
        ledger.done(rule);
        break;
      case 'positive-model': {
        // Literal paths last, so they win the transaction variable over templates they also match.
        const ops = rule.operations
          .map((op, n) => ({ op, n: n + 1 }))
          .sort((a, b) => Number(compileTemplate(a.op.path).literal) - Number(compileTemplate(b.op.path).literal));
        const name = `cartograph_op_${rule.id.replace(/[^a-z0-9]+/g, '_')}`;
        for (const { op, n } of ops) {
          w.rule(scopeTests({ paths: [op.path], methods: [op.method], hosts: op.host ? [op.host] : undefined }), 'phase:1,pass,nolog,t:none', `setvar:tx.${name}=${n}`);
        }
        w.rule([[`&TX:${name}`, '@eq 0']], disruptive(rule, 1, 'not an allowed operation'));
        const opVar = `TX:${name}`;
        let bodies = false;
        for (const { op, n } of ops) {
          const query = (op.parameters ?? []).filter((p) => p.in === 'query');
          const where = `${op.method} ${op.path}`;
          if (rule.unknownParameters === 'reject') {
            w.rule(
              [[opVar, `@eq ${n}`], query.length ? ['ARGS_GET_NAMES', `!@rx ^${alt(query.map((p) => escapeRegex(p.name)))}$`] : ['&ARGS_GET', '@gt 0']],
              disruptive(rule, 1, `${where}: undeclared query parameter`),
            );
          }
          for (const p of query) {
            if (p.required) w.rule([[opVar, `@eq ${n}`], [`&ARGS_GET:${p.name}`, '@eq 0']], disruptive(rule, 1, `${where}: required query parameter ${p.name} is missing`));
            const re = valueRegex(p.schema);
            if (re) w.rule([[opVar, `@eq ${n}`], [`ARGS_GET:${p.name}`, `!@rx ${re}`]], disruptive(rule, 1, `${where}: query parameter ${p.name} has the wrong type`));
          }
          if (op.requestBody?.schema) bodies = true;
        }
        if (bodies) ledger.skip(rule, 'ModSecurity cannot validate JSON bodies against a schema; use the kong (request-validator) or openapi export', 'request body schemas');
        ledger.done(rule);
        break;
      }
      case 'signature': {
        const targets = [...new Set(rule.targets.flatMap((t) => (rule.targets.includes('body') && t === 'query' ? [] : TARGETS[t].split('|'))))].join('|');
        const scope = scopeTests(rule.scope);
        let any = false;
        for (const lib of rule.signatures) {
          const x = signatureExport(lib);
          if (!x) {
            ledger.skip(rule, `the ${lib} library inspects responses or has no enforcer form`, lib);
            continue;
          }
          const op = x.modsecurity ?? `@rx ${x.regex}`;
          const transforms = x.modsecurity ? 't:urlDecodeUni,t:htmlEntityDecode' : 't:urlDecodeUni,t:lowercase';
          w.rule([[targets, op], ...scope], `${disruptive(rule, 2, `${lib} signature`)},${transforms}`);
          any = true;
        }
        if (any) ledger.done(rule);
        break;
      }
    }
  }
  return ledger.result([{ path: MODSECURITY_FILE, content: `${w.lines.join('\n')}\n` }]);
}
