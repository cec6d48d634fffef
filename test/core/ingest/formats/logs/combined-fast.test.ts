import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessLogParser, readCombinedFast } from '../../../../../src/core/ingest/formats/logs/clf.ts';
import type { Exchange } from '../../../../../src/core/model/exchange.ts';
import { shared } from '../../../../helpers/paths.ts';
import { logFile } from './helpers.ts';
import { rng } from '../../../detect/generator.ts';

/** What the compiled `combined` format (the generic path) makes of a line; null when it does not fit. */
function generic(line: string, latin1: boolean): Exchange | string | null {
  const combined = AccessLogParser.builtins().find((c) => c.name === 'combined')!.format;
  const values: string[] = [];
  return combined.match(line, values) === -1 ? combined.build(values, latin1) : null;
}


const EDGE = [
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /a?b=1 HTTP/1.1" 200 5 "-" "curl/8"',
  '1.2.3.4 example.com bob [01/Mar/2024:10:00:00 +0000] "GET https://x.example:443/a HTTP/2.0" 200 - "http://r/" "ua" 0.012 0.010 "10.0.0.1, 10.0.0.2" rt=0.5 up=a:80',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "-" 400 0 "-" "-"',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "HELP" 400 0 "-" "-"',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /a" b" HTTP/1.1" 200 0 "-" "-"',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /a HTTP/1.1" 999x 0 "-" "-"',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 12x "-" "-"',
  '1.2.3.4 - - [99/Mar/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "-"',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "-"junk',
  '[::1] - - [01/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"',
  '1.2.3.4 - [x] [01/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"',
  '1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /\u00e9 HTTP/1.1" 200 1 "a" b" "c"',
];

describe('the combined fast path', () => {
  it('gives exactly what the compiled combined format gives, on real logs, edge cases and mutated lines', () => {
    const lines: string[] = [...EDGE];
    for (const f of ['nginx_http-logs/nginx_http-logs.log', 'apache2-logs/apache2-logs.log', 'traefik_clf/traefik_clf.log']) {
      lines.push(...readFileSync(logFile('crowdsecurity__hub', f), 'latin1').split('\n'));
    }
    lines.push(...readFileSync(logFile('elastic__examples', 'apache_logs'), 'latin1').split('\n').slice(0, 3000));
    const hub = shared('attacks', 'crowdsecurity__hub');
    for (const dir of readdirSync(hub)) {
      for (const f of readdirSync(join(hub, dir)).filter((x) => x.endsWith('.log'))) lines.push(...readFileSync(join(hub, dir, f), 'latin1').split('\n'));
    }
    const r = rng(7);
    const base = lines.filter((l) => l.includes('"'));
    for (let i = 0; i < 3000; i++) {
      const l = base[Math.floor(r() * base.length)]!.split('');
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) l[Math.floor(r() * l.length)] = ' "[]\\-x9.'.charAt(Math.floor(r() * 10));
      lines.push(l.join(''));
    }
    let fast = 0;
    for (const line of lines) {
      for (const latin1 of [false, true]) {
        const got = readCombinedFast(line, latin1);
        if (got === null) continue;
        fast++;
        expect({ line, got }).toEqual({ line, got: generic(line, latin1) });
      }
    }
    expect(fast).toBeGreaterThan(5000);
  });
});
