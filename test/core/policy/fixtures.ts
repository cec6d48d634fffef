/**
 * Shared material for the policy tests: a policy exercising every rule type, compact exchange
 * builders, and a real NGINX started in a temp prefix.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { emptyExchange, type StoredExchange } from '../../../src/core/model/exchange.ts';
import { parsePolicy } from '../../../src/core/policy/load.ts';

export const FULL_POLICY_YAML = `
cartograph-policy: 1
name: shop
description: Every rule type.
rules:
  - id: rate.ip
    type: rate-limit
    action: throttle
    source: {origin: manual}
    key: ip
    limit: 3
    window: 1m
    burst: 2
  - id: rate.login
    type: rate-limit
    action: throttle
    source: {origin: manual}
    scope: {hosts: [api.shop.example], methods: [POST], paths: [/api/login]}
    key: principal
    limit: 5
    window: 10s
  - id: deny.actors
    type: access-list
    action: block
    mode: deny
    source: {origin: draft, findings: [f1], categories: [injection]}
    ips: [203.0.113.7]
    cidrs: [198.51.100.0/24]
    principals: [user-9]
    userAgents: [{contains: sqlmap}, {regex: '^Nikto/'}]
    countries: [KP]
  - id: admin.office
    type: access-list
    action: block
    mode: allow
    scope: {paths: ['/admin/**']}
    source: {origin: manual}
    cidrs: [10.0.0.0/8]
  - id: block.zombie
    type: block-endpoints
    action: block
    source: {origin: draft, categories: [zombie-api]}
    endpoints: [{method: GET, path: '/api/v1/users/{id}', reason: superseded by v2}]
    methods: [TRACE]
  - id: allow.ops
    type: positive-model
    action: block
    source: {origin: draft}
    operations:
      - host: api.shop.example
        method: GET
        path: '/api/v2/users/{id}'
        parameters:
          - {in: path, name: id, required: true, schema: {type: integer}}
          - {in: query, name: page, schema: {type: integer}}
      - {method: GET, path: /ok.txt}
      - {method: GET, path: '/admin/**'}
      - {method: POST, path: /api/login, requestBody: {required: true, contentTypes: [application/json], schema: {type: object, required: [username], properties: {username: {type: string}}}}}
  - id: sig.injection
    type: signature
    action: block
    source: {origin: draft, categories: [injection]}
    signatures: [sqli, xss, cmd, traversal, jndi]
  - id: sig.scanner
    type: signature
    action: log
    source: {origin: draft, categories: [scanner]}
    signatures: [probe-path]
    targets: [path]
`;

export const fullPolicy = () => parsePolicy(FULL_POLICY_YAML, 'full.yaml');

let nextId = 1;
export interface Ex {
  time?: number;
  method?: string;
  host?: string;
  path?: string;
  query?: string;
  ip?: string | null;
  principal?: string | null;
  ua?: string;
  headers?: [string, string][];
  body?: string;
  contentType?: string;
  status?: number;
  extra?: Record<string, string | number | boolean>;
  id?: number;
}

export function ex(o: Ex = {}): StoredExchange {
  const e = emptyExchange();
  const headers: [string, string][] = [...(o.headers ?? [])];
  if (o.ua) headers.push(['User-Agent', o.ua]);
  if (o.contentType) headers.push(['Content-Type', o.contentType]);
  return {
    ...e,
    time: o.time ?? 1_700_000_000_000,
    method: o.method ?? 'GET',
    scheme: 'https',
    host: o.host ?? 'api.shop.example',
    path: o.path ?? '/ok.txt',
    query: o.query ?? '',
    status: o.status ?? 200,
    requestHeaders: headers,
    requestBody: o.body === undefined ? null : new TextEncoder().encode(o.body),
    extra: o.extra ?? null,
    id: o.id ?? nextId++,
    sourceId: 1,
    ip: o.ip === undefined ? '192.0.2.10' : o.ip,
    clientIp: null,
    principal: o.principal ?? null,
    principalKind: o.principal ? 'jwt' : null,
  };
}

// ---------- real NGINX ----------

export const NGINX = '/usr/sbin/nginx';
export const MODSEC_SO = ['/usr/share/nginx/modules/ngx_http_modsecurity_module.so', '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so'].find((p) => existsSync(p)) ?? null;
export const hasNginx = existsSync(NGINX);

/** The http {} skeleton with every path inside `dir` (pid, temp paths, logs). */
export function nginxConf(dir: string, opts: { port: number; http?: string; server: string; modules?: string[] }): string {
  for (const d of ['tmp', 'logs', 'www']) mkdirSync(join(dir, d), { recursive: true });
  // Started as root, NGINX serves files from unprivileged workers: they must be able to read www.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'www'), 0o755);
  return [
    ...(opts.modules ?? []).map((m) => `load_module ${m};`),
    `pid ${join(dir, 'nginx.pid')};`,
    'error_log stderr;',
    'worker_processes 1;',
    'events { worker_connections 64; }',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`),
    `  access_log ${join(dir, 'logs', 'access.log')};`,
    opts.http ?? '',
    '  server {',
    `    listen 127.0.0.1:${opts.port};`,
    opts.server,
    `    location / { root ${join(dir, 'www')}; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export function nginxTest(dir: string, conf: string): { ok: boolean; output: string } {
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  const r = spawnSync(NGINX, ['-p', dir, '-c', path, '-t'], { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Running {
  stop(): Promise<void>;
  output(): string;
}

/** Starts NGINX in the foreground (daemon off) and waits until it accepts connections. */
export async function startNginx(dir: string, conf: string, port: number): Promise<Running> {
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${out}`);
    try {
      await get(port, '/__ready__');
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not start: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

export function get(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: 'api.shop.example', ...opts.headers }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(opts.body);
  });
}
