/**
 * AWS WAFv2: web-acl.json (a CreateWebACL request: Rules with RateBasedStatement,
 * IPSetReferenceStatement, ByteMatch/RegexMatch/SqliMatch/XssMatch/GeoMatch, Not/And/Or) and
 * ip-sets.json (CreateIPSet requests). IP sets are created first; their ARNs replace the
 * `arn:aws:wafv2:REGION:ACCOUNT:…` placeholders the rules carry.
 */
import { compileTemplate, hostRegexBody, splitAlternation } from '../match.ts';
import { policyRevision } from '../load.ts';
import type { Policy, PolicyRule, Scope, SignatureTarget } from '../types.ts';
import { enabledRules, Ledger, type ExportResult } from './bundle.ts';
import { signatureExport } from './signatures.ts';

export const AWS_WAF_ACL_FILE = 'web-acl.json';
export const AWS_WAF_IPSETS_FILE = 'ip-sets.json';
/** AWS WAF refuses regexes longer than this. */
export const AWS_MAX_REGEX = 512;

type Statement = Record<string, unknown>;
const T = (...types: string[]) => types.map((Type, Priority) => ({ Priority, Type }));

const or = (s: Statement[]): Statement => (s.length === 1 ? s[0] : { OrStatement: { Statements: s } });
const and = (s: Statement[]): Statement => (s.length === 1 ? s[0] : { AndStatement: { Statements: s } });
const not = (s: Statement): Statement => ({ NotStatement: { Statement: s } });

function regexes(field: Statement, regex: string, transforms: { Priority: number; Type: string }[]): Statement[] {
  return splitAlternation(regex, AWS_MAX_REGEX).map((RegexString) => ({ RegexMatchStatement: { RegexString, FieldToMatch: field, TextTransformations: transforms } }));
}

function exact(field: Statement, value: string, transform = 'NONE'): Statement {
  return { ByteMatchStatement: { SearchString: value, FieldToMatch: field, TextTransformations: T(transform), PositionalConstraint: 'EXACTLY' } };
}

const METHOD = { Method: {} };
const URI = { UriPath: {} };
const HOST = { SingleHeader: { Name: 'host' } };

function lineStatement(hosts: readonly string[] | undefined, methods: readonly string[] | undefined, paths: readonly string[] | undefined): Statement | null {
  const parts: Statement[] = [];
  if (methods?.length && !methods.includes('*')) parts.push(or(methods.map((m) => exact(METHOD, m))));
  if (paths?.length) parts.push(or(regexes(URI, `^(?:${paths.map((p) => compileTemplate(p).body).join('|')})$`, T('NONE'))));
  if (hosts?.length) parts.push(or(regexes(HOST, `^(?:${hosts.map(hostRegexBody).join('|')})(?::[0-9]+)?$`, T('LOWERCASE'))));
  return parts.length ? and(parts) : null;
}

const scopeStatement = (s: Scope | undefined) => (s ? lineStatement(s.hosts, s.methods, s.paths) : null);

const FIELDS: Record<SignatureTarget, Statement[]> = {
  path: [URI],
  query: [{ AllQueryArguments: {} }],
  url: [URI, { QueryString: {} }],
  headers: [{ Headers: { MatchPattern: { ExcludedHeaders: ['cookie', 'authorization', 'accept', 'accept-encoding', 'accept-language', 'content-type', 'host'] }, MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' } }],
  cookies: [{ Cookies: { MatchPattern: { All: {} }, MatchScope: 'ALL', OversizeHandling: 'CONTINUE' } }],
  'user-agent': [{ SingleHeader: { Name: 'user-agent' } }],
  body: [{ Body: { OversizeHandling: 'CONTINUE' } }],
};

const ruleName = (id: string) => `cartograph-${id.replace(/[^\w-]+/g, '-')}`.slice(0, 128);

export function exportAwsWaf(policy: Policy): ExportResult {
  const ledger = new Ledger();
  const rules: Statement[] = [];
  const ipSets: Statement[] = [];
  const placeholder = (name: string) => `arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/${name}/IPSET-ID`;

  const push = (rule: PolicyRule, statement: Statement, status: number) => {
    const name = ruleName(rule.id);
    rules.push({
      Name: name,
      Priority: rules.length,
      Statement: statement,
      Action: rule.action === 'log' ? { Count: {} } : { Block: { CustomResponse: { ResponseCode: status } } },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
    });
  };

  for (const rule of enabledRules(policy)) {
    switch (rule.type) {
      case 'rate-limit': {
        // WAF evaluates rates over 1, 2, 5 or 10 minutes: take the nearest and scale the limit.
        const windows = [60, 120, 300, 600];
        const seconds = windows.reduce((a, b) => (Math.abs(b * 1000 - rule.windowMs) < Math.abs(a * 1000 - rule.windowMs) ? b : a));
        const limit = Math.max(10, Math.ceil((rule.limit * seconds * 1000) / rule.windowMs));
        if (seconds * 1000 !== rule.windowMs || limit !== rule.limit) ledger.notes.push(`${rule.id}: ${rule.limit} per ${rule.windowMs / 1000}s expressed as ${limit} per ${seconds}s (WAF windows are 60, 120, 300 or 600 s, limits at least 10)`);
        const scope = scopeStatement(rule.scope);
        push(
          rule,
          {
            RateBasedStatement: {
              Limit: limit,
              EvaluationWindowSec: seconds,
              AggregateKeyType: rule.key === 'ip' ? 'IP' : 'CUSTOM_KEYS',
              ...(rule.key === 'principal' ? { CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: T('NONE') } }] } : {}),
              ...(scope ? { ScopeDownStatement: scope } : {}),
            },
          },
          429,
        );
        ledger.done(rule);
        break;
      }
      case 'access-list': {
        const parts: Statement[] = [];
        for (const version of ['IPV4', 'IPV6'] as const) {
          const addrs = [...(rule.ips ?? []), ...(rule.cidrs ?? [])]
            .filter((a) => (version === 'IPV6') === a.includes(':'))
            .map((a) => (a.includes('/') ? a : `${a}/${version === 'IPV6' ? 128 : 32}`));
          if (!addrs.length) continue;
          const name = `${ruleName(rule.id)}-${version.toLowerCase()}`;
          ipSets.push({ Name: name, Scope: 'REGIONAL', IPAddressVersion: version, Addresses: addrs, Description: `Cartograph policy ${policy.name}, rule ${rule.id}` });
          parts.push({ IPSetReferenceStatement: { ARN: placeholder(name) } });
        }
        for (const u of rule.userAgents ?? []) {
          if ('contains' in u) parts.push({ ByteMatchStatement: { SearchString: u.contains.toLowerCase(), FieldToMatch: FIELDS['user-agent'][0], TextTransformations: T('LOWERCASE'), PositionalConstraint: 'CONTAINS' } });
          else parts.push(or(regexes(FIELDS['user-agent'][0], u.regex, T('NONE'))));
        }
        if (rule.countries?.length) parts.push({ GeoMatchStatement: { CountryCodes: rule.countries } });
        if (rule.principals?.length) ledger.skip(rule, 'AWS WAF cannot tell principals apart (tokens are opaque to it); use the kong (acl) export', 'principals');
        if (!parts.length) break;
        const listed = or(parts);
        const scope = scopeStatement(rule.scope);
        const hit = rule.mode === 'deny' ? listed : not(listed);
        push(rule, scope ? and([scope, hit]) : hit, 403);
        ledger.done(rule);
        break;
      }
      case 'block-endpoints': {
        const parts = rule.endpoints.map((e) => lineStatement(e.host ? [e.host] : undefined, [e.method], [e.path])!);
        if (rule.methods.length) parts.push(or(rule.methods.map((m) => exact(METHOD, m))));
        push(rule, or(parts), 403);
        ledger.done(rule);
        break;
      }
      case 'positive-model': {
        // Group operations by host and method: one path regex (split at 512 chars) per group.
        const groups = new Map<string, { host?: string; method: string; paths: string[] }>();
        for (const op of rule.operations) {
          const k = `${op.host ?? ''} ${op.method}`;
          const g = groups.get(k) ?? { host: op.host, method: op.method, paths: [] };
          g.paths.push(compileTemplate(op.path).body);
          groups.set(k, g);
        }
        const known = [...groups.values()].map((g) =>
          and([
            exact(METHOD, g.method),
            or(splitAlternation(g.paths.join('|'), AWS_MAX_REGEX - 8).map((body) => ({ RegexMatchStatement: { RegexString: `^(?:${body})$`, FieldToMatch: URI, TextTransformations: T('NONE') } }))),
            ...(g.host ? [or(regexes(HOST, `^${hostRegexBody(g.host)}(?::[0-9]+)?$`, T('LOWERCASE')))] : []),
          ]),
        );
        push(rule, not(or(known)), 403);
        if (rule.operations.some((o) => o.parameters?.length || o.requestBody)) ledger.skip(rule, 'AWS WAF cannot validate parameters or bodies against schemas; use the kong or openapi export', 'parameters and request bodies');
        ledger.done(rule);
        break;
      }
      case 'signature': {
        const parts: Statement[] = [];
        for (const lib of rule.signatures) {
          const x = signatureExport(lib);
          if (!x) {
            ledger.skip(rule, `the ${lib} library has no enforcer form`, lib);
            continue;
          }
          for (const field of rule.targets.flatMap((t) => FIELDS[t])) {
            if (x.awsWaf === 'SqliMatchStatement') parts.push({ SqliMatchStatement: { FieldToMatch: field, TextTransformations: T('URL_DECODE', 'HTML_ENTITY_DECODE'), SensitivityLevel: 'LOW' } });
            else if (x.awsWaf === 'XssMatchStatement') parts.push({ XssMatchStatement: { FieldToMatch: field, TextTransformations: T('URL_DECODE', 'HTML_ENTITY_DECODE') } });
            else parts.push(...regexes(field, x.regex, T('URL_DECODE', 'LOWERCASE')));
          }
        }
        if (!parts.length) break;
        const scope = scopeStatement(rule.scope);
        push(rule, scope ? and([scope, or(parts)]) : or(parts), 403);
        ledger.done(rule);
        break;
      }
    }
  }
  const name = `cartograph-${policy.name.replace(/[^\w-]+/g, '-')}`.slice(0, 128);
  const acl = {
    Name: name,
    Scope: 'REGIONAL',
    Description: `Cartograph policy ${policy.name} revision ${policyRevision(policy)}`.slice(0, 256),
    DefaultAction: { Allow: {} },
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
    Rules: rules,
  };
  if (ipSets.length) ledger.notes.push(`create the IP sets in ${AWS_WAF_IPSETS_FILE} first and put their ARNs in place of the arn:aws:wafv2:REGION:ACCOUNT placeholders`);
  ledger.notes.push('Scope is REGIONAL; use CLOUDFRONT (in us-east-1) for a CloudFront distribution');
  return ledger.result([
    { path: AWS_WAF_ACL_FILE, content: `${JSON.stringify(acl, null, 2)}\n` },
    { path: AWS_WAF_IPSETS_FILE, content: `${JSON.stringify(ipSets, null, 2)}\n` },
  ]);
}
