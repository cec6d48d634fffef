/**
 * Policies as an analyst drafts them, on the bundled sample workspace: run detection, draft a
 * policy from the findings, see the dry-run per rule, add a rule in the editor and see the
 * dry-run follow, see a mistake marked, follow a rule's matches into the traffic view, export
 * an NGINX bundle (a download in web mode).
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT, expect, test } from '../fixtures.ts';

const shot = (page: Page, name: string) => page.screenshot({ path: join(ROOT, 'test-results', `policy-${name}.png`) });

/** Inserts text at the end of the policy editor the way a paste does (typing would auto-indent). */
async function pasteAtEnd(page: Page, text: string): Promise<void> {
  await page.getByTestId('policy-editor').locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.getByTestId('policy-editor').locator('textarea').evaluate((el, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

const EXTRA_RULE = `  - id: block.products-detail
    type: block-endpoints
    action: block
    source: {origin: manual}
    endpoints: [{method: GET, path: '/api/v1/products/{id}'}]
`;

test.describe('on the sample capture', () => {
  test.use({ workspace: 'sample' });

  test('draft from findings, dry-run, edit, drill down, export', async ({ page, app }) => {
    await app.open();
    await page.getByTestId('view-findings').click();
    await page.getByTestId('detect-run').click();
    await expect(page.getByTestId('detect-result')).toContainText(/\d+ findings/);

    await page.getByTestId('view-policy').click();
    await expect(page.getByTestId('policy-view')).toBeVisible();
    await page.getByTestId('policy-draft').click();
    await expect(page.getByTestId('policy-status')).toContainText(/valid · \d+ rules · revision [0-9a-f]{16}/);
    const rows = page.getByTestId('policy-rule-row');
    await expect(rows.first()).toBeVisible();
    const drafted = await rows.count();
    expect(drafted).toBeGreaterThan(2);
    await expect(page.getByTestId('policy-totals')).toContainText(/Dry-run over 326 requests/);
    await expect(rows.and(page.locator('[data-rule="deny.actors"]'))).toHaveCount(1);
    await shot(page, 'drafted');

    // A new rule: the dry-run follows the edit.
    await pasteAtEnd(page, EXTRA_RULE);
    const added = rows.and(page.locator('[data-rule="block.products-detail"]'));
    await expect(added).toHaveCount(1);
    await expect(added.getByTestId('policy-rule-matched')).not.toHaveText('0');
    await expect(rows).toHaveCount(drafted + 1);

    // A mistake is marked in the editor and named in the status line; fixing it clears it.
    await pasteAtEnd(page, '    limit: -1\n');
    await expect(page.getByTestId('policy-status')).toContainText(/block\.products-detail/);
    await expect(page.getByTestId('policy-editor').locator('.squiggly-error').first()).toBeVisible();
    await shot(page, 'error');
    await page.keyboard.press('ControlOrMeta+z');
    await expect(page.getByTestId('policy-status')).toContainText(/valid · /);

    await page.getByTestId('policy-save').click();
    await expect(page.getByTestId('policy-save')).toHaveText('Saved');

    // Export the NGINX bundle: web mode downloads it as a .tar.gz.
    await page.getByTestId('policy-format').selectOption('nginx');
    const download = page.waitForEvent('download');
    await page.getByTestId('policy-export').click();
    expect((await download).suggestedFilename()).toMatch(/-nginx-[0-9a-f]{16}\.tar\.gz$/);
    await shot(page, 'dry-run');

    // Drill down: the added rule's matches (from actors behind findings) open in the traffic view.
    await added.getByTestId('policy-tp-drill').click();
    await expect(page.getByTestId('view-panel-traffic')).toBeVisible();
    await expect(page.getByTestId('view-panel-traffic')).toContainText('/api/v1/products/');
    await shot(page, 'drill-down');
  });
});
