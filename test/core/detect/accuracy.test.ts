import { describe, expect, it } from 'vitest';
import { detectExchanges } from '../../../src/core/detect/engine.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import { CATEGORIES } from '../../../src/core/detect/types.ts';
import { generateTraffic, score } from './generator.ts';

describe('accuracy on generated, labelled traffic', () => {
  for (const seed of [3, 42]) {
    it(`seed ${seed}: every category found, precision and recall >= 0.9`, () => {
      const g = generateTraffic({ seed, users: 40, durationMs: 4 * 3600_000, incidents: true });
      const findings = detectExchanges(g.exchanges, builtinPack(), { spec: g.spec });
      const scores = score(findings, g.labels);
      for (const c of Object.keys(CATEGORIES)) {
        const s = scores.find((x) => x.category === c);
        expect(s, `no incidents or findings for ${c}`).toBeDefined();
        expect(s!.recall, `${c} recall`).toBeGreaterThanOrEqual(0.9);
        expect(s!.precision, `${c} precision (${s!.truePositives}/${s!.findings})`).toBeGreaterThanOrEqual(0.9);
      }
    });
  }

  it('normal traffic alone raises nothing above low severity except the deprecated-spec zombie', () => {
    const g = generateTraffic({ seed: 5, users: 40, durationMs: 4 * 3600_000, incidents: false });
    const findings = detectExchanges(g.exchanges, builtinPack(), { spec: g.spec });
    // The generator's spec marks GET /api/v1/search deprecated while normal clients use it: a true zombie.
    expect(findings.filter((f) => f.rule !== 'zombie-api.deprecated-or-superseded').map((f) => `${f.rule} ${f.endpoint.path} ${f.evidence}`)).toEqual([]);
  });
});
