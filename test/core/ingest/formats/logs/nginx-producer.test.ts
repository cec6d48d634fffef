import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../../../src/core/ingest/registry.ts';
import { accessLogReader } from '../../../../../src/core/ingest/formats/logs/clf.ts';
import { tempDir } from '../../../../helpers/tmp.ts';
import { header, readAll } from './helpers.ts';

const HAS_NGINX = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).status === 0;

/** A custom log_format an operator might paste into the import dialog. */
const TIMED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time host=$host';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

/** NGINX in the foreground under a private prefix, writing two access logs for one server. */
async function startNginx(prefix: string, port: number): Promise<ChildProcess> {
  for (const d of ['logs', 'tmp']) mkdirSync(join(prefix, d), { recursive: true });
  const conf = `
worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/logs/nginx.pid;
events { worker_connections 64; }
http {
  client_body_temp_path ${prefix}/tmp/body; proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fcgi; uwsgi_temp_path ${prefix}/tmp/uwsgi; scgi_temp_path ${prefix}/tmp/scgi;
  log_format timed '${TIMED}';
  server {
    listen 127.0.0.1:${port};
    access_log ${prefix}/logs/access.log combined;
    access_log ${prefix}/logs/timed.log timed;
    # Answers come from the config, not files: the worker user may not read a private temp folder.
    location = / { return 200 'ok'; }
    location ~ \\.php$ { return 404; }
    location /api/ { default_type application/json; return 200 '{"ok":true}'; }
    location /login { return 401; }
  }
}`;
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const proc = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.text().then(() => true),
      () => false,
    );
    if (up) return proc;
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGQUIT');
  throw new Error(`nginx did not start: ${readFileSync(join(prefix, 'logs', 'error.log'), 'utf8')}`);
}

describe.skipIf(!HAS_NGINX)('access-log reader: logs written by the installed NGINX', () => {
  it('imports the requests the test sent, in the combined format and a pasted custom log_format', { timeout: 60_000 }, async () => {
    const prefix = tempDir('cartograph-nginx-');
    const port = await freePort();
    const nginx = await startNginx(prefix, port);
    const base = `http://127.0.0.1:${port}`;
    try {
      await fetch(`${base}/api/users/42?expand=orders`, { headers: { 'user-agent': 'cartograph-test/1.0', referer: 'https://app.local/' } }).then((r) => r.text());
      await fetch(`${base}/login`, { method: 'POST', body: 'u=a&p=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => r.text());
      await fetch(`${base}/missing.php`).then((r) => r.text());
    } finally {
      // SIGQUIT is NGINX's graceful stop: the logs are flushed before it exits.
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }

    const combined = readFileSync(join(prefix, 'logs', 'access.log'));
    expect(detectFormat(combined.subarray(0, 65536), 'access.log').reader.id).toBe('access-log');
    const r = await readAll(accessLogReader, combined);
    expect(r.skips).toEqual([]);
    expect(r.exchanges.map((x) => `${x.method} ${x.path}${x.query} ${x.status}`)).toEqual(['GET / 200', 'GET /api/users/42?expand=orders 200', 'POST /login 401', 'GET /missing.php 404']);
    const api = r.exchanges[1];
    expect(api).toMatchObject({ clientIp: '127.0.0.1', responseSize: 11 });
    expect(header(api, 'user-agent')).toBe('cartograph-test/1.0');
    expect(header(api, 'referer')).toBe('https://app.local/');
    expect(Math.abs(api.time - Date.now())).toBeLessThan(120_000);

    const timed = readFileSync(join(prefix, 'logs', 'timed.log'));
    const t = await readAll(accessLogReader, timed, { logFormat: TIMED, logFormatKind: 'nginx' });
    expect(t.exchanges).toHaveLength(4);
    expect(t.exchanges[1]).toMatchObject({ host: '127.0.0.1', path: '/api/users/42', status: 200 });
    expect(t.exchanges[1].durationMs).toBeGreaterThanOrEqual(0);
    // Read without the pasted format, the same lines still import (combined plus trailing fields).
    const guessed = await readAll(accessLogReader, timed);
    expect(guessed.exchanges).toHaveLength(4);
  });
});

if (!HAS_NGINX) {
  describe('access-log reader: real NGINX', () => {
    it.skip('needs nginx on PATH (apt-get install -y nginx-light); skipped', () => {});
  });
}
