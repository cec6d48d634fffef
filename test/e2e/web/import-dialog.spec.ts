/**
 * The import dialog as an analyst uses it: choose several files, see the format detected for
 * each with a preview of its first records, read an unrecognised gateway log by picking the
 * access-log reader and pasting its NGINX log_format, import, and read per-file results with the
 * line of each problem. Then export the imported traffic as HAR through the Api's download route.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, shared, test } from '../fixtures.ts';

const SAFARI_HAR = shared('har/mitmproxy__mitmproxy/safari.har');
const FLOWS = shared('proxy/mitmproxy__mitmproxy/successful_log.mitm');
const LOG_FORMAT = '$time_iso8601|$remote_addr|$request_method|$uri|$status|$request_time';
const GATEWAY_LOG = [
  '2024-03-01T10:00:00+00:00|203.0.113.7|GET|/api/v1/users/42|200|0.012',
  '2024-03-01T10:00:01+00:00|203.0.113.7|POST|/api/v1/orders|201|0.150',
  'this line was cut by log rotation',
  '2024-03-01T10:00:03+00:00|198.51.100.2|DELETE|/api/v1/users/7|403|0.002',
  '',
].join('\n');

test('choose files, check detected formats and previews, paste a log format, import, read per-file results', async ({ page, app }) => {
  const logPath = join(app.dir, 'gateway-pipe.log');
  writeFileSync(logPath, GATEWAY_LOG);
  await app.open();
  await expect(page.getByTestId('workspace-name')).toHaveText('workspace');

  await page.getByTestId('import-dialog-button').click();
  const dialog = page.getByTestId('import-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('import-dialog-files').setInputFiles([SAFARI_HAR, FLOWS, logPath]);

  const files = dialog.getByTestId('import-file');
  await expect(files).toHaveCount(3);
  const har = files.filter({ hasText: 'safari.har' });
  const flows = files.filter({ hasText: 'successful_log.mitm' });
  const log = files.filter({ hasText: 'gateway-pipe.log' });

  // Detected from content, with a preview of the first records.
  await expect(har.getByTestId('import-file-detected')).toHaveText(/detected: HAR/);
  // Safari embeds response bodies: the first 64 KiB the preview reads hold one entry.
  await expect(har.getByTestId('import-preview-row')).toHaveCount(1);
  await expect(har.getByTestId('import-preview').first()).toContainText('https://mitmproxy.org/');
  await expect(flows.getByTestId('import-file-detected')).toHaveText(/detected: mitmproxy/);
  await expect(flows.getByTestId('import-preview-row')).toHaveCount(2);

  // The pipe-separated gateway log matches no known format: import waits for a choice.
  await expect(log.getByTestId('import-file-detected')).toHaveText('not recognised');
  await expect(log.getByTestId('import-preview-error')).toContainText('not a format Cartograph reads');
  await expect(page.getByTestId('import-dialog-start')).toBeDisabled();

  // Read it as an access log: without its format every line is skipped, with a reason per line.
  await log.getByTestId('import-file-format').selectOption('access-log');
  await expect(log.getByTestId('import-file-detected')).toHaveText('not recognised: read as chosen');
  await expect(log.getByTestId('import-preview-skip')).toHaveCount(4);
  await expect(log.getByTestId('import-preview-skip').first()).toContainText('line 1');
  // Paste the NGINX log_format: three lines read, the cut one is skipped and says where.
  await log.getByTestId('import-file-log-format').fill(LOG_FORMAT);
  await log.getByTestId('import-file-log-kind').selectOption('nginx');
  await log.getByTestId('import-file-apply').click();
  await expect(log.getByTestId('import-preview-row')).toHaveCount(3);
  await expect(log.getByTestId('import-preview-row').nth(2)).toContainText('DELETE');
  await expect(log.getByTestId('import-preview-row').nth(2)).toContainText('/api/v1/users/7');
  await expect(log.getByTestId('import-preview-skip')).toContainText('line 3');
  await page.screenshot({ path: 'test-results/import-dialog-preview.png' });

  await expect(page.getByTestId('import-dialog-start')).toHaveText('Import 3 files');
  await page.getByTestId('import-dialog-start').click();
  await expect(har.getByTestId('import-file-result')).toContainText(/safari\.har \(har\): 19 imported, 0 skipped/);
  await expect(flows.getByTestId('import-file-result')).toContainText(/\(mitmproxy\): 2 imported, 0 skipped/);
  await expect(log.getByTestId('import-file-result')).toContainText(/\(access-log\): 3 imported, 1 skipped, 1 error/);
  await expect(log.getByTestId('import-file-errors')).toContainText('line 3');
  await page.screenshot({ path: 'test-results/import-dialog-results.png' });

  await page.getByTestId('import-dialog-close').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('status-count')).toContainText(/\b24\b/);

  // The same traffic leaves again as HAR: the Export dialog downloads what the service wrote.
  await page.getByTestId('export-button').click();
  await page.getByTestId('export-filter').fill('method = DELETE');
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const download = await downloading;
  await expect(page.getByTestId('export-result')).toContainText('Exported 1 exchange');
  await expect(page.getByTestId('export-result')).toContainText('secrets redacted');
  const name = download.suggestedFilename();
  expect(name).toMatch(/^cartograph-\d{8}T\d{6}Z-[a-f0-9]{6}\.har$/);
  const harDoc = JSON.parse(readFileSync(await download.path(), 'utf8')) as { log: { version: string; entries: { request: { method: string; url: string } }[] } };
  expect(harDoc.log.version).toBe('1.2');
  expect(harDoc.log.entries.map((e) => `${e.request.method} ${e.request.url}`)).toEqual(['DELETE http://host.invalid/api/v1/users/7']);
  await page.screenshot({ path: 'test-results/import-dialog-export.png' });
  // Only the token holder downloads, and only export names are served.
  const anonymous = await page.request.get(`${app.origin}/api/download/${name}`);
  expect(anonymous.status()).toBe(401);
  const traversal = await page.request.get(`${app.origin}/api/download/..%2Frecent.json`, { headers: { Authorization: `Bearer ${app.token}` } });
  expect(traversal.status()).toBe(404);
});
