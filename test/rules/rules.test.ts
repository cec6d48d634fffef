/**
 * One folder per built-in rule (CrowdSec-hub style): input.jsonl holds the exchanges of a small
 * scenario, expected.json the findings the rule named by the folder must make — no more, no fewer.
 * Other rules may fire on the same scenario; only the folder's rule is judged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectExchanges } from '../../src/core/detect/engine.ts';
import { builtinPack } from '../../src/core/detect/pack.ts';
import type { ApiSpec, Finding } from '../../src/core/detect/types.ts';
import { toStored, type CompactExchange } from '../core/detect/generator.ts';

interface Expected {
  description: string;
  spec?: ApiSpec;
  findings: (Partial<Pick<Finding, 'actor' | 'endpoint' | 'severity' | 'requestCount' | 'requestIds'>> & { minRequestCount?: number; evidenceContains?: string })[];
}

const DIR = import.meta.dirname;
const folders = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const pack = builtinPack();

describe('built-in rules against their scenarios', () => {
  it('every built-in rule has a scenario folder', () => {
    expect(folders).toEqual(pack.rules.map((r) => r.id).sort());
  });

  for (const rule of folders) {
    it(rule, () => {
      const expected = JSON.parse(readFileSync(join(DIR, rule, 'expected.json'), 'utf8')) as Expected;
      const input = readFileSync(join(DIR, rule, 'input.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l, i) => toStored(JSON.parse(l) as CompactExchange, i + 1));
      const got = detectExchanges(input, pack, { spec: expected.spec ?? null }).filter((f) => f.rule === rule);
      expect(got.length, `${rule}: ${expected.description}\n${got.map((f) => f.evidence).join('\n')}`).toBe(expected.findings.length);
      for (const want of expected.findings) {
        const match = got.find((f) => (!want.endpoint || (f.endpoint.host === want.endpoint.host && f.endpoint.method === want.endpoint.method && f.endpoint.path === want.endpoint.path)) && (!want.actor || (f.actor.ip === want.actor.ip && f.actor.principal === want.actor.principal)));
        expect(match, `${rule}: no finding for ${JSON.stringify(want)} in ${JSON.stringify(got.map((f) => [f.actor, f.endpoint]))}`).toBeDefined();
        const f = match!;
        if (want.severity) expect(f.severity).toBe(want.severity);
        if (want.requestCount !== undefined) expect(f.requestCount).toBe(want.requestCount);
        if (want.minRequestCount !== undefined) expect(f.requestCount).toBeGreaterThanOrEqual(want.minRequestCount);
        if (want.requestIds) expect(f.requestIds).toEqual(want.requestIds);
        if (want.evidenceContains) expect(f.evidence).toContain(want.evidenceContains);
        // Every evidence placeholder was filled ({id} and friends in paths are templates, not placeholders).
        expect(f.evidence).not.toMatch(/\{(?:count|distinct2?|ratio|window|sample|where|signature|endpoint|actor|host|succeeded|failed|property|writers|peak|rate|objects|owners|role|why|members|fields|median|operations)\}/);
        expect(f.owasp).toMatch(/^API\d+:2023$/);
      }
    });
  }
});
