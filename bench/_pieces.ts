import { ExchangeView } from '../src/core/detect/fields.ts';
import { defaultTemplateOf } from '../src/core/detect/template.ts';
import { generateTraffic } from '../test/core/detect/generator.ts';
const pool = generateTraffic({ seed: 99, users: 300, durationMs: 12 * 3600_000, incidents: true });
const time = (label: string, f: (v: ExchangeView) => void) => {
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    for (const e of pool.exchanges) f(new ExchangeView(e, defaultTemplateOf(e)));
    if (k === 2) console.log(`${label.padEnd(30)} ${(performance.now() - t0).toFixed(0)} ms`);
  }
};
time('view only', () => {});
for (const k of ['path', 'query', 'headers', 'cookies', 'body', 'user-agent', 'response.body']) time(`targets ${k}`, (v) => v.targets(k));
time('all 5 request kinds', (v) => { for (const k of ['path', 'query', 'headers', 'cookies', 'body']) v.targets(k); });
time('responseText', (v) => v.responseText);
time('responseJson', (v) => v.responseJson);
time('requestJson', (v) => v.requestJson);
