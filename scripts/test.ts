/**
 * `npm test`: every check, in order: typecheck, lint, unit tests (vitest), end-to-end tests
 * (Playwright: web mode in Chromium; Electron where its binary exists). Runs all of them even
 * when one fails, then prints one closing line, "Total: N passed, N failed, N skipped".
 *
 *   npm test [-- --only typecheck,lint,unit,e2e]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const REPORTS = join(ROOT, '.cache/test-reports');
const bin = (name: string): string => join(ROOT, 'node_modules/.bin', name);

const { values } = parseArgs({ options: { only: { type: 'string' } }, strict: true });
const only = values.only ? new Set(values.only.split(',')) : null;

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
const total: Tally = { passed: 0, failed: 0, skipped: 0 };
const summary: string[] = [];

function run(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function step(name: string, fn: () => Tally): void {
  if (only && !only.has(name)) return;
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = performance.now();
  const t = fn();
  total.passed += t.passed;
  total.failed += t.failed;
  total.skipped += t.skipped;
  summary.push(`${name.padEnd(10)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const check = (code: number): Tally => (code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 });

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

rmSync(REPORTS, { recursive: true, force: true });
mkdirSync(REPORTS, { recursive: true });

step('typecheck', () => check(run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json']) || run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.web.json'])));
step('lint', () => check(run(bin('eslint'), ['--max-warnings', '0', '.'])));
step('unit', () => {
  const out = join(REPORTS, 'vitest.json');
  const code = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const r = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
  if (!r) return check(code || 1);
  return { passed: r.numPassedTests, failed: r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0), skipped: r.numPendingTests + r.numTodoTests };
});
step('e2e', () => {
  const out = join(REPORTS, 'playwright.json');
  const code = run(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const r = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
  if (!r) return check(code || 1);
  return { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected + (code !== 0 && r.stats.unexpected === 0 ? 1 : 0), skipped: r.stats.skipped };
});

process.stdout.write(`\n${summary.join('\n')}\nTotal: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(total.failed > 0 ? 1 : 0);
