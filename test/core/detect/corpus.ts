/**
 * Real labelled attack material from ../shared/data/attacks, as exchanges with their labels: OWASP
 * CRS go-ftw regression tests (expect_ids = an attack, no_expect_ids = benign input) and CrowdSec
 * hub scenario tests (access logs + the alerts CrowdSec raises on them). Shared by the corpus
 * test (regression floors) and the detection bench (per-category recall and precision).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Category, Finding } from '../../../src/core/detect/types.ts';
import type { StoredExchange } from '../../../src/core/model/exchange.ts';
import type { Reader } from '../../../src/core/ingest/reader.ts';
import { shared } from '../../helpers/paths.ts';
import { toStored } from './generator.ts';

export const CRS = shared('attacks', 'coreruleset__coreruleset');
export const HUB = shared('attacks', 'crowdsecurity__hub');

/** CRS rule file family → the category a finding must carry to count as caught. */
export const CRS_FAMILY: Record<string, Category[] | null> = {
  'REQUEST-913-SCANNER-DETECTION': ['scanner'],
  'REQUEST-920-PROTOCOL-ENFORCEMENT': null, // HTTP protocol conformance: not API-abuse categories
  'REQUEST-921-PROTOCOL-ATTACK': ['injection'],
  'REQUEST-930-APPLICATION-ATTACK-LFI': ['injection'],
  'REQUEST-931-APPLICATION-ATTACK-RFI': ['injection', 'ssrf'],
  'REQUEST-932-APPLICATION-ATTACK-RCE': ['injection'],
  'REQUEST-933-APPLICATION-ATTACK-PHP': ['injection'],
  'REQUEST-934-APPLICATION-ATTACK-GENERIC': ['injection', 'ssrf'],
};
export const ATTACK_CATEGORIES = new Set<Category>(['injection', 'ssrf', 'scanner']);

interface FtwInput { method?: string; uri?: string; headers?: Record<string, unknown>; data?: unknown; encoded_request?: string }
interface FtwTest { test_id: number; stages: { input?: FtwInput; stage?: { input?: FtwInput; output?: FtwOutput }; output?: FtwOutput }[] }
interface FtwOutput { log?: { expect_ids?: number[]; no_expect_ids?: number[] }; expect_ids?: number[]; no_expect_ids?: number[] }

export interface Case { family: string; file: string; test: number; attack: boolean; exchange: StoredExchange }

export function crsCases(): Case[] {
  const out: Case[] = [];
  if (!existsSync(CRS)) return out;
  let id = 0;
  for (const family of readdirSync(CRS).sort()) {
    for (const file of readdirSync(join(CRS, family)).filter((f) => f.endsWith('.yaml')).sort()) {
      const docs = parseAllDocuments(readFileSync(join(CRS, family, file), 'utf8'));
      const tests = (Array.isArray(docs) ? docs : [docs]).flatMap((d) => ((d.toJS() as { tests?: FtwTest[] } | null)?.tests ?? []));
      for (const t of tests) {
        const stage = t.stages?.[0];
        const input = stage?.input ?? stage?.stage?.input;
        const output = stage?.output ?? stage?.stage?.output;
        if (!input || input.encoded_request || !output) continue;
        const expectIds = output.log?.expect_ids ?? output.expect_ids;
        const noExpect = output.log?.no_expect_ids ?? output.no_expect_ids;
        if (!expectIds?.length && !noExpect?.length) continue;
        const headers = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k, String(v)]));
        const host = String(headers.Host ?? headers.host ?? 'localhost').replace(/[^\w.-]/g, '') || 'localhost';
        let uri = input.uri ?? '/';
        if (!uri.startsWith('/')) uri = `/${uri}`;
        let exchange: StoredExchange;
        try {
          exchange = toStored({ time: Date.UTC(2026, 0, 1) + id * 60_000, method: input.method ?? 'GET', url: `http://${host}${uri.replace(/#/g, '%23')}`, ip: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`, reqHeaders: headers, reqBody: input.data === undefined ? undefined : String(input.data) }, ++id);
        } catch {
          continue; // URLs the WHATWG parser refuses cannot reach an API either
        }
        out.push({ family, file, test: t.test_id, attack: Boolean(expectIds?.length), exchange });
      }
    }
  }
  return out;
}

export const SCENARIO_CATEGORY: Record<string, Category> = {
  'crowdsecurity/CVE-2022-26134': 'injection',
  'crowdsecurity/apache_log4j2_cve-2021-44228': 'injection',
  'crowdsecurity/http-cve-2021-41773': 'injection',
  'crowdsecurity/spring4shell_cve-2022-22965': 'injection',
  'crowdsecurity/http-path-traversal-probing': 'injection',
  'crowdsecurity/http-bad-user-agent': 'scanner',
  'crowdsecurity/http-backdoors-attempts': 'scanner',
  'crowdsecurity/http-cve-probing': 'scanner',
  'crowdsecurity/http-probing': 'scanner',
  'crowdsecurity/http-technology-probing': 'scanner',
  'crowdsecurity/http-wordpress-scan': 'scanner',
  'crowdsecurity/http-wordpress_user-enum': 'scanner',
  'crowdsecurity/http-generic-bf': 'brute-force',
  'LePresidente/http-generic-401-bf': 'brute-force',
  'crowdsecurity/http-magento-bf': 'brute-force',
  'crowdsecurity/http-dos-bypass-cache': 'resource-consumption',
  'crowdsecurity/http-dos-random-uri': 'resource-consumption',
  'crowdsecurity/http-dos-invalid-http-versions': 'resource-consumption',
  'crowdsecurity/nginx-req-limit-exceeded': 'resource-consumption',
  'crowdsecurity/http-open-proxy': 'ssrf',
};

export function alerts(assertText: string): { scenario: string; ip: string }[] {
  const out = new Map<number, { scenario?: string; ip?: string }>();
  for (const m of assertText.matchAll(/"([^"]+)" in results\[(\d+)\]\.Overflow\.GetSources\(\)/g)) out.set(Number(m[2]), { ...out.get(Number(m[2])), ip: m[1] });
  for (const m of assertText.matchAll(/results\[(\d+)\]\.Overflow\.Alert\.GetScenario\(\) == "([^"]+)"/g)) out.set(Number(m[1]), { ...out.get(Number(m[1])), scenario: m[2] });
  return [...out.values()].filter((a): a is { scenario: string; ip: string } => Boolean(a.scenario && a.ip));
}

export const readersPath = join(import.meta.dirname, '../../../src/core/ingest/formats/logs.ts');

export async function readLog(path: string): Promise<StoredExchange[] | null> {
  const { logReaders } = (await import(readersPath)) as { logReaders: readonly Reader[] };
  const bytes = readFileSync(path);
  const head = bytes.subarray(0, 65536);
  const name = path.split('/').pop()!;
  const reader = [...logReaders].map((r) => ({ r, s: r.sniff(head, name) })).sort((a, b) => b.s - a.s)[0];
  if (!reader || reader.s <= 0) return null;
  const out: StoredExchange[] = [];
  const input = { name, size: bytes.length, chunks: async function* () { yield new Uint8Array(bytes); } };
  for await (const item of reader.r.read(input, { signal: new AbortController().signal, options: {} })) {
    if (item.kind !== 'exchange') continue;
    const e = item.exchange;
    out.push({ ...e, id: out.length + 1, sourceId: 1, principal: null, principalKind: null, ip: e.clientIp });
  }
  return out.sort((a, b) => a.time - b.time || a.id - b.id);
}

export interface HubScenario {
  dir: string;
  /** Alerts of scenarios this project has a category for. */
  expected: { scenario: string; ip: string; category: Category }[];
  /** null when no log reader could read the log. */
  exchanges: StoredExchange[] | null;
}

/** Every CrowdSec hub test with a log and at least one alert of a scenario we map to a category. */
export async function hubScenarios(): Promise<HubScenario[]> {
  const out: HubScenario[] = [];
  if (!existsSync(HUB) || !existsSync(readersPath)) return out;
  for (const dir of readdirSync(HUB).sort()) {
    const files = readdirSync(join(HUB, dir));
    const log = files.find((f) => f.endsWith('.log'));
    if (!log || !files.includes('scenario.assert')) continue;
    const expected = alerts(readFileSync(join(HUB, dir, 'scenario.assert'), 'utf8'))
      .filter((a) => SCENARIO_CATEGORY[a.scenario])
      .map((a) => ({ ...a, category: SCENARIO_CATEGORY[a.scenario] }));
    if (expected.length === 0) continue;
    const exchanges = await readLog(join(HUB, dir, log)).catch(() => null);
    out.push({ dir, expected, exchanges: exchanges && exchanges.length ? exchanges : null });
  }
  return out;
}

/** The alerts of a scenario matched by a finding of the alert's category naming the alerted source. */
export function matchedAlerts(s: HubScenario, findings: readonly Finding[]): HubScenario['expected'] {
  const ex = s.exchanges ?? [];
  return s.expected.filter((a) => findings.some((f) => f.category === a.category && (f.actor.ip === a.ip || f.requestIds.some((id) => ex[id - 1]?.ip === a.ip))));
}
