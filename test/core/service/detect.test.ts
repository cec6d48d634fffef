/**
 * The detection slice through the service host, as the renderer's findings and rules views use it:
 * run on the bundled sample workspace, list grouped, triage, suppress similar, read a rule's
 * source, test a rule, an actor's timeline, explain an exchange.
 */
import { describe, expect, it } from 'vitest';
import { useServiceHost } from '../../helpers/service.ts';

const call = useServiceHost({ detect: true });

describe('detection slice on the sample workspace', () => {
  it('groups findings by category, actor and endpoint', async () => {
    const byCategory = await call('findings.list', { groupBy: 'category' });
    expect(byCategory.counts.total).toBe(byCategory.findings.length);
    expect(byCategory.counts.total).toBeGreaterThan(5);
    const keys = byCategory.groups!.map((g) => g.key);
    expect(keys).toEqual(expect.arrayContaining(['bola', 'injection', 'scanner', 'credential-stuffing']));
    expect(byCategory.groups!.reduce((n, g) => n + g.count, 0)).toBe(byCategory.findings.length);
    const byActor = await call('findings.list', { groupBy: 'actor' });
    expect(byActor.groups!.map((g) => g.key)).toContain('/192.0.2.200');
    const byEndpoint = await call('findings.list', { groupBy: 'endpoint' });
    expect(byEndpoint.groups!.map((g) => g.key)).toContain('GET api.shop.example /api/v1/orders/{id}');
  });

  it('triages a finding, and a suppression marks similar findings suppressed on the next run too', async () => {
    const { findings } = await call('findings.list', {});
    const bola = findings.find((f) => f.rule === 'bola.foreign-object')!;
    const triaged = await call('findings.triage', { id: bola.id, status: 'confirmed', note: 'walked orders of others' });
    expect(triaged).toMatchObject({ status: 'confirmed', note: 'walked orders of others' });

    const scanner = findings.filter((f) => f.actor.ip === '192.0.2.200');
    expect(scanner.length).toBeGreaterThan(1);
    const s = await call('suppressions.add', { actor: '192.0.2.200', note: 'our own pen-test box' });
    expect(s).toMatchObject({ actor: '192.0.2.200', note: 'our own pen-test box' });
    await call('detect.run', {});
    const after = await call('findings.list', { status: 'suppressed' });
    expect(after.findings.map((f) => f.id).sort()).toEqual(scanner.map((f) => f.id).sort());
    expect((await call('findings.get', { id: bola.id })).finding.status).toBe('confirmed');
    await call('suppressions.remove', { id: s.id });
    expect((await call('findings.list', { status: 'suppressed' })).findings).toEqual([]);
  });

  it('gives a finding with its evidence requests and rule doc', async () => {
    const { findings } = await call('findings.list', {});
    const f = findings.find((x) => x.rule === 'bola.foreign-object')!;
    const detail = await call('findings.get', { id: f.id });
    expect(detail.evidence.map((e) => e.id)).toEqual(f.requestIds);
    expect(detail.rule).toMatchObject({ id: 'bola.foreign-object', category: 'bola' });
  });

  it('serves a built-in rule file as YAML, and refuses unknown rules', async () => {
    const rules = await call('rules.list', {});
    const sqli = rules.find((r) => r.id === 'injection.sqli')!;
    const text = await call('rules.source', { id: sqli.id });
    expect(text).toMatch(/^id: injection\.sqli$/m);
    expect(text).toMatch(/^kind: match$/m);
    await expect(call('rules.source', { id: 'no.such-rule' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(call('rules.source', { id: '' })).rejects.toMatchObject({ code: 'bad-input' });
    // The served text is a rule the tester accepts and that finds the sample's SQL injection.
    const tested = await call('rules.test', { yaml: text });
    expect(tested).toMatchObject({ ok: true, rules: ['injection.sqli'] });
    if (tested.ok) expect(tested.matches.map((m) => m.actor.ip)).toContain('192.0.2.201');
  });

  it('reports a broken rule with the field at fault', async () => {
    const r = await call('rules.test', { yaml: 'id: custom.x\nkind: match\ncategory: injection\ntitle: t\nseverity: high\nconfidence: 2\nevidence: e\nmatch: { field: path, contains: x }\n' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ field: expect.stringContaining('confidence') });
  });

  it('draws an actor timeline with the findings it is evidence of', async () => {
    const t = await call('actor.timeline', { ip: '192.0.2.200', limit: 5000 });
    expect(t.total).toBeGreaterThan(0);
    expect(t.entries.length).toBe(t.total);
    expect(t.entries.some((e) => e.findingIds.length > 0)).toBe(true);
    expect(t.findings.map((f) => f.category)).toContain('scanner');
  });

  it('explains what each rule made of one exchange', async () => {
    const { findings } = await call('findings.list', {});
    const sqli = findings.find((f) => f.rule === 'injection.sqli')!;
    const x = await call('detect.explain', { exchangeId: sqli.requestIds[0] });
    expect(x.find((r) => r.rule === 'injection.sqli')).toMatchObject({ matched: true, findingId: sqli.id });
    expect(x.some((r) => !r.matched && r.reason.length > 0)).toBe(true);
  });
});
