/**
 * Seeded generator of realistic API traffic as a HAR file of ~1 KB entries (REST paths with ids,
 * JWT and API-key principals, JSON bodies), written streaming so 1M entries never sit in memory.
 *   node bench/generate-har.ts N OUT
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rng, pick } from './lib.ts';

const HOSTS = ['api.shop.example', 'api.shop.example', 'auth.shop.example', 'partner-api.example.net'];
const ROUTES = [
  (r: () => number) => `/api/v1/users/${1000 + Math.floor(r() * 5000)}`,
  (r: () => number) => `/api/v1/users/${1000 + Math.floor(r() * 5000)}/orders?page=${1 + Math.floor(r() * 9)}`,
  (r: () => number) => `/api/v1/orders/${70000 + Math.floor(r() * 90000)}`,
  (r: () => number) => `/api/v1/products?search=item${Math.floor(r() * 500)}&limit=20`,
  (r: () => number) => `/api/v1/products/${Math.floor(r() * 3000)}`,
  () => '/api/v1/cart',
  () => '/api/v1/auth/token',
];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const b64 = (s: string): string => Buffer.from(s).toString('base64url');

export async function generateHar(n: number, out: string, seed = 7): Promise<void> {
  const r = rng(seed);
  const ws = createWriteStream(out, { highWaterMark: 1 << 20 });
  const write = async (s: string): Promise<void> => {
    if (!ws.write(s)) await once(ws, 'drain');
  };
  await write('{"log":{"version":"1.2","creator":{"name":"cartograph-bench","version":"1"},"entries":[\n');
  let t = Date.parse('2026-11-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 50);
    const user = Math.floor(r() * 20000);
    const method = pick(r, METHODS);
    const url = `https://${pick(r, HOSTS)}${pick(r, ROUTES)(r)}`;
    const auth = r() < 0.7 ? { name: 'Authorization', value: `Bearer ${b64('{"alg":"HS256"}')}.${b64(`{"sub":"user-${user}","role":"customer"}`)}.sig${user}` } : { name: 'X-Api-Key', value: `key_${(user * 2654435761) % 1e9}` };
    const body = JSON.stringify({ id: Math.floor(r() * 1e6), name: `Item ${i}`, price: Math.round(r() * 10000) / 100, tags: ['a', 'b'], owner: { id: user, email: `u${user}@mail.example` } });
    const entry = {
      startedDateTime: new Date(t).toISOString(),
      time: Math.round(r() * 300),
      request: {
        method,
        url,
        httpVersion: 'HTTP/1.1',
        headers: [{ name: 'Host', value: new URL(url).host }, { name: 'User-Agent', value: 'ShopApp/3.2' }, { name: 'Accept', value: 'application/json' }, auth, { name: 'X-Forwarded-For', value: `203.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}` }],
        queryString: [],
        cookies: [],
        headersSize: -1,
        bodySize: method === 'POST' || method === 'PUT' ? 42 : 0,
        ...(method === 'POST' || method === 'PUT' ? { postData: { mimeType: 'application/json', text: `{"quantity":${Math.floor(r() * 5)},"note":"n${i}"}` } } : {}),
      },
      response: {
        status: r() < 0.9 ? 200 : pick(r, [201, 204, 400, 401, 403, 404, 500]),
        statusText: 'OK',
        httpVersion: 'HTTP/1.1',
        headers: [{ name: 'Content-Type', value: 'application/json' }, { name: 'Server', value: 'nginx' }],
        cookies: [],
        content: { size: body.length, mimeType: 'application/json', text: body },
        redirectURL: '',
        headersSize: -1,
        bodySize: body.length,
      },
      cache: {},
      timings: { send: 0, wait: 10, receive: 1 },
    };
    await write(`${i ? ',\n' : ''}${JSON.stringify(entry)}`);
  }
  await write('\n]}}\n');
  ws.end();
  await once(ws, 'finish');
}

if (import.meta.main) {
  const [n, out] = process.argv.slice(2);
  await generateHar(Number(n), out);
}
