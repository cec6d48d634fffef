import { describe, expect, it } from 'vitest';
import { checkPolicyText, parsePolicy, PolicyError, policyRevision, policyToYaml } from '../../../src/core/policy/load.ts';
import { FULL_POLICY_YAML, fullPolicy } from './fixtures.ts';

function error(yaml: string): string {
  try {
    parsePolicy(yaml, 'p.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as Error).message;
  }
  throw new Error('expected a PolicyError');
}

const one = (rule: string) => `cartograph-policy: 1\nname: t\nrules:\n${rule.replace(/^/gm, '  ')}\n`;
const RATE = `- id: r1\n  type: rate-limit\n  action: throttle\n  source: {origin: manual}\n  key: ip\n  limit: 10\n  window: 1m`;

describe('policy documents', () => {
  it('parses every rule type and fills defaults', () => {
    const p = fullPolicy();
    expect(p.name).toBe('shop');
    expect(p.rules.map((r) => r.type)).toEqual(['rate-limit', 'rate-limit', 'access-list', 'access-list', 'block-endpoints', 'positive-model', 'signature', 'signature']);
    const rate = p.rules[0];
    expect(rate).toMatchObject({ type: 'rate-limit', windowMs: 60_000, burst: 2, enabled: true });
    expect(p.rules[1]).toMatchObject({ windowMs: 10_000, burst: 0 });
    expect(p.rules[6]).toMatchObject({ targets: ['path', 'query', 'headers', 'cookies', 'body'] });
    expect(p.rules[5]).toMatchObject({ unknownParameters: 'reject' });
  });

  it('round-trips through YAML with the same revision', () => {
    const p = fullPolicy();
    const again = parsePolicy(policyToYaml(p), 'again.yaml');
    expect(again).toEqual(p);
    expect(policyRevision(again)).toBe(policyRevision(p));
    expect(policyRevision(p)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('revision ignores key order and formatting but not content', () => {
    const a = parsePolicy(one(RATE));
    const b = parsePolicy(one(`- {limit: 10, window: 60s, key: ip, source: {origin: manual}, action: throttle, type: rate-limit, id: r1}`));
    expect(policyRevision(b)).toBe(policyRevision(a));
    const c = parsePolicy(one(RATE.replace('limit: 10', 'limit: 11')));
    expect(policyRevision(c)).not.toBe(policyRevision(a));
  });

  it.each([
    ['invalid CIDR', RATE.replace(/type: rate-limit[\s\S]*/, 'type: access-list\n  action: block\n  mode: deny\n  source: {origin: manual}\n  cidrs: [10.0.0.0/33]'), /rule r1: \/cidrs\/0: "10\.0\.0\.0\/33" is not a CIDR/],
    ['invalid IP', RATE.replace(/type: rate-limit[\s\S]*/, 'type: access-list\n  action: block\n  mode: deny\n  source: {origin: manual}\n  ips: [300.1.1.1]'), /rule r1: \/ips\/0: "300\.1\.1\.1" is not an IP address/],
    ['missing limit', RATE.replace('  limit: 10\n', ''), /rule r1: \/: must have required property 'limit'/],
    ['negative limit', RATE.replace('limit: 10', 'limit: -1'), /rule r1: \/limit: must be >= 1/],
    ['bad window', RATE.replace('window: 1m', 'window: soon'), /rule r1: \/window/],
    ['window too short', RATE.replace('window: 1m', 'window: 10ms'), /rule r1: \/window: must be at least 1s/],
    ['property of another type', `${RATE}\n  mode: deny`, /rule r1: \/: property "mode" is not allowed for this type of rule/],
    ['wrong action for the type', RATE.replace(/type: rate-limit[\s\S]*/, 'type: signature\n  action: throttle\n  source: {origin: manual}\n  signatures: [sqli]'), /rule r1: \/action: must be one of block, log/],
    ['unknown signature', RATE.replace(/type: rate-limit[\s\S]*/, 'type: signature\n  action: block\n  source: {origin: manual}\n  signatures: [sqlx]'), /rule r1: \/signatures\/0: unknown signature library "sqlx"/],
    ['bad user-agent regex', RATE.replace(/type: rate-limit[\s\S]*/, 'type: access-list\n  action: block\n  mode: deny\n  source: {origin: manual}\n  userAgents: [{regex: "(unclosed"}]'), /rule r1: \/userAgents\/0\/regex: /],
    ['bad path template', RATE.replace(/type: rate-limit[\s\S]*/, 'type: block-endpoints\n  action: block\n  source: {origin: manual}\n  endpoints: [{path: "/a/**/b"}]'), /rule r1: \/endpoints\/0\/path: .*\*\* is only allowed as the last segment/],
    ['bad body schema', RATE.replace(/type: rate-limit[\s\S]*/, 'type: positive-model\n  action: block\n  source: {origin: manual}\n  operations: [{method: GET, path: /x, requestBody: {schema: {type: bogus}}}]'), /rule r1: \/operations\/0\/requestBody\/schema: not a usable JSON Schema/],
    ['missing source', RATE.replace('  source: {origin: manual}\n', ''), /rule r1: \/: must have required property 'source'/],
    ['unknown rule type', RATE.replace('type: rate-limit', 'type: firewall'), /rule r1: \/type: must be one of/],
  ])('names the rule and field: %s', (_, rule, message) => {
    expect(error(one(rule))).toMatch(message);
  });

  it('names rules without an id by position', () => {
    expect(error(one(RATE.replace('id: r1', 'idx: r1')))).toMatch(/rule #1 \(no id\)/);
  });

  it('refuses duplicate ids, wrong versions, non-mappings and broken YAML', () => {
    expect(error(one(`${RATE}\n${RATE}`))).toMatch(/rule r1: \/id: duplicate rule id/);
    expect(error(one(RATE).replace('cartograph-policy: 1', 'cartograph-policy: 2'))).toMatch(/\/cartograph-policy: must be 1/);
    expect(error('- just\n- a list\n')).toMatch(/a policy is a mapping/);
    expect(error('name: [unclosed')).toMatch(/p\.yaml: not valid YAML/);
    expect(error('')).toMatch(/a policy is a mapping/);
  });

  it('bounds alias expansion (billion laughs) and size', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n`;
    expect(error(bomb)).toMatch(/not valid YAML|policy/);
    expect(FULL_POLICY_YAML.length).toBeLessThan(10_000);
  });
});

describe('checkPolicyText (the editor\'s validation)', () => {
  const at = (text: string) => {
    const { policy, problems } = checkPolicyText(text);
    expect(policy).toBeNull();
    const p = problems[0];
    return { ...p, text: text.split('\n')[p.line - 1].slice(p.column - 1, p.endLine === p.line ? p.endColumn - 1 : undefined) };
  };

  it('returns the policy when valid', () => {
    expect(checkPolicyText(one(RATE))).toEqual({ policy: parsePolicy(one(RATE)), problems: [] });
  });

  it('places schema, rule and YAML errors on the offending text', () => {
    expect(at(one(RATE.replace('limit: 10', 'limit: -1')))).toMatchObject({ pointer: '/rules/0/limit', line: 9, text: '-1' });
    expect(at(one(`${RATE}\n  mode: deny`))).toMatchObject({ pointer: '/rules/0/mode', text: 'deny', message: expect.stringMatching(/"mode" is not allowed/) });
    const cidr = RATE.replace(/type: rate-limit[\s\S]*/, 'type: access-list\n  action: block\n  mode: deny\n  source: {origin: manual}\n  cidrs: [10.0.0.0/8, 10.0.0.0/33]');
    expect(at(one(cidr))).toMatchObject({ pointer: '/rules/0/cidrs/1', text: '10.0.0.0/33' });
    // A missing property: the rule itself (its first line).
    expect(at(one(RATE.replace('  limit: 10\n', '')))).toMatchObject({ pointer: '/rules/0', line: 4 });
    expect(at('name: t\nrules: [unclosed\n')).toMatchObject({ pointer: null, message: expect.stringMatching(/not valid YAML/) });
    expect(at(one(`${RATE}\n${RATE}`))).toMatchObject({ pointer: '/rules/1/id', text: 'r1' });
  });
});
