/**
 * The spec diff view on the bundled sample: a broken pasted spec is refused naming where; the
 * shop's published spec (uploaded as a file, as web mode does) shows shadow, zombie and orphan
 * endpoints, undocumented fields and type mismatches with counts; the spec is remembered; a row
 * opens exactly its traffic in the traffic view; the observed API downloads as OpenAPI 3.1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, expect, test } from '../fixtures.ts';

const FIXTURE = join(ROOT, 'test/core/inventory/diff/fixtures/shop-api.openapi.yaml');

test.describe('on the sample capture', () => {
  test.use({ workspace: 'sample' });

  test('diff the traffic against a published spec and follow a shadow endpoint to its requests', async ({ page, app }) => {
    await app.open();
    await expect(page.getByTestId('workspace-name')).toContainText('sample');
    await page.getByTestId('view-spec-diff').click();
    await expect(page.getByTestId('specdiff-remembered')).toContainText('No published spec is remembered');

    // A pasted spec with a syntax error: refused, naming the line.
    await page.getByTestId('specdiff-editor').locator('.monaco-editor').click();
    await page.keyboard.insertText('openapi: 3.0.0\ninfo: {title: broken, version: "1"}\npaths:\n  /a: {get: [\n');
    await page.getByTestId('specdiff-run-pasted').click();
    await expect(page.getByTestId('specdiff-error')).toContainText(/pasted spec is not valid YAML: .*\(at line \d+, column \d+\)/);

    // The published spec as a file: uploaded, diffed, remembered.
    await page.getByTestId('specdiff-file-input').setInputFiles(FIXTURE);
    await expect(page.getByTestId('specdiff-summary')).toContainText('Shop API 1.4.0');
    await expect(page.getByTestId('specdiff-summary')).toContainText('against 326 exchanges: 308 documented');
    await expect(page.getByTestId('specdiff-error')).toHaveCount(0);
    const counts = { shadow: 4, zombie: 2, orphan: 2, 'undocumented-param': 2, 'undocumented-field': 3, 'type-mismatch': 2 };
    for (const [cls, n] of Object.entries(counts)) {
      await expect(page.getByTestId(`specdiff-count-${cls}`)).toHaveText(String(n));
      await expect(page.getByTestId(`specdiff-group-${cls}`).getByTestId('specdiff-row')).toHaveCount(n);
    }
    await expect(page.getByTestId('specdiff-group-zombie')).toContainText('/api/v0/users/{userId}');
    await expect(page.getByTestId('specdiff-group-undocumented-field')).toContainText('request isAdmin');
    await expect(page.getByTestId('specdiff-remembered')).toContainText('remembers Shop API 1.4.0');
    await expect(page.getByTestId('specdiff-run-remembered')).toContainText('shop-api.openapi.yaml');
    await page.screenshot({ path: join(ROOT, 'test-results', 'spec-diff-results.png') });

    // A shadow row opens exactly its requests in the traffic view.
    const admin = page.getByTestId('specdiff-group-shadow').getByTestId('specdiff-row').filter({ hasText: '/api/v1/admin/users' });
    await admin.click();
    await expect(page.getByTestId('view-panel-traffic')).toBeVisible();
    await expect(page.getByTestId('filter-input')).toHaveValue(/path ~ "\^\/api\/v1\/admin\/users\/\?\$"/);
    await expect(page.getByTestId('traffic-row')).toHaveCount(6);

    // Back in the view, the remembered spec re-runs without choosing the file again.
    await page.getByTestId('view-spec-diff').click();
    await page.getByTestId('specdiff-run-remembered').click();
    await expect(page.getByTestId('specdiff-count-shadow')).toHaveText('4');

    // The observed API exported as OpenAPI 3.1, its examples redacted.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('specdiff-export').click()]);
    expect(download.suggestedFilename()).toBe('api.shop.example.openapi.yaml');
    const text = readFileSync(await download.path(), 'utf8');
    expect(text).toMatch(/^openapi: 3\.1\.0/);
    expect(text).toContain('/api/v1/users/{userId}:');
    expect(text).not.toMatch(/eyJhbGciOi|sk_live_|4111111111111111/);
  });
});
