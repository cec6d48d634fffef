/**
 * Detection as an analyst uses it, on the bundled sample workspace (shop-api.har): run the engine,
 * read findings grouped by category and actor, open one, follow its evidence into the traffic view
 * (and ask the rules to explain an exchange there), triage it, suppress an actor's findings and see
 * a re-run keep them suppressed, read the actor's timeline; then write a rule in the editor, see the
 * schema flag a mistake, and run it on the workspace with its matches leading to traffic.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT, expect, test } from '../fixtures.ts';

const shot = (page: Page, name: string) => page.screenshot({ path: join(ROOT, 'test-results', `detection-${name}.png`) });

/** Replaces the rule editor's text the way a person pastes it (typing would trip auto-closing and auto-indent). */
async function pasteRule(page: Page, text: string): Promise<void> {
  await page.getByTestId('rule-editor').locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.getByTestId('rule-editor').locator('textarea').evaluate((el, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

const rule = (severity: string, match: string) => `id: custom.sqli-products
kind: match
category: injection
title: SQLi on products
severity: ${severity}
confidence: 0.7
evidence: "{count} request(s) from {actor} to {endpoint}"
match:
${match}
`;
const SQLI_IN_QUERY = '  signature: sqli\n  targets: [query]';

test.describe('on the sample capture', () => {
  test.use({ workspace: 'sample' });

  test('run detection, read findings, follow evidence, triage, suppress, timeline', async ({ page, app }) => {
    await app.open();
    await expect(page.getByTestId('workspace-name')).toContainText('sample');
    await page.getByTestId('view-findings').click();
    await expect(page.getByTestId('findings-empty')).toBeVisible();

    await page.getByTestId('detect-run').click();
    await expect(page.getByTestId('detect-result')).toContainText(/\d+ findings over 326 exchanges · [\d.]+ s/);
    const groups = page.getByTestId('finding-group');
    for (const key of ['bola', 'injection', 'scanner', 'credential-stuffing']) await expect(groups.and(page.locator(`[data-key="${key}"]`))).toHaveCount(1);
    await expect(page.getByTestId('findings-counts')).toContainText(/\d+ findings in the workspace/);

    // Grouped by actor: the scanner box is one group holding its several findings.
    await page.getByTestId('group-actor').click();
    const scannerBox = groups.and(page.locator('[data-key="/192.0.2.200"]'));
    await expect(scannerBox).toHaveCount(1);
    expect(await scannerBox.getByTestId('finding-row').count()).toBeGreaterThan(1);
    await page.getByTestId('group-endpoint').click();
    await expect(groups.and(page.locator('[data-key="GET api.shop.example /api/v1/orders/{id}"]'))).toHaveCount(1);
    await page.getByTestId('group-category').click();

    // Open the BOLA finding: explanation, actor, evidence, timeline.
    const bola = page.locator('[data-testid="finding-row"][data-rule="bola.foreign-object"]');
    await bola.click();
    const detail = page.getByTestId('finding-detail');
    await expect(detail.getByTestId('finding-title')).toContainText(/object/i);
    await expect(detail.getByTestId('finding-actor')).toHaveText('user-1002 @ 203.0.113.12');
    await expect(detail.getByTestId('finding-explanation')).not.toBeEmpty();
    const evidence = detail.getByTestId('evidence-row');
    await expect(evidence).toHaveCount(14);
    const timeline = detail.getByTestId('actor-timeline');
    await expect(timeline.getByTestId('timeline-chart')).toBeVisible();
    await expect(timeline.getByTestId('timeline-mark').first()).toBeAttached();
    await expect(timeline.getByTestId('timeline-findings')).toContainText('bola.foreign-object');
    await shot(page, 'findings');
    await timeline.screenshot({ path: join(ROOT, 'test-results', 'detection-timeline.png') });

    // j/k move through the list.
    const selectedId = () => page.locator('[data-testid="finding-row"].on').getAttribute('data-id');
    const before = await selectedId();
    await page.getByTestId('findings-list').press('j');
    await expect.poll(selectedId).not.toBe(before);
    await page.getByTestId('findings-list').press('k');
    await expect.poll(selectedId).toBe(before);

    // Triage with a note.
    await detail.getByTestId('triage-note').fill('walks other customers’ orders');
    await detail.getByTestId('triage-confirmed').click();
    await expect(detail.getByTestId('status-badge')).toHaveText('confirmed');
    await expect(bola.getByTestId('status-badge')).toHaveText('confirmed');

    // Its evidence, in the traffic view.
    await detail.getByTestId('show-in-traffic').click();
    await expect(page.getByTestId('view-panel-traffic')).toBeVisible();
    await expect(page.getByTestId('filter-input')).toHaveValue(/^id in \(/);
    await expect(page.getByTestId('traffic-row')).toHaveCount(14);
    for (const row of (await page.getByTestId('traffic-row').all()).slice(0, 3)) await expect(row).toContainText('/api/v1/orders/');

    // Explain on one of them: the BOLA rule matched and leads back to its finding.
    await page.getByTestId('traffic-row').first().click();
    await page.getByTestId('explain-button').click();
    await expect(page.getByTestId('explain-matched').filter({ hasText: 'bola.foreign-object' })).toHaveCount(1);
    await expect(page.getByTestId('explain-looked').first()).toBeAttached();
    await shot(page, 'explain');
    await page.getByTestId('explain-matched').filter({ hasText: 'bola.foreign-object' }).getByTestId('explain-finding').click();
    await expect(page.getByTestId('finding-detail')).toHaveAttribute('data-id', (await bola.getAttribute('data-id'))!);

    // One evidence request opens on its own.
    const firstEvidence = page.getByTestId('evidence-row').first();
    const evidenceId = (await firstEvidence.getAttribute('data-id'))!;
    await firstEvidence.click();
    await expect(page.getByTestId('filter-input')).toHaveValue(`id in (${evidenceId})`);
    await expect(page.getByTestId('traffic-row')).toHaveCount(1);
    await expect(page.getByTestId('detail-pane')).toBeVisible();

    // Suppress the scanner's findings by actor; a new run keeps them suppressed.
    await page.getByTestId('view-findings').click();
    const probe = page.locator('[data-testid="finding-row"][data-rule="scanner.probe-paths"]');
    await probe.click();
    await page.getByTestId('triage-note').fill('our own pen-test box');
    await page.getByTestId('suppress-actor').click();
    await expect(probe.getByTestId('status-badge')).toHaveText('suppressed');
    // While a run goes (held back here so it can be seen): a progress bar and Cancel.
    await page.route('**/call/detect.run', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.getByTestId('detect-run').click();
    await expect(page.getByTestId('detect-progress')).toBeVisible();
    await expect(page.getByTestId('detect-cancel')).toBeVisible();
    await shot(page, 'findings-running');
    await expect(page.getByTestId('detect-result')).toContainText(/\d+ findings/);
    await page.unroute('**/call/detect.run');
    await page.getByTestId('filter-status').selectOption('suppressed');
    const suppressed = page.getByTestId('finding-row');
    await expect(suppressed.first()).toBeVisible();
    // Retried until the list shows the filter's rows (a snapshot of rows could race the refresh).
    await expect(suppressed.filter({ hasNotText: '192.0.2.200' })).toHaveCount(0);
    await expect(page.locator('[data-testid="finding-row"][data-rule="bola.foreign-object"]')).toHaveCount(0);

    // Lifting the suppression reopens them.
    await page.getByTestId('suppressions-button').click();
    await expect(page.getByTestId('suppression')).toHaveText(/actor 192\.0\.2\.200 — our own pen-test box/);
    await page.getByTestId('suppression-remove').click();
    await expect(page.getByTestId('suppression')).toHaveCount(0);
    await expect(page.getByTestId('finding-row')).toHaveCount(0);
  });

  test('rule editor: schema checks while typing, run on the workspace, matches lead to traffic', async ({ page, app }) => {
    await app.open();
    await expect(page.getByTestId('workspace-name')).toContainText('sample');
    await page.getByTestId('view-rules').click();

    // The built-in rules with their docs; one loads into the editor.
    const sqli = page.locator('[data-testid="rule-item"][data-id="injection.sqli"]');
    await sqli.click();
    await expect(page.getByTestId('rule-doc')).not.toBeEmpty();
    await page.getByTestId('rule-edit-copy').click();
    const editor = page.getByTestId('rule-editor');
    await expect(editor.locator('.view-lines')).toContainText('id: injection.sqli');
    await expect(page.getByTestId('rule-problems')).toHaveText('valid against the rule-pack schema');

    // A mistake is underlined with the schema's words.
    await pasteRule(page, rule('huge', SQLI_IN_QUERY));
    await expect(page.getByTestId('rule-problems')).toHaveText('1 problem');
    await expect(editor.locator('.squiggly-error')).toHaveCount(1);

    // Fixed, it runs on the workspace and finds the sample's SQL injection.
    await pasteRule(page, rule('high', SQLI_IN_QUERY));
    await expect(page.getByTestId('rule-problems')).toHaveText('valid against the rule-pack schema');
    await page.getByTestId('rule-run').click();
    await expect(page.getByTestId('rule-results-summary')).toContainText(/\b[1-9]\d* findings? from custom\.sqli-products over 326 exchanges/);
    const match = page.getByTestId('rule-match').first();
    await expect(match).toContainText('192.0.2.201');

    // Completion offers the allowed values of an enum key.
    await page.getByTestId('rule-new').click();
    await expect(editor.locator('.view-lines')).toContainText('custom.admin-path-probe');
    await pasteRule(page, `${rule('high', SQLI_IN_QUERY)}severityIfFailed: `);
    await page.keyboard.press('Control+Space');
    await expect(page.locator('.suggest-widget')).toContainText('critical');
    await shot(page, 'rule-editor');
    await page.keyboard.press('Escape');

    // The engine's own check on Run names the field it refuses.
    await pasteRule(page, rule('high', '  signature: no-such-signature'));
    await page.getByTestId('rule-run').click();
    await expect(page.getByTestId('rule-errors')).toContainText(/signature/);

    // Back to a good rule; its match opens its requests in traffic.
    await pasteRule(page, rule('high', SQLI_IN_QUERY));
    await page.getByTestId('rule-run').click();
    await page.getByTestId('rule-match').first().click();
    await expect(page.getByTestId('view-panel-traffic')).toBeVisible();
    await expect(page.getByTestId('filter-input')).toHaveValue(/^id in \(\d/);
    await expect(page.getByTestId('traffic-row').first()).toContainText('/api/v1/products');
  });
});
