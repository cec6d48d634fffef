/**
 * A small real HTTP target on 127.0.0.1 for replay tests, with the flaws replays must confirm:
 * GET /api/orders/:id answers any logged-in user (BOLA); /api/admin/users is properly guarded;
 * /api/login issues a fresh token per login; /api/profile needs the token and a CSRF value from
 * /api/csrf; /slow never answers in time; /huge sends 5 MiB.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface Target {
  url: string;
  server: Server;
  close(): Promise<void>;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
}

const ORDERS: Record<string, { id: number; owner: string; total: number }> = {
  '7001': { id: 7001, owner: 'alice', total: 12.5 },
  '7002': { id: 7002, owner: 'bob', total: 99 },
};
const ROLES: Record<string, string> = { alice: 'customer', bob: 'customer', root: 'admin' };

export async function startTarget(): Promise<Target> {
  const tokens = new Map<string, string>();
  const csrf = new Map<string, string>();
  const requests: Target['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', date: new Date().toUTCString(), 'x-request-id': randomBytes(8).toString('hex'), ...headers });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://x');
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const user = auth ? tokens.get(auth) : undefined;
      if (url.pathname === '/api/login' && req.method === 'POST') {
        const { username } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { username?: string };
        if (!username || !ROLES[username]) return send(401, { error: 'bad credentials' });
        const token = randomBytes(12).toString('hex');
        tokens.set(token, username);
        return send(200, { token, issuedAt: new Date().toISOString() }, { 'set-cookie': `sid=${randomBytes(6).toString('hex')}; Path=/; HttpOnly` });
      }
      if (url.pathname === '/slow') return void setTimeout(() => send(200, { late: true }), 5_000);
      if (url.pathname === '/huge') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void res.end(Buffer.alloc(5 * 1024 * 1024, 97));
      }
      if (url.pathname === '/redirect') return send(302, {}, { location: '/api/orders/7001' });
      if (!user) return send(401, { error: 'login required' });
      const order = /^\/api\/orders\/(\d+)$/.exec(url.pathname);
      if (order) return ORDERS[order[1]] ? send(200, ORDERS[order[1]]) : send(404, { error: 'no such order' });
      if (url.pathname === '/api/admin/users') return ROLES[user] === 'admin' ? send(200, { users: Object.keys(ROLES) }) : send(403, { error: 'admins only' });
      if (url.pathname === '/api/csrf') {
        const value = randomBytes(8).toString('hex');
        csrf.set(auth!, value);
        return send(200, { csrfToken: value });
      }
      if (url.pathname === '/api/profile' && req.method === 'POST') {
        if (req.headers['x-csrf-token'] !== csrf.get(auth!)) return send(403, { error: 'bad csrf token' });
        return send(200, { user, updated: true });
      }
      return send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
