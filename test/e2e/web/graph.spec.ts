/**
 * The API graph on a real capture (the bundled sample workspace, built from shop-api.har): the
 * graph draws the shop's endpoints inside their host, edge-kind filters change what is drawn, a
 * node opens exactly its exchanges in the traffic view, an actor's session lists their path, and
 * the view exports as SVG.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, expect, test } from '../fixtures.ts';

test.describe('on the sample capture', () => {
  test.use({ workspace: 'sample' });

  test('open the graph, filter by edge kind, click through to traffic, follow a session', async ({ page, app }) => {
    // Many steps, each waiting on the engine and a layout: more than the default minute on a busy machine.
    test.setTimeout(180_000);
    await app.open();
    await expect(page.getByTestId('workspace-name')).toContainText('sample');
    // Detection first, so the graph has findings to highlight.
    const run = await page.request.post(`${app.origin}/api/call/detect.run`, { headers: { Authorization: `Bearer ${app.token}` }, data: {} });
    expect(run.ok()).toBe(true);
    await page.getByTestId('view-graph').click();

    const nodes = page.getByTestId('graph-node');
    const login = nodes.filter({ hasText: 'POST /api/v1/auth/login' });
    await expect(login).toHaveCount(1);
    await expect(page.getByTestId('graph-host').filter({ hasText: 'api.shop.example' })).toHaveCount(1);
    await expect(page.getByTestId('graph-stats')).toContainText(/\d+ of \d+ nodes/);
    // The order reads carry detection's findings (object-level authorization), marked on the node.
    await expect(nodes.filter({ hasText: 'GET /api/v1/orders/{id}' }).getByTestId('graph-node-findings')).toBeVisible();
    // Every kind is on: sequence, data-flow and auth edges are all drawn.
    for (const kind of ['sequence', 'data-flow', 'auth']) await expect(page.locator(`.react-flow__edge.graph-edge-${kind}`).first()).toBeAttached();

    // Only auth: the login endpoint's credential edges stay, the others go.
    await page.getByTestId('graph-kind-sequence').uncheck();
    await page.getByTestId('graph-kind-data-flow').uncheck();
    await expect(page.locator('.react-flow__edge.graph-edge-sequence')).toHaveCount(0);
    await expect(page.locator('.react-flow__edge.graph-edge-data-flow')).toHaveCount(0);
    const authEdges = page.locator('.react-flow__edge.graph-edge-auth');
    await expect(authEdges.first()).toBeAttached();
    const authCount = await authEdges.count();
    expect(authCount).toBeGreaterThanOrEqual(4);
    for (const id of await authEdges.evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? e.getAttribute('data-testid') ?? ''))) {
      if (id) expect(id).toContain('auth:endpoint:POST api.shop.example/api/v1/auth/login->');
    }
    await page.screenshot({ path: join(ROOT, 'test-results', 'graph-auth-only.png') });

    // Click the login node: its panel tells its count; "Show exchanges" opens exactly those.
    await login.click();
    const selection = page.getByTestId('graph-selection');
    await expect(selection).toContainText('POST /api/v1/auth/login');
    const count = Number((await selection.locator('dd').nth(2).textContent())!.replace(/\D/g, ''));
    expect(count).toBeGreaterThan(0);
    await selection.getByTestId('graph-show-traffic').click();
    await expect(page.getByTestId('view-panel-traffic')).toBeVisible();
    await expect(page.getByTestId('filter-input')).toHaveValue(/auth\\\/login|auth\/login/);
    await expect(page.getByTestId('status-count')).toContainText(new RegExp(`^${count} of`));
    const rows = page.getByTestId('traffic-row');
    await expect(rows.first()).toContainText('/api/v1/auth/login');

    // Back to the graph: follow one actor's path through the API.
    await page.getByTestId('view-graph').click();
    await expect(login).toHaveCount(1);
    const actor = page.getByTestId('graph-actor');
    const firstActor = await actor.locator('option').nth(1).getAttribute('value');
    expect(firstActor).toBeTruthy();
    await actor.selectOption(firstActor!);
    const steps = page.getByTestId('graph-step');
    await expect(steps.first()).toBeVisible();
    expect(await steps.count()).toBeGreaterThan(3);
    await expect(page.locator('.graph-node.marked').first()).toBeVisible();

    // Search finds a node and focuses its neighbourhood.
    await page.getByTestId('graph-kind-sequence').check();
    await page.getByTestId('graph-search').fill('orders');
    await page.getByTestId('graph-search').press('Enter');
    await page.getByTestId('graph-match').filter({ hasText: 'POST /api/v1/orders' }).click();
    await expect(page.getByTestId('graph-focus')).toContainText('/api/v1/orders');
    await expect(nodes.filter({ hasText: 'POST /api/v1/orders' })).toHaveCount(1);
    await expect(nodes.filter({ hasText: 'GET /wp-admin/' })).toHaveCount(0);

    // SVG export: a real file with the drawn nodes in it.
    const download = page.waitForEvent('download');
    await page.getByTestId('graph-export-svg').click();
    const file = await (await download).path();
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('POST /api/v1/orders');
    // PNG: the same picture rendered through a canvas.
    const pngDownload = page.waitForEvent('download');
    await page.getByTestId('graph-export-png').click();
    const png = readFileSync(await (await pngDownload).path());
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(5000);

    await page.screenshot({ path: join(ROOT, 'test-results', 'graph-session-focus.png') });
});
});

/**
 * A HAR of 2,000 endpoints on four hosts walked by 60 users (about 15,000 exchanges): enough
 * sequence edges between distinct endpoints for the whole graph to pass 10,000 edges.
 */
function bigHar(path: string): void {
  let seed = 42;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const hosts = ['shop', 'billing', 'catalog', 'search'].map((h) => `${h}.big.example`);
  const endpoints = Array.from({ length: 2000 }, (_, i) => `https://${hosts[i % 4]}/api/area${Math.floor(i / 40)}/resource${i}`);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const entries: unknown[] = [];
  let t = Date.UTC(2026, 0, 10, 9);
  for (let u = 0; u < 60; u++) {
    const auth = `Bearer ${b64({ alg: 'none' })}.${b64({ sub: `walker-${u}` })}.c2ln`;
    let at = Math.floor(rand() * 2000);
    for (let k = 0; k < 250; k++) {
      // Mostly local steps (an app's flow), sometimes a jump anywhere.
      at = rand() < 0.8 ? (at + 1 + Math.floor(rand() * 12)) % 2000 : Math.floor(rand() * 2000);
      t += 1000 + Math.floor(rand() * 4000);
      entries.push({
        startedDateTime: new Date(t).toISOString(),
        time: 20,
        request: { method: 'GET', url: endpoints[at], httpVersion: 'HTTP/1.1', headers: [{ name: 'Authorization', value: auth }], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
        response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [{ name: 'Content-Type', value: 'application/json' }], cookies: [], content: { size: 11, mimeType: 'application/json', text: '{"ok":true}' }, redirectURL: '', headersSize: -1, bodySize: 11 },
        cache: {},
        timings: { send: 1, wait: 18, receive: 1 },
      });
    }
  }
  entries.sort((a, b) => ((a as { startedDateTime: string }).startedDateTime < (b as { startedDateTime: string }).startedDateTime ? -1 : 1));
  writeFileSync(path, JSON.stringify({ log: { version: '1.2', creator: { name: 'cartograph-e2e', version: '1' }, entries } }));
}

test('a graph of 2,000 endpoints and over 10,000 edges stays interactive', async ({ page, app }) => {
  test.setTimeout(240_000);
  const har = join(app.dir, 'big.har');
  bigHar(har);
  await app.open();
  await page.getByTestId('file-input').setInputFiles(har);
  await expect(page.getByTestId('import-result')).toContainText('big.har', { timeout: 120_000 });
  await page.getByTestId('view-graph').click();

  // By default the engine aggregates: path groups inside the four hosts, a few dozen boxes.
  const stats = page.getByTestId('graph-stats');
  await expect(stats).toContainText(/ of 200\d nodes, \d+ of \d+ edges/, { timeout: 60_000 });
  const total = /of (\d+) edges/.exec((await stats.textContent())!)!;
  expect(Number(total[1])).toBeGreaterThan(10_000);
  const grouped = await page.getByTestId('graph-node').count();
  expect(grouped).toBeGreaterThan(20);
  expect(grouped).toBeLessThan(400);
  await page.screenshot({ path: join(ROOT, 'test-results', 'graph-2000-grouped.png') });

  // Everything, ungrouped: 2,000 endpoints drawn (those on screen in the DOM), edges capped at 10,000.
  await page.getByTestId('graph-max-nodes').selectOption('2500');
  await page.getByTestId('graph-group').uncheck();
  await expect(stats).toContainText(/^200\d of 200\d nodes, (9\d{3}|10000) of/, { timeout: 120_000 });
  await expect(page.getByTestId('graph-node').first()).toBeVisible();
  // Still interactive: zoom in, click a node, its panel answers promptly.
  await page.locator('.react-flow__controls-zoomin').click();
  await page.locator('.react-flow__controls-zoomin').click();
  const node = page.getByTestId('graph-node').first();
  const label = (await node.locator('.graph-node-label').textContent())!;
  // Timed inside the page (Playwright's own bookkeeping of a 12,000-element DOM is not the app's cost):
  // from the click to the panel showing the node, over several frames.
  const { clickMs, frameMs } = await page.evaluate(async (text) => {
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const f0 = performance.now();
    for (let i = 0; i < 3; i++) await frame();
    const frameMs = (performance.now() - f0) / 3;
    const el = document.querySelector<HTMLElement>('[data-testid="graph-node"]')!;
    const t0 = performance.now();
    el.click();
    while (!document.querySelector('[data-testid="graph-selection"]')?.textContent?.includes(text)) await frame();
    return { clickMs: performance.now() - t0, frameMs };
  }, label);
  console.log(`graph e2e: ~2,000 nodes and 10,000 edges drawn: click to panel ${Math.round(clickMs)} ms; an idle frame ${Math.round(frameMs)} ms`);
  // Generous: this machine's two cores are shared with the whole team (a rebuild of every node and
  // edge on selection, as an early version did, took over 10 s here).
  expect(clickMs).toBeLessThan(5_000);
  await expect(page.getByTestId('graph-selection')).toContainText(label);
  await page.screenshot({ path: join(ROOT, 'test-results', 'graph-2000-endpoints.png') });
});
