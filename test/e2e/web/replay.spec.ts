/**
 * Replay as an analyst meets it: a HAR whose request points at a live local target (started by the
 * test) is imported, the exchange opens in the replay editor from the traffic detail pane, the
 * replay scope refuses until the target is added, the request is edited and sent with Ctrl+Enter,
 * and the new response shows beside the original with its diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '../fixtures.ts';
import { startTarget, type Target } from '../../core/replay/target.ts';

let target: Target;
test.beforeAll(async () => {
  target = await startTarget();
});
test.afterAll(async () => {
  await target?.close();
});

async function login(user: string): Promise<string> {
  const res = await fetch(`${target.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user }) });
  return ((await res.json()) as { token: string }).token;
}

interface Entry {
  method: string;
  path: string;
  headers: [string, string][];
  body?: string;
  response: unknown;
}

/** A HAR 1.2 capture of requests to the target, one second apart. */
function writeHar(dir: string, name: string, entries: Entry[]): string {
  const started = Date.now() - 60_000;
  const har = {
    log: {
      version: '1.2',
      creator: { name: 'cartograph-e2e', version: '1' },
      entries: entries.map((e, i) => {
        const body = JSON.stringify(e.response);
        return {
          startedDateTime: new Date(started + i * 1000).toISOString(),
          time: 12,
          request: {
            method: e.method,
            url: `${target.url}${e.path}`,
            httpVersion: 'HTTP/1.1',
            headers: [{ name: 'Host', value: new URL(target.url).host }, ...e.headers.map(([n, v]) => ({ name: n, value: v }))],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: e.body?.length ?? 0,
            ...(e.body ? { postData: { mimeType: 'application/json', text: e.body } } : {}),
          },
          response: {
            status: 200,
            statusText: 'OK',
            httpVersion: 'HTTP/1.1',
            headers: [{ name: 'Content-Type', value: 'application/json' }],
            cookies: [],
            content: { size: body.length, mimeType: 'application/json', text: body },
            redirectURL: '',
            headersSize: -1,
            bodySize: body.length,
          },
          cache: {},
          timings: { send: 1, wait: 10, receive: 1 },
        };
      }),
    },
  };
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(har));
  return path;
}

/** Alice reading her order on the target. */
const orderHar = (dir: string, token: string): string =>
  writeHar(dir, 'orders.har', [{ method: 'GET', path: '/api/orders/7001', headers: [['Authorization', `Bearer ${token}`], ['Accept', 'application/json']], response: { id: 7001, owner: 'alice', total: 12.5 } }]);

test('open a captured request in replay, add the target to the scope, edit, send, see the diff', async ({ page, app }) => {
  const harPath = orderHar(app.dir, await login('alice'));
  const port = new URL(target.url).port;
  await app.open();
  await page.getByTestId('file-input').setInputFiles(harPath);
  // The import report opens above the table: wait for it so the row does not move under the click.
  await expect(page.getByTestId('import-result')).toContainText('orders.har');
  const rows = page.getByTestId('traffic-row');
  await expect(rows).toHaveCount(1);
  await rows.first().click();
  await page.getByTestId('open-replay').click();

  // The exchange is in the editor as raw HTTP text.
  await expect(page.getByTestId('replay-view')).toBeVisible();
  await expect(page.getByTestId('replay-raw')).toContainText('GET /api/orders/7001 HTTP/1.1');

  // Narrow the scope to nothing: sending is refused before anything leaves, with a way to add the target.
  await page.getByTestId('replay-side-scope').click();
  await expect(page.getByTestId('scope-entry')).toHaveText(['loopback×']);
  await page.getByRole('button', { name: 'remove loopback' }).click();
  await expect(page.getByTestId('scope-entry')).toHaveCount(0);
  const before = target.requests.length;
  await page.getByTestId('replay-send').click();
  await expect(page.getByTestId('replay-send-error')).toContainText(`127.0.0.1:${port} is outside this workspace's replay scope`);
  expect(target.requests.length).toBe(before);
  await page.getByTestId('replay-add-scope').click();
  await expect(page.getByTestId('scope-entry')).toHaveText([`127.0.0.1:${port}×`]);

  // Send as captured: the same answer as the original.
  await page.getByTestId('replay-send').click();
  await expect(page.getByTestId('replay-diff-summary')).toHaveText('same as the original');
  expect(target.requests.length).toBe(before + 1);

  // Edit the path in the structured tab and send with Ctrl+Enter: bob's order comes back (the BOLA).
  await page.getByTestId('replay-tab-headers').click();
  const path = page.getByRole('textbox', { name: 'path' });
  await path.fill('/api/orders/7002');
  await path.press('Control+Enter');
  await expect(page.getByTestId('replay-diff-summary')).toContainText('3 body change(s)');
  await expect(page.getByTestId('replay-status-compare')).toHaveText('200 → 200');
  const changes = page.getByTestId('replay-body-changes');
  await expect(changes).toContainText('$.owner "alice" → "bob"');
  await expect(changes).toContainText('$.id 7001 → 7002');
  await expect(page.getByTestId('replay-diff-editor')).toBeVisible();
  expect(target.requests.at(-1)?.url).toBe('/api/orders/7002');

  // The raw text follows the structured edit; the history holds both sends.
  await page.getByTestId('replay-tab-raw').click();
  await expect(page.getByTestId('replay-raw')).toContainText('GET /api/orders/7002 HTTP/1.1');
  await page.getByTestId('replay-side-history').click();
  await expect(page.getByTestId('replay-history-row')).toHaveCount(2);
  await page.screenshot({ path: 'test-results/replay-diff.png' });

  // "Copy as" curl carries the edit.
  await page.getByTestId('replay-export').click();
  await expect(page.getByTestId('replay-export-code')).toContainText(`curl http://127.0.0.1:${port}/api/orders/7002`);
  await page.getByRole('button', { name: 'Close' }).click();

  // Identity swap: with no credentials the order route refuses.
  await page.getByTestId('replay-side-swap').click();
  await page.getByTestId('swap-run').click();
  await expect(page.getByTestId('swap-outcome')).toHaveCount(1);
  await expect(page.getByTestId('swap-outcome')).toContainText('anonymous');
  await expect(page.getByTestId('swap-outcome').getByTestId('verdict-chip')).toHaveText('enforced');
  await page.screenshot({ path: 'test-results/replay-swap.png' });

  // A send that hangs can be stopped.
  await page.getByTestId('replay-tab-headers').click();
  await page.getByRole('textbox', { name: 'path' }).fill('/slow');
  await page.getByTestId('replay-send').click();
  await page.getByTestId('replay-stop').click();
  await expect(page.getByTestId('replay-error')).toHaveText('cancelled');
  await expect(page.getByTestId('replay-send')).toBeEnabled();
});

test('environments fill {{variables}}; a captured session replays step by step with fresh tokens', async ({ page, app }) => {
  const stale = 'deadbeefdeadbeefdeadbeef';
  const json: [string, string] = ['Content-Type', 'application/json'];
  const harPath = writeHar(app.dir, 'session.har', [
    { method: 'POST', path: '/api/login', headers: [json], body: '{"username":"alice"}', response: { token: stale } },
    { method: 'GET', path: '/api/csrf', headers: [['Authorization', `Bearer ${stale}`]], response: { csrfToken: '0011223344556677' } },
    { method: 'POST', path: '/api/profile', headers: [['Authorization', `Bearer ${stale}`], ['X-CSRF-Token', '0011223344556677'], json], body: '{"name":"Alice"}', response: { user: 'alice', updated: true } },
  ]);
  await app.open();
  await page.getByTestId('file-input').setInputFiles(harPath);
  await expect(page.getByTestId('import-result')).toContainText('.har');
  await expect(page.getByTestId('traffic-row')).toHaveCount(3);
  await page.getByTestId('traffic-row').first().click();
  await page.getByTestId('open-replay').click();
  await expect(page.getByTestId('replay-raw')).toContainText('POST /api/login HTTP/1.1');

  // An environment with a variable, made active from the toolbar.
  await page.getByTestId('replay-side-env').click();
  await page.getByTestId('env-new').click();
  await page.getByTestId('env-name').fill('local');
  await page.getByTestId('env-vars').fill('user=bob');
  await page.getByTestId('env-save').click();
  await page.getByTestId('replay-env-select').selectOption({ label: 'local' });
  await expect(page.getByTestId('replay-env-select')).toHaveValue(/\d+/);

  // The JSON body tab edits the body; {{user}} is filled when sent.
  await page.getByTestId('replay-tab-body').click();
  await expect(page.getByTestId('replay-body')).toContainText('"username":"alice"');
  await page.getByTestId('replay-tab-raw').click();
  await page.locator('[data-testid="replay-raw"] .view-line').last().click();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('{"username":"{{user}}"}');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('replay-status-compare')).toHaveText('200 → 200');
  await page.getByTestId('replay-response-tab-replay').click();
  await expect(page.getByTestId('replay-new-response')).toContainText('token');
  // What was stored as sent is the resolved request.
  const call = (method: string, data: unknown) => page.request.post(`${app.origin}/api/call/${method}`, { data, headers: { Authorization: `Bearer ${app.token}` } });
  const [last] = ((await (await call('replay.list', { limit: 1 })).json()) as { rows: { id: number }[] }).rows;
  const sent = (await (await call('replay.get', { id: last.id })).json()) as { request: { text: string } };
  expect(sent.request.text).toMatch(/\n\n\{"username":"bob"\}$/);

  // Session replay of the three captured requests: the stale token and CSRF value are carried fresh.
  await page.getByTestId('replay-side-session').click();
  await page.getByTestId('session-ids').fill('1, 2, 3');
  await page.getByTestId('session-run').click();
  const steps = page.getByTestId('session-step');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(2)).toContainText('200 → 200');
  await expect(steps.nth(2)).toContainText('carried step 1 $.token');
  await expect(steps.nth(2)).toContainText('carried step 2 $.csrfToken');
  await expect(page.locator('[data-testid="session-step"].diverged')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/replay-session.png' });
});
