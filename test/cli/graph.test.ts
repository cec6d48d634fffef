import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { ROOT, shared } from '../helpers/paths.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();

interface GraphJson {
  nodes: { id: string; kind: string; label: string; count: number }[];
  edges: { source: string; target: string; kind: string; count: number }[];
}

describe('cartograph graph (cli-contract.md)', () => {
  it('prints nodes and edges with kinds and counts in the contract shape', async () => {
    const db = join(dir, 'shop.sqlite');
    expect((await cli(['import', join(ROOT, 'resources/sample/shop-api.har'), '--db', db])).code).toBe(0);
    const r = await cli(['graph', '--db', db, '--json', '--principals']);
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout) as GraphJson;
    for (const n of g.nodes) {
      expect(Object.keys(n)).toEqual(expect.arrayContaining(['id', 'kind', 'label', 'count']));
      expect(['host', 'service', 'endpoint', 'principal']).toContain(n.kind);
    }
    for (const e of g.edges) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['source', 'target', 'kind', 'count']));
      expect(['sequence', 'data-flow', 'auth', 'calls']).toContain(e.kind);
      expect(g.nodes.some((n) => n.id === e.source) && g.nodes.some((n) => n.id === e.target)).toBe(true);
    }
    expect(new Set(g.edges.map((e) => e.kind))).toEqual(new Set(['sequence', 'data-flow', 'auth', 'calls']));
    expect(g.nodes.filter((n) => n.kind === 'host').map((n) => n.label)).toEqual(['api.shop.example']);
    // --principals adds who called what.
    expect(g.nodes.find((n) => n.id === 'principal:user-1001')?.kind).toBe('principal');
    expect(g.edges.some((e) => e.kind === 'calls' && e.source === 'principal:user-1001')).toBe(true);
  });

  it('draws gateway → upstream calls from real Traefik and Envoy logs', async () => {
    const db = join(dir, 'gw.sqlite');
    await cli(['import', shared('logs/crowdsecurity__hub/traefik_json/traefik_json.log'), shared('logs/crowdsecurity__hub/envoy-logs/envoy.log'), '--db', db]);
    const g = JSON.parse((await cli(['graph', '--db', db, '--json'])).stdout) as GraphJson;
    const calls = g.edges.filter((e) => e.kind === 'calls');
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.find((e) => e.source === 'host:api.localhost' && e.target === 'service:api:8080')).toBeDefined();
    expect(g.nodes.filter((n) => n.kind === 'service').length).toBeGreaterThan(3);
  });

  it('prints a human table, and exits 2 on bad usage', async () => {
    const db = join(dir, 'shop.sqlite');
    const [human, bad, missing] = await Promise.all([
      cli(['graph', '--db', db, '--min-count', '20']),
      cli(['graph', '--db', db, '--filter', 'stauts = 1']),
      cli(['graph', '--db', join(dir, 'missing.sqlite')]),
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^326 exchanges: 1 host, \d+ endpoints/);
    const counts = [...human.stdout.matchAll(/^(?:sequence|data-flow|auth|calls)\s+(\d+)/gm)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(2);
    expect(counts.every((c) => c >= 20)).toBe(true);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/column \d+/);
    expect(missing.code).toBe(2);
  });
});
