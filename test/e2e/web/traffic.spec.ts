/**
 * The web mode as a user meets it: the printed address opens the app, a HAR is imported through
 * the file input (uploaded, then imported by the engine), rows appear, one opens in the detail
 * pane, a bad filter explains itself and a good one narrows the table.
 */
import { join } from 'node:path';
import { TOKEN_STORAGE_KEY } from '../../../src/shared/transport.ts';
import { ROOT, expect, shared, test } from '../fixtures.ts';

/** Safari Web Inspector export of mitmproxy.org: 19 entries, 4 of them github-btn.html frames. */
const SAFARI_HAR = shared('har/mitmproxy__mitmproxy/safari.har');

test('the printed address opens the app; without its token nothing is served', async ({ page, app }) => {
  const bare = await page.goto(`${app.origin}/`);
  expect(bare?.status()).toBe(401);
  await expect(page.getByTestId('workspace-name')).toHaveCount(0);

  await app.open();
  await expect(page.getByTestId('workspace-name')).toHaveText('workspace');
  // The client keeps the token for this tab and takes it out of the address bar.
  await expect(page).not.toHaveURL(/token=/);
  expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_STORAGE_KEY)).toBe(app.token);

  // A reload arrives without the token and re-enters with the stored one.
  await page.reload();
  await expect(page.getByTestId('workspace-name')).toHaveText('workspace');

  // The Api itself never answers without the token.
  const anonymous = await page.request.post(`${app.origin}/api/call/workspace.info`, { data: {} });
  expect(anonymous.status()).toBe(401);
});

test('import a HAR through the UI, open an exchange, filter', async ({ page, app }) => {
  await app.open();
  await expect(page.getByTestId('workspace-name')).toHaveText('workspace');
  const rows = page.getByTestId('traffic-row');
  await expect(rows).toHaveCount(0);

  await page.getByTestId('file-input').setInputFiles(SAFARI_HAR);
  await expect(page.getByTestId('import-result')).toContainText('safari.har');
  await expect(page.getByTestId('import-result')).toContainText(/\b19\b/);
  await expect(rows).toHaveCount(19);
  await expect(page.getByTestId('status-count')).toContainText(/\b19\b/);

  // Open one exchange: the detail pane shows it, its JSON body in the editor.
  const stats = rows.filter({ hasText: 'github-stats.json' });
  await expect(stats).toHaveCount(1);
  await stats.click();
  const detail = page.getByTestId('detail-pane');
  await expect(detail).toBeVisible();
  await expect(detail).toContainText('/data/github-stats.json');
  await expect(page.getByTestId('body-editor').first()).toBeVisible();

  // A bad filter says what is wrong and leaves the table as it was.
  const filter = page.getByTestId('filter-input');
  await filter.fill('stauts >= 300');
  await filter.press('Enter');
  await expect(page.getByTestId('filter-error')).toContainText("unknown field 'stauts' (did you mean status?)");
  await expect(page.getByTestId('status-count')).toContainText(/\b19\b/);

  // A good one narrows it.
  await filter.fill('path contains github-btn');
  await filter.press('Enter');
  await expect(page.getByTestId('filter-error')).toBeHidden();
  await expect(rows).toHaveCount(4);
  for (const row of await rows.all()) await expect(row).toContainText('github-btn.html');
  await expect(page.getByTestId('status-count')).toContainText(/\b4\b/);

  await page.screenshot({ path: join(ROOT, 'test-results', 'web-traffic-filtered.png'), fullPage: true });
});

test('a broken capture is reported, not fatal', async ({ page, app }) => {
  await app.open();
  await page.getByTestId('file-input').setInputFiles(shared('har/mitmproxy__mitmproxy/brokenfile.har'));
  const result = page.getByTestId('import-result');
  await expect(result).toContainText('brokenfile.har');
  await expect(result).toContainText(/\b0\b/); // nothing imported…
  await expect(page.getByTestId('traffic-row')).toHaveCount(0);
  // …and the app still works: a good file imports after it.
  await page.getByTestId('file-input').setInputFiles(SAFARI_HAR);
  await expect(page.getByTestId('traffic-row')).toHaveCount(19);
});

test.describe('first run', () => {
  test.use({ workspace: 'sample' });
  test('lands in the bundled sample workspace with traffic to look at', async ({ page, app }) => {
    await app.open();
    await expect(page.getByTestId('workspace-name')).toContainText('sample');
    await expect(page.getByTestId('traffic-row').first()).toBeVisible();
  });

  test('? shows the keyboard reference, Esc closes it', async ({ page, app }) => {
    await app.open();
    await expect(page.getByTestId('traffic-row').first()).toBeVisible();
    await page.locator('body').press('?');
    const help = page.getByTestId('shortcuts-help');
    await expect(help).toContainText('Import captures and logs');
    await expect(help).toContainText('Edit the filter');
    await page.screenshot({ path: 'test-results/web-shortcuts.png' });
    await page.keyboard.press('Escape');
    await expect(help).toBeHidden();
  });
});
