/**
 * Drafting on labelled generated traffic (normal users plus incidents): the drafted policy must
 * leave clean traffic alone, and the simulation's memoised signature scan must agree with the
 * detection engine's own predicate on every exchange.
 */
import { describe, expect, it } from 'vitest';
import { ExchangeView } from '../../../src/core/detect/fields.ts';
import { detectExchanges } from '../../../src/core/detect/engine.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import { compilePredicate, type SignatureHit } from '../../../src/core/detect/predicates.ts';
import { compilePolicy } from '../../../src/core/policy/evaluate.ts';
import { draftPolicy } from '../../../src/core/policy/draft.ts';
import { parsePolicy, policyToYaml } from '../../../src/core/policy/load.ts';
import { simulatePolicy } from '../../../src/core/policy/simulate.ts';
import type { BlockEndpointsRule, SignatureRule } from '../../../src/core/policy/types.ts';
import { generateTraffic } from '../detect/generator.ts';

const traffic = generateTraffic({ seed: 11, users: 60, durationMs: 3 * 3600_000, incidents: true });
const findings = detectExchanges(traffic.exchanges, builtinPack(), { spec: traffic.spec });
const policy = draftPolicy({ findings, exchanges: traffic.exchanges, name: 'drafted' });
const rule = <T>(id: string) => policy.rules.find((r) => r.id === id) as T | undefined;

describe('draftPolicy on labelled traffic', () => {
  it('drafts every kind of rule, each saying what it rests on, as a valid document', () => {
    const types = new Set(policy.rules.map((r) => r.type));
    for (const t of ['rate-limit', 'access-list', 'block-endpoints', 'positive-model', 'signature']) expect(types).toContain(t);
    for (const r of policy.rules) expect(r.source.evidence).toBeTruthy();
    expect(parsePolicy(policyToYaml(policy))).toEqual(policy);
  });

  it('logs zombie endpoints legitimate clients still use instead of blocking them', () => {
    // Every normal search goes to the deprecated /api/v1/search.
    const watch = rule<BlockEndpointsRule>('watch.shadow-zombie');
    expect(watch).toMatchObject({ action: 'log' });
    expect(watch!.endpoints.map((e) => e.path)).toContain('/api/v1/search');
    expect(watch!.source.evidence).toMatch(/\/api\/v1\/search: \d+ request\(s\) from \d+ actor/);
    const block = rule<BlockEndpointsRule>('block.shadow-zombie');
    expect(block?.endpoints.map((e) => e.path) ?? []).not.toContain('/api/v1/search');
  });

  it('blocks no clean traffic and acts on the incidents', () => {
    const r = simulatePolicy(traffic.exchanges, policy, { findings });
    expect(r.totals.blockedFlagged).toBeGreaterThan(0);
    expect(r.totals.blockedClean).toBe(0);
    const allow = r.rules.find((x) => x.id === 'allow.operations')!;
    expect(allow.likelyFalsePositives.requests).toBe(0);
  });
});

describe('signature scan memo', () => {
  it('agrees with the detection engine predicate on every exchange', () => {
    const sigs = policy.rules.filter((r): r is SignatureRule => r.type === 'signature');
    expect(sigs.length).toBeGreaterThan(0);
    const compiled = compilePolicy({ name: 's', rules: sigs });
    const preds = sigs.map((s) => compilePredicate({ signature: s.signatures.join(','), targets: s.targets }));
    let hits = 0;
    for (const e of traffic.exchanges) {
      const verdicts = compiled.judge(e);
      const view = new ExchangeView(e, '');
      preds.forEach((p, i) => {
        const found: SignatureHit[] = [];
        const direct = p.test(view, found) ? `${found[0].library} signature in ${found[0].where}: ${found[0].snippet.slice(0, 60)}` : false;
        expect(verdicts[i]).toBe(direct);
        if (direct) hits++;
      });
    }
    expect(hits).toBeGreaterThan(10);
  });
});
