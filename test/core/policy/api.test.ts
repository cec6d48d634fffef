/**
 * The policy slice through the service host, as the policy view uses it, on the bundled sample
 * workspace: draft from findings, save and load, validate with positions, dry-run with
 * drill-down ids, export to a folder and as a download, the editor's schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.ts';
import { useServiceHost } from '../../helpers/service.ts';

const call = useServiceHost({ detect: true });

describe('policy slice on the sample workspace', () => {
  let text = '';

  it('drafts from all findings or a selection', async () => {
    const all = await call('policy.draft', {});
    expect(all.findings).toBeGreaterThan(5);
    expect(all.text).toMatch(/^cartograph-policy: 1$/m);
    expect(all.rules).toBeGreaterThan(2);
    text = all.text;
    const { findings } = await call('findings.list', {});
    const injection = findings.filter((f) => f.category === 'injection');
    const some = await call('policy.draft', { findingIds: injection.map((f) => f.id) });
    expect(some.findings).toBe(injection.length);
    expect(some.text).toMatch(/id: signatures\.injection/);
    expect(some.text).not.toMatch(/id: deny\.scanner-user-agents/);
    await expect(call('policy.draft', { findingIds: ['nope'] })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('saves and loads the text, invalid or not', async () => {
    expect(await call('policy.get', {})).toEqual({ text: null, updatedAt: null });
    const saved = await call('policy.save', { text });
    expect(saved.validation).toMatchObject({ ok: true, problems: [] });
    expect(await call('policy.get', {})).toEqual({ text, updatedAt: saved.updatedAt });
    const broken = `${text}  - id: x\n`;
    expect((await call('policy.save', { text: broken })).validation.ok).toBe(false);
    expect((await call('policy.get', {})).text).toBe(broken);
  });

  it('validates with the position of the problem', async () => {
    const bad = text.replace(/limit: \d+/, 'limit: -5');
    const v = await call('policy.validate', { text: bad });
    expect(v.ok).toBe(false);
    const p = v.problems[0];
    expect(p.message).toMatch(/\/limit: must be >= 1/);
    expect(bad.split('\n')[p.line - 1]).toMatch(/limit: -5/);
    expect(p.pointer).toMatch(/^\/rules\/\d+\/limit$/);
    const yaml = await call('policy.validate', { text: 'rules: [unclosed\n' });
    expect(yaml.problems[0]).toMatchObject({ message: expect.stringMatching(/not valid YAML/) });
  });

  it('dry-runs per rule with drill-down ids', async () => {
    const r = await call('policy.simulate', { text });
    expect(r.exchanges).toBeGreaterThan(50);
    expect(r.revision).toMatch(/^[0-9a-f]{16}$/);
    const acting = r.rules.filter((x) => x.matched > 0);
    expect(acting.length).toBeGreaterThan(0);
    for (const x of acting) expect(x.samples.flagged.length + x.samples.clean.length).toBeGreaterThan(0);
    expect(r.totals.blockedFlagged).toBeGreaterThan(0);
    // Samples are workspace exchanges.
    const id = acting[0].samples.flagged[0] ?? acting[0].samples.clean[0];
    expect((await call('traffic.get', { id })).id).toBe(id);
    await expect(call('policy.simulate', { text: 'name: x' })).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('exports to a folder, or as a .tar.gz download', async () => {
    const out = join(tempDir(), 'nginx-bundle');
    const written = await call('policy.export', { text, format: 'nginx', path: out });
    expect(written.path).toBe(out);
    expect(existsSync(join(out, 'cartograph-http.conf'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).policy.revision).toBe(written.manifest.policy.revision);
    const dl = await call('policy.export', { text, format: 'opa' });
    expect(dl.path).toBeNull();
    expect(dl.download!.name).toMatch(/-opa-[0-9a-f]{16}\.tar\.gz$/);
    const tar = gunzipSync(Buffer.from(dl.download!.base64, 'base64')).toString('latin1');
    expect(tar).toContain('manifest.json');
    expect(tar).toContain('bundle.tar.gz');
  });

  it('serves the JSON Schema the editor uses', async () => {
    const s = await call('policy.schema', {});
    expect(s).toMatchObject({ title: 'Cartograph policy', required: ['cartograph-policy', 'name', 'rules'] });
  });
});
