/**
 * Writes resources/sample/shop-api.har, the capture behind the bundled sample workspace: a day of
 * a small shop's API (api.shop.example) used by a handful of customers, an admin and a mobile app,
 * with incidents an analyst should find: a BOLA walk over order ids, credential stuffing on
 * /login, a scanner, SQL injection and SSRF attempts, a catalogue scraper, an API key in a URL and
 * a response leaking card numbers. Deterministic (seeded), so the file only changes when this does.
 *
 *   node scripts/make-sample.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

let seed = 20261123;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const b64url = (s: string): string => Buffer.from(s).toString('base64url');
const jwt = (sub: string, role: string): string => `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub, role, iat: 1763856000 }))}.${createHash('sha256').update(sub).digest('base64url').slice(0, 43)}`;

interface Entry {
  startedDateTime: string;
  time: number;
  request: { method: string; url: string; httpVersion: string; headers: { name: string; value: string }[]; queryString: { name: string; value: string }[]; cookies: never[]; headersSize: number; bodySize: number; postData?: { mimeType: string; text: string } };
  response: { status: number; statusText: string; httpVersion: string; headers: { name: string; value: string }[]; cookies: never[]; content: { size: number; mimeType: string; text: string }; redirectURL: string; headersSize: number; bodySize: number };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  serverIPAddress: string;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error' };
const HOST = 'https://api.shop.example';
let clock = Date.parse('2026-11-20T08:00:00Z');
const entries: Entry[] = [];

function add(o: { method?: string; path: string; ip: string; token?: string; ua?: string; body?: unknown; status: number; resp?: unknown; extraHeaders?: [string, string][]; gapMs?: number }): void {
  clock += o.gapMs ?? Math.floor(200 + rand() * 4000);
  const method = o.method ?? 'GET';
  const url = `${HOST}${o.path}`;
  const headers = [
    { name: 'Host', value: 'api.shop.example' },
    { name: 'User-Agent', value: o.ua ?? 'ShopApp/3.2 (iPhone; iOS 19.1)' },
    { name: 'Accept', value: 'application/json' },
    { name: 'X-Forwarded-For', value: o.ip },
    ...(o.token ? [{ name: 'Authorization', value: `Bearer ${o.token}` }] : []),
    ...(o.extraHeaders ?? []).map(([name, value]) => ({ name, value })),
  ];
  const text = o.resp === undefined ? '' : JSON.stringify(o.resp);
  const reqText = o.body === undefined ? undefined : JSON.stringify(o.body);
  if (reqText) headers.push({ name: 'Content-Type', value: 'application/json' });
  const query = new URL(url).searchParams;
  const wait = Math.round(8 + rand() * 120);
  entries.push({
    startedDateTime: new Date(clock).toISOString(),
    time: wait + 2,
    request: { method, url, httpVersion: 'HTTP/2.0', headers, queryString: [...query].map(([name, value]) => ({ name, value })), cookies: [], headersSize: -1, bodySize: reqText ? Buffer.byteLength(reqText) : 0, ...(reqText ? { postData: { mimeType: 'application/json', text: reqText } } : {}) },
    response: {
      status: o.status,
      statusText: STATUS_TEXT[o.status] ?? '',
      httpVersion: 'HTTP/2.0',
      headers: [
        { name: 'Content-Type', value: 'application/json; charset=utf-8' },
        { name: 'Server', value: 'nginx/1.22.1' },
        { name: 'X-Request-Id', value: createHash('md5').update(String(clock)).digest('hex') },
      ],
      cookies: [],
      content: { size: Buffer.byteLength(text), mimeType: 'application/json', text },
      redirectURL: '',
      headersSize: -1,
      bodySize: Buffer.byteLength(text),
    },
    cache: {},
    timings: { send: 1, wait, receive: 1 },
    serverIPAddress: '198.51.100.10',
  });
}

const customers = [
  { id: 1001, name: 'Ada Lovelace', email: 'ada@example.org', ip: '203.0.113.11' },
  { id: 1002, name: 'Alan Turing', email: 'alan@example.org', ip: '203.0.113.12' },
  { id: 1003, name: 'Grace Hopper', email: 'grace@example.org', ip: '198.51.100.23' },
  { id: 1004, name: 'Edsger Dijkstra', email: 'edsger@example.org', ip: '192.0.2.44' },
  { id: 1005, name: 'Barbara Liskov', email: 'barbara@example.org', ip: '203.0.113.55' },
].map((c) => ({ ...c, token: jwt(`user-${c.id}`, 'customer'), orders: [] as number[] }));
const admin = { id: 1, token: jwt('admin-1', 'admin'), ip: '10.0.0.5' };
const products = Array.from({ length: 40 }, (_, i) => ({ id: 501 + i, name: `Product ${501 + i}`, price: Math.round(500 + rand() * 20000) / 100 }));
let nextOrder = 7001;

// Normal customers: log in, browse, order, look at their own orders and profile.
for (let round = 0; round < 6; round++) {
  for (const c of customers) {
    add({ method: 'POST', path: '/api/v1/auth/login', ip: c.ip, body: { username: c.email, password: '••••••••' }, status: 200, resp: { token: c.token, expiresIn: 3600 } });
    add({ path: `/api/v1/products?page=${1 + Math.floor(rand() * 3)}&limit=20`, ip: c.ip, token: c.token, status: 200, resp: { items: products.slice(0, 3), page: 1 } });
    const p = pick(products);
    add({ path: `/api/v1/products/${p.id}`, ip: c.ip, token: c.token, status: 200, resp: p });
    if (rand() < 0.6) {
      const order = nextOrder++;
      c.orders.push(order);
      add({ method: 'POST', path: '/api/v1/orders', ip: c.ip, token: c.token, body: { items: [{ productId: p.id, quantity: 1 }] }, status: 201, resp: { id: order, userId: c.id, total: p.price, status: 'placed' } });
    }
    for (const o of c.orders.slice(-2)) add({ path: `/api/v1/orders/${o}`, ip: c.ip, token: c.token, status: 200, resp: { id: o, userId: c.id, status: 'placed' } });
    add({ path: `/api/v1/users/${c.id}`, ip: c.ip, token: c.token, status: 200, resp: { id: c.id, name: c.name, email: c.email } });
  }
  add({ path: '/api/v1/admin/users?limit=50', ip: admin.ip, token: admin.token, ua: 'AdminConsole/1.4', status: 200, resp: { users: customers.map((c) => ({ id: c.id, email: c.email })) } });
}

// BOLA: user-1002 walks other customers' order ids.
const walker = customers[1];
for (let o = 7001; o < nextOrder; o++) {
  const owner = customers.find((c) => c.orders.includes(o));
  const own = owner === walker;
  add({ path: `/api/v1/orders/${o}`, ip: walker.ip, token: walker.token, status: 200, resp: { id: o, userId: owner?.id ?? 0, status: 'placed', shippingAddress: own ? undefined : '12 High Street, Springfield' }, gapMs: 700 });
}
// Credential stuffing on login from rotating addresses.
for (let i = 0; i < 60; i++) {
  add({ method: 'POST', path: '/api/v1/auth/login', ip: `198.18.${Math.floor(i / 8)}.${10 + (i % 8)}`, ua: 'python-requests/2.32.3', body: { username: `user${i}@mail.example`, password: `Summer${2020 + (i % 6)}!` }, status: i === 41 ? 200 : 401, resp: i === 41 ? { token: jwt('user-2041', 'customer') } : { error: 'invalid credentials' }, gapMs: 350 });
}
// A scanner guessing paths.
for (const p of ['/.env', '/wp-admin/', '/actuator/env', '/.git/config', '/server-status', '/api/v1/../../etc/passwd', '/phpmyadmin/', '/api/swagger.json']) {
  add({ path: p, ip: '192.0.2.200', ua: 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))', status: 404, resp: { error: 'not found' }, gapMs: 120 });
}
// Injection and SSRF attempts.
add({ path: "/api/v1/products?search=%27%20OR%201%3D1--", ip: '192.0.2.201', ua: 'sqlmap/1.8.11#stable (https://sqlmap.org)', status: 500, resp: { error: 'SQLSTATE[42000]: Syntax error near \'\' OR 1=1--\'', trace: 'at ProductRepository.search (/srv/app/products.js:88:13)' } });
add({ method: 'POST', path: '/api/v1/users/1004/avatar', ip: customers[3].ip, token: customers[3].token, body: { imageUrl: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }, status: 200, resp: { ok: true } });
add({ method: 'PATCH', path: '/api/v1/users/1005', ip: customers[4].ip, token: customers[4].token, body: { name: 'Barbara Liskov', role: 'admin', isAdmin: true }, status: 200, resp: { id: 1005, role: 'admin' } });
// A catalogue scraper.
for (let page = 1; page <= 45; page++) {
  add({ path: `/api/v1/products?page=${page}&limit=100`, ip: '203.0.113.250', ua: 'Go-http-client/1.1', status: 200, resp: { items: products.slice(0, 2), page }, gapMs: 90 });
}
// An API key in the query string, and a response leaking card numbers.
add({ path: '/api/v1/partners/feed?api_key=sk_live_51Hq8ExampleKeyValue00000000', ip: '198.51.100.77', ua: 'PartnerSync/2.0', status: 200, resp: { items: [] } });
add({ path: '/api/v1/users/1003/payment-methods', ip: customers[2].ip, token: customers[2].token, status: 200, resp: { cards: [{ number: '4111111111111111', expiry: '12/29', holder: 'Grace Hopper' }] } });
// An old API version still answering.
add({ path: '/api/v0/users/1001', ip: '192.0.2.201', status: 200, resp: { id: 1001, email: 'ada@example.org', passwordHash: '$2b$12$C6UzMDM.H6dfI/f/IKcEeO4Q2Qn/nKCBkZs5Zr/5s0pQ5tKtK6e3K' } });

const har = { log: { version: '1.2', creator: { name: 'Cartograph sample generator', version: '1' }, pages: [], entries } };
const out = join(import.meta.dirname, '../resources/sample/shop-api.har');
writeFileSync(out, `${JSON.stringify(har, null, 1)}\n`);
process.stdout.write(`wrote ${entries.length} entries to ${out}\n`);
