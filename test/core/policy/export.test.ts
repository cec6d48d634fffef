import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse as parseYaml } from 'yaml';
import { detectExchanges } from '../../../src/core/detect/engine.ts';
import { packOf, parseRuleFile } from '../../../src/core/detect/pack.ts';
import { exportPolicy, writeBundle, type Bundle } from '../../../src/core/policy/export/index.ts';
import { parsePolicy, policyRevision } from '../../../src/core/policy/load.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { ex, freePort, fullPolicy, get, hasNginx, MODSEC_SO, nginxConf, nginxTest, startNginx, type Running } from './fixtures.ts';

const T0 = 1_700_000_000_000;
const NOW = () => new Date('2026-01-02T03:04:05Z');
const text = (b: Bundle, path: string): string => {
  const f = b.files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${b.files.map((x) => x.path).join(', ')}`);
  return typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8');
};

/** The policy the live enforcer tests load: one rule of each kind NGINX or ModSecurity enforce. */
const LIVE = parsePolicy(`
cartograph-policy: 1
name: live
rules:
  - {id: deny.tools, type: access-list, action: block, mode: deny, source: {origin: manual}, userAgents: [{contains: sqlmap}]}
  - id: block.zombie
    type: block-endpoints
    action: block
    source: {origin: manual}
    endpoints: [{method: GET, path: '/api/v1/users/{id}'}]
    methods: [DELETE]
  - id: allow.ops
    type: positive-model
    action: block
    source: {origin: manual}
    unknownParameters: allow
    operations: [{method: GET, path: /ok.txt}, {method: GET, path: '/api/v1/users/{id}'}]
  - {id: sig.injection, type: signature, action: block, source: {origin: manual}, signatures: [sqli, xss], targets: [query, headers]}
  - {id: rate.ip, type: rate-limit, action: throttle, source: {origin: manual}, key: ip, limit: 60, window: 1m, burst: 3}
`, 'live.yaml');

describe('every bundle', () => {
  it.each(['openapi', 'kong', 'nginx', 'modsecurity', 'opa', 'aws-waf', 'cartograph'] as const)('%s carries a manifest with revision, checksums and time', (format) => {
    const policy = fullPolicy();
    const b = exportPolicy(policy, format, { workspace: '/ws/shop.cartograph', now: NOW });
    expect(b.manifest).toMatchObject({ format, policy: { name: 'shop', revision: policyRevision(policy), rules: policy.rules.length }, workspace: '/ws/shop.cartograph', generatedAt: '2026-01-02T03:04:05.000Z' });
    expect(b.manifest.files.map((f) => f.path)).toEqual(b.files.map((f) => f.path));
    for (const f of b.manifest.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Nothing is dropped silently: every enabled rule is exported or listed as skipped.
    const covered = new Set([...b.manifest.exported, ...b.manifest.skipped.filter((s) => !s.part).map((s) => s.rule)]);
    for (const r of policy.rules) expect(covered.has(r.id) || b.manifest.skipped.some((s) => s.rule === r.id)).toBe(true);
    const dir = tempDir();
    const written = writeBundle(b, dir);
    expect(written.at(-1)).toBe(join(dir, 'manifest.json'));
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(b.manifest);
  });
});

describe('openapi', () => {
  it('is a valid OpenAPI 3.1 document of the allowed operations', async () => {
    const b = exportPolicy(fullPolicy(), 'openapi', { now: NOW });
    const doc = JSON.parse(text(b, 'openapi.json'));
    expect(doc.openapi).toMatch(/^3\.1\./);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v2/users/{id}', '/ok.txt', '/api/login']));
  });
});

describe('kong', () => {
  it('is declarative config 3.0 with the documented plugin shapes', () => {
    const b = exportPolicy(fullPolicy(), 'kong', { now: NOW });
    const cfg = parseYaml(text(b, 'kong.yaml'));
    expect(cfg._format_version).toBe('3.0');
    expect(Array.isArray(cfg.services)).toBe(true);
    const plugins = [...(cfg.plugins ?? []), ...cfg.services.flatMap((s: { plugins?: unknown[]; routes?: { plugins?: unknown[] }[] }) => [...(s.plugins ?? []), ...(s.routes ?? []).flatMap((r) => r.plugins ?? [])])] as { name: string; config: Record<string, unknown> }[];
    const names = new Set(plugins.map((p) => p.name));
    for (const n of ['rate-limiting', 'ip-restriction', 'request-validator', 'acl']) expect(names).toContain(n);
    for (const s of cfg.services) {
      expect(s.url ?? s.host).toBeTruthy();
      for (const r of s.routes ?? []) {
        expect(typeof r.name).toBe('string');
        expect(r.paths.every((p: string) => p.startsWith('/') || p.startsWith('~/'))).toBe(true);
      }
    }
    for (const p of plugins) {
      if (p.name === 'rate-limiting') {
        expect(['second', 'minute', 'hour', 'day'].some((u) => typeof p.config[u] === 'number')).toBe(true);
        expect(['ip', 'header', 'consumer', 'credential', 'service', 'path']).toContain(p.config.limit_by);
      }
      if (p.name === 'ip-restriction') expect(Array.isArray(p.config.deny ?? p.config.allow)).toBe(true);
      if (p.name === 'request-validator') {
        expect(['draft4', 'kong']).toContain(p.config.version ?? 'kong');
        if (p.config.body_schema !== undefined) expect(() => JSON.parse(p.config.body_schema as string)).not.toThrow();
      }
      if (p.name === 'acl') expect(Array.isArray(p.config.deny ?? p.config.allow)).toBe(true);
    }
  });
});

describe('opa', () => {
  it('is a bundle tarball with .manifest, Rego v1 policy and data.json', () => {
    const b = exportPolicy(fullPolicy(), 'opa', { now: NOW });
    const tgz = b.files.find((f) => f.path === 'bundle.tar.gz')!.content as Uint8Array;
    const tar = gunzipSync(tgz);
    const entries = new Map<string, string>();
    for (let off = 0; off + 512 <= tar.length; ) {
      const header = tar.subarray(off, off + 512);
      if (header.every((x) => x === 0)) break;
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8);
      // ustar checksum: the header's bytes summed with the checksum field as spaces.
      const sum = header.reduce((a, x, i) => a + (i >= 148 && i < 156 ? 32 : x), 0);
      expect(parseInt(header.subarray(148, 156).toString('utf8'), 8)).toBe(sum);
      entries.set(name, tar.subarray(off + 512, off + 512 + size).toString('utf8'));
      off += 512 + Math.ceil(size / 512) * 512;
    }
    expect([...entries.keys()].sort()).toEqual(['.manifest', 'cartograph/data.json', 'cartograph/policy.rego']);
    const manifest = JSON.parse(entries.get('.manifest')!);
    expect(manifest.revision).toBe(policyRevision(fullPolicy()));
    expect(manifest.roots).toEqual(['cartograph']);
    const rego = entries.get('cartograph/policy.rego')!;
    expect(rego).toMatch(/^package cartograph\.policy$/m);
    expect(rego).toMatch(/^import rego\.v1$/m);
    // Braces balance outside strings (a cheap syntax check; no opa binary here).
    let depth = 0;
    for (const line of rego.split('\n')) for (const c of line.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|#.*$/g, '')) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    expect(depth).toBe(0);
    const data = JSON.parse(entries.get('cartograph/data.json')!);
    expect(JSON.stringify(data)).toContain('deny.actors');
  });
});

describe('aws-waf', () => {
  it('follows the WAFv2 web ACL schema (names, priorities, statements, visibility, regex limits)', () => {
    const b = exportPolicy(fullPolicy(), 'aws-waf', { now: NOW });
    const acl = JSON.parse(text(b, 'web-acl.json'));
    expect(acl).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} }, VisibilityConfig: { MetricName: expect.any(String) } });
    expect(acl.Name).toMatch(/^[\w-]{1,128}$/);
    const priorities = new Set<number>();
    for (const r of acl.Rules) {
      expect(r.Name).toMatch(/^[\w-]{1,128}$/);
      expect(priorities.has(r.Priority)).toBe(false);
      priorities.add(r.Priority);
      expect(Object.keys(r.Action ?? r.OverrideAction)).toHaveLength(1);
      expect(['Block', 'Count', 'Allow', 'Captcha', 'Challenge']).toContain(Object.keys(r.Action)[0]);
      expect(r.VisibilityConfig).toMatchObject({ SampledRequestsEnabled: expect.any(Boolean), CloudWatchMetricsEnabled: expect.any(Boolean), MetricName: expect.stringMatching(/^[\w-]{1,255}$/) });
      expect(Object.keys(r.Statement)).toHaveLength(1);
      if (r.Statement.RateBasedStatement) {
        expect(r.Statement.RateBasedStatement.Limit).toBeGreaterThanOrEqual(10);
        expect([60, 120, 300, 600]).toContain(r.Statement.RateBasedStatement.EvaluationWindowSec ?? 300);
      }
    }
    // Every regex AWS would compile stays within its 512-character limit.
    JSON.stringify(acl, (k, v) => {
      if (k === 'RegexString') expect((v as string).length).toBeLessThanOrEqual(512);
      return v;
    });
    const ipSets = JSON.parse(text(b, 'ip-sets.json'));
    for (const s of ipSets) for (const a of s.Addresses) expect(a).toMatch(/\/\d+$/);
  });
});

describe('cartograph rule pack', () => {
  it('is a pack the detection engine runs, catching what the policy blocks', () => {
    const b = exportPolicy(LIVE, 'cartograph', { now: NOW });
    const rules = parseRuleFile(text(b, 'cartograph-rules.yaml'), 'cartograph-rules.yaml');
    const findings = detectExchanges([
      ex({ id: 1, time: T0, path: '/ok.txt' }),
      ex({ id: 2, time: T0 + 10_000, path: '/api/v1/users/7' }),
      ex({ id: 3, time: T0 + 20_000, path: '/ok.txt', ua: 'sqlmap/1.7' }),
      ex({ id: 4, time: T0 + 30_000, path: '/nope' }),
      ex({ id: 5, time: T0 + 40_000, path: '/ok.txt', query: "?q=1'%20OR%20'1'='1" }),
    ], packOf('policy', rules));
    const hit = (id: number) => findings.filter((f) => f.requestIds.includes(id)).map((f) => f.rule);
    expect(hit(1)).toEqual([]);
    expect(hit(2).join()).toMatch(/block\.zombie/);
    expect(hit(3).join()).toMatch(/deny\.tools/);
    expect(hit(4).join()).toMatch(/allow\.ops/);
    expect(hit(5).join()).toMatch(/sig\.injection/);
  });
});

describe.skipIf(!hasNginx)('nginx (real /usr/sbin/nginx)', () => {
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop();
  });

  function layout(policy: ReturnType<typeof fullPolicy>, port: number): { dir: string; conf: string } {
    const dir = tempDir('cartograph-nginx-');
    writeBundle(exportPolicy(policy, 'nginx', { now: NOW }), join(dir, 'policy'));
    const conf = nginxConf(dir, { port, http: `  include ${join(dir, 'policy', 'cartograph-http.conf')};`, server: `    include ${join(dir, 'policy', 'cartograph-server.conf')};` });
    writeFileSync(join(dir, 'www', 'ok.txt'), 'ok\n');
    return { dir, conf };
  }

  it('passes nginx -t with every rule type', async () => {
    const { dir, conf } = layout(fullPolicy(), await freePort());
    const r = nginxTest(dir, conf);
    expect(r.output).toMatch(/syntax is ok/);
    expect(r.ok).toBe(true);
  });

  it('denies what the policy blocks and passes normal requests, live', async () => {
    const port = await freePort();
    const { dir, conf } = layout(LIVE, port);
    const n = await startNginx(dir, conf, port);
    running.push(n);
    expect(await get(port, '/ok.txt')).toBe(200);
    expect(await get(port, '/api/v1/users/42')).toBe(403);
    expect(await get(port, '/ok.txt', { method: 'DELETE' })).toBe(403);
    expect(await get(port, '/ok.txt', { headers: { 'user-agent': 'sqlmap/1.7#stable' } })).toBe(403);
    expect(await get(port, '/not-an-operation')).toBe(403);
    expect(await get(port, '/ok.txt', { headers: { 'user-agent': 'Mozilla/5.0' } })).toBe(200);
    // 60/min with a burst of 3: a quick run of requests is cut off with 429.
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push(await get(port, '/ok.txt'));
    expect(codes).toContain(429);
    expect(codes[0]).toBe(200);
  });
});

describe.skipIf(!hasNginx || !MODSEC_SO)('modsecurity (real nginx + libmodsecurity module)', () => {
  it('loads the rules and blocks a malicious request while passing a normal one', async () => {
    const port = await freePort();
    const dir = tempDir('cartograph-modsec-');
    const b = exportPolicy(LIVE, 'modsecurity', { now: NOW });
    writeBundle(b, join(dir, 'policy'));
    const rules = join(dir, 'policy', b.files[0].path);
    const conf = nginxConf(dir, { port, modules: [MODSEC_SO!], server: `    modsecurity on;\n    modsecurity_rules_file ${rules};` });
    writeFileSync(join(dir, 'www', 'ok.txt'), 'ok\n');
    const t = nginxTest(dir, conf);
    expect(t.output).toMatch(/syntax is ok/);
    const n = await startNginx(dir, conf, port);
    try {
      expect(await get(port, '/ok.txt?q=lamp')).toBe(200);
      expect(await get(port, `/ok.txt?q=${encodeURIComponent("1' OR '1'='1")}`)).toBe(403);
      expect(await get(port, '/ok.txt', { headers: { 'x-note': '<script>alert(1)</script>' } })).toBe(403);
      expect(await get(port, '/api/v1/users/42')).toBe(403);
      expect(await get(port, '/ok.txt', { headers: { 'user-agent': 'sqlmap/1.7' } })).toBe(403);
      expect(await get(port, '/elsewhere')).toBe(403);
    } finally {
      await n.stop();
    }
  });
});
