/**
 * The inventory on the bundled sample workspace (shop-api.har): the site map shows the shop's
 * templates with counts and badges, a search narrows it, an endpoint opens its page (stats, auth,
 * parameters, schema in Monaco, samples), a node opens exactly its traffic, and renaming a path
 * parameter is applied and can be undone.
 */
import { join } from 'node:path';
import { ROOT, expect, test } from '../fixtures.ts';

test.describe('on the sample capture', () => {
  test.use({ workspace: 'sample' });

  test('site map, endpoint page, traffic jump and a rename decision', async ({ page, app }) => {
    await app.open();
    await expect(page.getByTestId('workspace-name')).toContainText('sample');
    await page.getByTestId('view-inventory').click();
    await expect(page.getByTestId('inv-summary')).toContainText(/\d+ endpoints on 1 hosts/);

    const node = (path: string) => page.locator(`[data-testid="inv-node"][data-path="${path}"]`);
    await expect(node('/api/v1/orders/{orderId}')).toBeVisible();
    await expect(node('/api/v1/users/{userId}/payment-methods')).toContainText('sensitive');
    await expect(node('/api/v1/auth/login')).toContainText('no auth');

    // Searching for a sensitive class keeps only the endpoints carrying it.
    await page.getByTestId('inv-search').fill('card-number');
    await expect(node('/api/v1/users/{userId}/payment-methods')).toBeVisible();
    await expect(node('/api/v1/products')).toHaveCount(0);
    await page.getByTestId('inv-search').fill('');

    // The endpoint page: stats, auth with the JWT alg, the typed path parameter, a schema, samples.
    await node('/api/v1/orders/{orderId}').click();
    const ep = page.getByTestId('inv-endpoint');
    await expect(page.getByTestId('inv-endpoint-path')).toHaveText('/api/v1/orders/{orderId}');
    await expect(page.getByTestId('inv-auth')).toContainText(/jwt alg \w+/);
    await expect(page.getByTestId('inv-params')).toContainText('orderId');
    await expect(page.getByTestId('inv-params')).toContainText('integer');
    await expect(page.getByTestId('inv-schema').locator('.monaco-editor')).toBeVisible();
    await expect(page.getByTestId('inv-samples').locator('li').first()).toBeVisible();
    await expect(ep).toContainText('latency p50 / p95');
    await page.screenshot({ path: join(ROOT, 'test-results', 'inventory-endpoint.png') });

    // Rename the parameter: the site map follows, and undo brings the inferred name back.
    await page.getByTestId('inv-rename-input').fill('orderNo');
    await page.getByTestId('inv-rename').click();
    await expect(node('/api/v1/orders/{orderNo}')).toBeVisible();
    await node('/api/v1/orders/{orderNo}').click();
    await expect(page.getByTestId('inv-decisions')).toContainText('rename');
    await page.getByTestId('inv-decisions').getByRole('button', { name: 'undo' }).click();
    await expect(node('/api/v1/orders/{orderId}')).toBeVisible();

    // A node's traffic button opens the traffic view filtered to exactly its exchanges.
    await node('/api/v1/orders/{orderId}').hover();
    await node('/api/v1/orders/{orderId}').getByTestId('inv-node-traffic').click();
    await expect(page.getByTestId('filter-input')).toHaveValue(/path ~/);
    await expect(page.getByTestId('traffic-row')).toHaveCount(63);
    await expect(page.getByTestId('status-count')).toContainText(/\b63\b/);
  });
});
