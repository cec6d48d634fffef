/**
 * Real labelled attack material (../shared/data/attacks, loaded by corpus.ts): OWASP CRS go-ftw
 * regression tests (expect_ids = an attack that must be flagged, no_expect_ids = benign input that
 * must not be) and CrowdSec hub scenario tests (access logs + the alerts CrowdSec raises on them).
 * Recall and precision are printed; the assertions are regression floors at the measured level.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/core/detect/engine.ts';
import { builtinPack } from '../../../src/core/detect/pack.ts';
import type { Finding } from '../../../src/core/detect/types.ts';
import type { StoredExchange } from '../../../src/core/model/exchange.ts';
import { ATTACK_CATEGORIES, CRS, CRS_FAMILY, crsCases, HUB, hubScenarios, matchedAlerts, readersPath } from './corpus.ts';

function findingsByRequest(exchanges: StoredExchange[]): Map<number, Finding[]> {
  const engine = createEngine(builtinPack());
  for (const e of exchanges) engine.push(e);
  const by = new Map<number, Finding[]>();
  for (const f of [...engine.drain(), ...engine.flush()]) for (const id of f.requestIds) by.set(id, [...(by.get(id) ?? []), f]);
  return by;
}

describe.skipIf(!existsSync(CRS))('OWASP CRS regression tests', () => {
  it('flags API-relevant attacks and stays quiet on benign inputs', () => {
    const cases = crsCases();
    const by = findingsByRequest(cases.map((c) => c.exchange));
    const rows: string[] = [];
    let tp = 0, attacks = 0, fp = 0, benign = 0;
    const familyRecall = new Map<string, number>();
    for (const family of Object.keys(CRS_FAMILY)) {
      const cats = CRS_FAMILY[family];
      const fam = cases.filter((c) => c.family === family);
      const att = fam.filter((c) => c.attack);
      const neg = fam.filter((c) => !c.attack);
      const caught = att.filter((c) => (by.get(c.exchange.id) ?? []).some((f) => cats?.includes(f.category)));
      const noisy = neg.filter((c) => (by.get(c.exchange.id) ?? []).some((f) => ATTACK_CATEGORIES.has(f.category)));
      rows.push(`${family.padEnd(40)} attacks ${caught.length}/${att.length}${cats ? '' : ' (out of scope)'}  benign flagged ${noisy.length}/${neg.length}`);
      if (cats) {
        familyRecall.set(family, caught.length / att.length);
        tp += caught.length;
        attacks += att.length;
      }
      fp += noisy.length;
      benign += neg.length;
    }
    const recall = tp / attacks;
    const fpRate = fp / benign;
    console.log(`CRS go-ftw: recall ${(recall * 100).toFixed(1)}% (${tp}/${attacks}) on API-relevant families; benign flagged ${(fpRate * 100).toFixed(1)}% (${fp}/${benign})\n${rows.join('\n')}`);
    expect(cases.length).toBeGreaterThan(500);
    expect(recall).toBeGreaterThanOrEqual(RECALL_FLOOR);
    expect(fpRate).toBeLessThanOrEqual(FP_CEILING);
    for (const [family, floor] of Object.entries(FAMILY_FLOORS)) expect(familyRecall.get(family), family).toBeGreaterThanOrEqual(floor);
  });
});

// ---------- CrowdSec hub scenarios ----------

describe.skipIf(!existsSync(HUB) || !existsSync(readersPath))('CrowdSec hub scenarios', () => {
  it('raises findings of the matching category for the alerted sources', async () => {
    const rows: string[] = [];
    let caught = 0, total = 0, unreadable = 0;
    for (const sc of await hubScenarios()) {
      if (!sc.exchanges) {
        unreadable++;
        rows.push(`${sc.dir.padEnd(34)} log not readable by the log readers`);
        continue;
      }
      const engine = createEngine(builtinPack());
      for (const e of sc.exchanges) engine.push(e);
      const findings = [...engine.drain(), ...engine.flush()];
      const hits = matchedAlerts(sc, findings);
      caught += hits.length;
      total += sc.expected.length;
      rows.push(`${sc.dir.padEnd(34)} ${hits.length}/${sc.expected.length} alerts matched (${sc.exchanges.length} lines; found: ${[...new Set(findings.map((f) => f.rule))].join(', ') || 'nothing'})`);
    }
    console.log(`CrowdSec hub: ${caught}/${total} alerts matched by category and source; ${unreadable} log(s) unreadable\n${rows.join('\n')}`);
    expect(total).toBeGreaterThan(10);
    expect(caught / total).toBeGreaterThanOrEqual(HUB_FLOOR);
  });
});

// Regression floors at (slightly below) the measured figures; see the printed tables.
// Measured: recall 1351/1443, benign flagged 59/700, hub 39/39.
const RECALL_FLOOR = 0.93;
// An upper bound: CRS's no_expect_ids only says *that* rule must stay quiet, and many such cases are
// attacks other CRS rules catch (`;vim … !whoami`, `;tar -xzf … /etc`), counted here as benign.
const FP_CEILING = 0.09;
const HUB_FLOOR = 0.97;
/**
 * Per family. Measured: 913 5/5, 921 71/75, 930 66/66, 931 21/36, 932 647/706, 933 316/322, 934 225/233.
 * 931's misses are URLs to other sites in parameters named `x` (CRS flags any off-domain URL;
 * webhooks and avatars make that no attack for an API; `x=http://example.com%2f@evil.com/` arrives
 * decoded, a URL to example.com) and `x=http?`-style values that are no URL.
 */
const FAMILY_FLOORS: Record<string, number> = {
  'REQUEST-913-SCANNER-DETECTION': 0.8,
  'REQUEST-921-PROTOCOL-ATTACK': 0.94,
  'REQUEST-930-APPLICATION-ATTACK-LFI': 0.98,
  'REQUEST-931-APPLICATION-ATTACK-RFI': 0.58,
  'REQUEST-932-APPLICATION-ATTACK-RCE': 0.91,
  'REQUEST-933-APPLICATION-ATTACK-PHP': 0.97,
  'REQUEST-934-APPLICATION-ATTACK-GENERIC': 0.96,
};
