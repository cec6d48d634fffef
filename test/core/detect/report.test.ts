import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderReport, sarif } from '../../../src/core/detect/report.ts';
import type { Finding } from '../../../src/core/detect/types.ts';

const hostile: Finding = {
  id: 'f1', rule: 'injection.xss', category: 'injection', owasp: 'API8:2023', severity: 'medium', confidence: 0.8, title: 'XSS <b>payload</b>',
  actor: { ip: '203.0.113.7', principal: '<img src=x onerror=alert(1)>' }, endpoint: { host: 'api.example', method: 'POST', path: '/orders/{id}' },
  requestIds: [7, 8], requestCount: 3, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:05.000Z', evidence: '1 request carried <script>alert("x")</script> in body note.',
};
const second: Finding = { ...hostile, id: 'f2', rule: 'scanner.probe-paths', category: 'scanner', severity: 'critical', title: 'Probe', endpoint: { host: 'api.example', method: '*', path: '*' }, evidence: 'probe' };
const lookup = (id: number) => (id === 7 ? { id, time: 0, method: 'POST', url: 'https://api.example/orders/1?q=<script>', status: 201, ip: '203.0.113.7', principal: null } : null);

/** The OASIS SARIF 2.1.0 schema (rtm.5, as published to SchemaStore), shipped by @microsoft/jest-sarif. */
const SARIF_SCHEMA = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;

describe('reports', () => {
  it('HTML is self-contained and escapes everything that came from traffic', () => {
    const html = renderReport([hostile, second], lookup, 'html', { now: 0 });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('https://api.example/orders/1?q=&lt;script&gt;');
    expect(html).toContain('not in this workspace');
    expect(html).toContain('1 more request(s) not listed');
    expect(html).not.toMatch(/(?:src|href)=["']?https?:/);
    // Most severe first.
    expect(html.indexOf('id="f-f2"')).toBeLessThan(html.indexOf('id="f-f1"'));
  });

  it('SARIF is valid against the SARIF 2.1.0 schema', () => {
    // The published schema has a pattern (language tags) that is only valid as a non-unicode RegExp.
    const ajv = new Ajv04({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const doc = JSON.parse(renderReport([hostile, second], lookup, 'sarif'));
    const ok = ajv.validate(SARIF_SCHEMA, doc);
    expect(ajv.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema does bite: a wrong version or a result without a message is refused.
    expect(ajv.validate(SARIF_SCHEMA, { ...doc, version: '2.0.0' })).toBe(false);
    expect(ajv.validate(SARIF_SCHEMA, { ...doc, runs: [{ ...doc.runs[0], results: [{ ruleId: 'x' }] }] })).toBe(false);
    const run = doc.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['injection.xss', 'scanner.probe-paths']);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    expect(run.results[0]).toMatchObject({ ruleId: 'scanner.probe-paths', level: 'error', partialFingerprints: { 'cartographFindingId/v1': 'f2' } });
    expect(run.results[1].locations[0].physicalLocation.artifactLocation.uri).toBe('https://api.example/orders/%7Bid%7D');
    expect(sarif([]).runs[0].results).toEqual([]);
  });

  it('JSON carries a summary and the findings unchanged', () => {
    const doc = JSON.parse(renderReport([hostile], lookup, 'json', { now: Date.UTC(2026, 0, 1) }));
    expect(doc).toMatchObject({ tool: 'cartograph', generatedAt: '2026-01-01T00:00:00.000Z', summary: { total: 1, bySeverity: { medium: 1 } } });
    expect(doc.findings[0]).toEqual(hostile);
  });
});
