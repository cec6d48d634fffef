import { ExchangeView } from '../src/core/detect/fields.ts';
import { defaultTemplateOf } from '../src/core/detect/template.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
const pool = generateTraffic({ seed: 99, users: 300, durationMs: 12 * 3600_000, incidents: true });
const kinds = ['path', 'query', 'headers', 'cookies', 'body', 'user-agent', 'response.body'];
const n = new Map<string, number>(), plain = new Map<string, number>();
const samples = new Map<string, Set<string>>();
let reqBodies = 0, respBodies = 0, respBytes = 0;
for (const e of pool.exchanges) {
  const v = new ExchangeView(e, defaultTemplateOf(e));
  if (e.requestBody) reqBodies++;
  if (e.responseBody) { respBodies++; respBytes += e.responseBody.length; }
  for (const k of kinds) for (const t of v.targets(k)) {
    n.set(k, (n.get(k) ?? 0) + 1);
    if (t.plain) plain.set(k, (plain.get(k) ?? 0) + 1);
    else { const s = samples.get(k) ?? new Set(); if (s.size < 15) s.add(t.value.slice(0, 60)); samples.set(k, s); }
  }
}
console.log(pool.exchanges.length, { reqBodies, respBodies, avgResp: respBytes / respBodies });
for (const k of kinds) console.log(k, n.get(k), 'plain', plain.get(k), [...(samples.get(k) ?? [])]);
