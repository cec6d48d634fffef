import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { request as httpRequest } from 'node:http';
import { ApiError } from '../../src/shared/api.ts';
import { startWebServer, type WebServer } from '../../src/server/server.ts';
import { tempDir } from '../helpers/tmp.ts';
import { fakeHost } from './fake-host.ts';
import { request } from './http.ts';

const dir = tempDir('cartograph-server-');
const renderer = join(dir, 'renderer');
mkdirSync(join(renderer, 'assets'), { recursive: true });
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Cartograph</title><script type="module" src="./assets/app.js"></script>');
writeFileSync(join(renderer, 'assets/app.js'), 'console.log("app")');
writeFileSync(join(renderer, 'assets/editor.worker.js'), 'self.onmessage = () => {}');
writeFileSync(join(renderer, 'assets/codicon.ttf'), Buffer.from([0, 1, 0, 0]));
writeFileSync(join(renderer, 'assets/layout.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
writeFileSync(join(renderer, 'assets/app.css'), 'body{}');
writeFileSync(join(renderer, '.env'), 'SECRET=1');
writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
symlinkSync(join(dir, 'secret.txt'), join(renderer, 'assets/link.txt'));

const host = fakeHost({
  'workspace.info': () => ({ name: 'sample', exchanges: 3 }),
  'traffic.get': (input) => {
    if ((input as { id: number }).id === 404) throw new ApiError('not-found', 'no exchange 404');
    return { id: (input as { id: number }).id };
  },
  'filter.check': () => {
    throw new ApiError('filter', 'expected a value after "=="', 9);
  },
  'job.list': () => {
    throw new Error('disk on fire');
  },
});

let server: WebServer;
let port: number;
let auth: Record<string, string>;

beforeAll(async () => {
  server = await startWebServer({ host, rendererDir: renderer, maxCallBytes: 64 * 1024, maxUploadBytes: 1024 * 1024, keepAliveMs: 50 });
  port = server.port;
  auth = { Authorization: `Bearer ${server.token}` };
});
afterAll(() => server?.close());

const call = (method: string, body: string | Buffer, headers: Record<string, string | number> = auth) =>
  request(port, `/api/call/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

describe('web server: address and token', () => {
  it('listens on 127.0.0.1 with a 256-bit token in the printed URL', () => {
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${server.token}`);
  });

  it('refuses any bind address other than 127.0.0.1, and weak tokens', async () => {
    await expect(startWebServer({ host, rendererDir: renderer, bind: '0.0.0.0' })).rejects.toThrow(/binds 127\.0\.0\.1 only/);
    await expect(startWebServer({ host, rendererDir: renderer, bind: 'localhost' })).rejects.toThrow(/127\.0\.0\.1 only/);
    await expect(startWebServer({ host, rendererDir: renderer, token: 'secret' })).rejects.toThrow(/256 bits/);
  });

  it('refuses to start without a renderer build, saying what to run', async () => {
    await expect(startWebServer({ host, rendererDir: join(dir, 'nope') })).rejects.toThrow(/no renderer build at .*nope.*npm run build/);
  });

  it('serves the page only with ?token=, otherwise a 401 page that re-enters with the stored token', async () => {
    const ok = await request(port, `/?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<title>Cartograph</title>');
    expect(ok.headers['cache-control']).toBe('no-store');

    for (const path of ['/', '/index.html', '/?token=wrong', `/?token=${server.token}x`]) {
      const r = await request(port, path);
      expect(r.status, path).toBe(401);
      expect(r.text).not.toContain('<title>Cartograph</title>');
      expect(r.text).toContain('/_cartograph/reauth.js');
    }
    const script = await request(port, '/_cartograph/reauth.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain('sessionStorage');
  });

  it('answers /api without the right bearer token with 401 JSON', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: `Basic ${server.token}` }] as Record<string, string>[]) {
      const r = await call('workspace.info', '{}', headers);
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/token/) });
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    // The token in the query is only for EventSource, never for calls.
    const q = await request(port, `/api/call/workspace.info?token=${server.token}`, { method: 'POST', body: '{}' });
    expect(q.status).toBe(401);
    expect((await request(port, '/api/events')).status).toBe(401);
    expect((await request(port, '/api/upload?name=a.har', { method: 'POST', body: 'x' })).status).toBe(401);
    expect(host.calls).toHaveLength(0);
  });
});

describe('web server: origin and host checks', () => {
  it('rejects a foreign Origin with 403 before looking at the token', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null', `https://127.0.0.1:${port}`]) {
      const r = await call('workspace.info', '{}', { ...auth, Origin: origin });
      expect(r.status, origin).toBe(403);
      expect(r.json()).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('origin') });
    }
    const own = await call('workspace.info', '{}', { ...auth, Origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
  });

  it('rejects a Host that is not our loopback address (DNS rebinding) with 403', async () => {
    for (const h of ['evil.example', `evil.example:${port}`, '127.0.0.1', `127.0.0.1:${port + 1}`, `[::1]:${port}`]) {
      const r = await request(port, `/?token=${server.token}`, { headers: { Host: h } });
      expect(r.status, h).toBe(403);
      expect(r.json()).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('Host') });
    }
    const local = await request(port, `/?token=${server.token}`, { headers: { Host: `localhost:${port}` } });
    expect(local.status).toBe(200);
  });
});

describe('web server: Api calls', () => {
  it('forwards validated input (defaults applied) to the host and returns its result', async () => {
    host.calls.length = 0;
    const r = await call('workspace.info', '{}');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json()).toEqual({ name: 'sample', exchanges: 3 });
    await call('traffic.page', JSON.stringify({ filter: 'status >= 500' }));
    expect(host.calls.at(-1)).toEqual({ method: 'traffic.page', input: { filter: 'status >= 500', sort: 'id', dir: 'asc', offset: 0, limit: 200 } });
    const empty = await call('workspace.info', '');
    expect(empty.status).toBe(200);
  });

  it('sends null for methods without a result', async () => {
    const r = await call('annotate.comment', JSON.stringify({ id: 1, comment: 'hi' }));
    expect(r.status).toBe(200);
    expect(r.text).toBe('null');
  });

  it('answers bad JSON with 400 naming the problem', async () => {
    const r = await call('workspace.info', '{"oops": ');
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/^request body is not valid JSON: .+/) });
    const bin = await call('workspace.info', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(bin.status).toBe(400);
    expect(bin.json()).toMatchObject({ message: 'request body is not valid UTF-8' });
  });

  it('answers unknown methods and invalid inputs with 400 saying which field', async () => {
    host.calls.length = 0;
    const unknown = await call('system.exec', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'bad-input', message: 'unknown method "system.exec"' });
    const proto = await call('__proto__', '{}');
    expect(proto.status).toBe(400);
    const bad = await call('traffic.page', JSON.stringify({ limit: 5000 }));
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/^traffic\.page: limit: /) });
    const extra = await call('workspace.info', JSON.stringify({ evil: true }));
    expect(extra.status).toBe(400);
    expect(host.calls).toHaveLength(0);
    const malformed = await call('%E0%A4%A', '{}');
    expect(malformed.status).toBe(400);
  });

  it('maps engine errors to statuses: not-found 404, filter 400 with column, crash 500', async () => {
    const nf = await call('traffic.get', JSON.stringify({ id: 404 }));
    expect(nf.status).toBe(404);
    expect(nf.json()).toEqual({ code: 'not-found', message: 'no exchange 404' });
    const f = await call('filter.check', JSON.stringify({ expr: 'status ==' }));
    expect(f.status).toBe(400);
    expect(f.json()).toEqual({ code: 'filter', message: 'expected a value after "=="', column: 9 });
    const crash = await call('job.list', '{}');
    expect(crash.status).toBe(500);
    expect(crash.json()).toEqual({ code: 'internal', message: 'disk on fire' });
  });

  it('refuses oversize bodies with a clear 413, declared or streamed', async () => {
    const big = Buffer.alloc(100 * 1024, 0x20);
    const declared = await call('workspace.info', big);
    expect(declared.status).toBe(413);
    expect(declared.json()).toEqual({ code: 'bad-input', message: 'request body exceeds the 64 KiB limit for Api calls' });
    const chunked = await request(port, '/api/call/workspace.info', { method: 'POST', headers: auth, body: Readable.from([big.subarray(0, 50_000), big.subarray(50_000)]) });
    expect(chunked.status).toBe(413);
    // The connection is still usable afterwards.
    expect((await call('workspace.info', '{}')).status).toBe(200);
  });

  it('answers wrong HTTP methods and unknown routes clearly', async () => {
    const get = await request(port, '/api/call/workspace.info', { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const none = await request(port, '/api/nothing', { headers: auth });
    expect(none.status).toBe(404);
    expect(none.json()).toMatchObject({ code: 'not-found' });
    const post = await request(port, '/assets/app.js', { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('web server: static files', () => {
  it('serves renderer assets without the token, with correct MIME types', async () => {
    const cases: [string, RegExp][] = [
      ['/assets/app.js', /^text\/javascript/],
      ['/assets/editor.worker.js', /^text\/javascript/],
      ['/assets/app.css', /^text\/css/],
      ['/assets/codicon.ttf', /^font\/ttf$/],
      ['/assets/layout.wasm', /^application\/wasm$/],
    ];
    for (const [path, type] of cases) {
      const r = await request(port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toMatch(type);
    }
    const head = await request(port, '/assets/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('never serves files outside the renderer folder, dotfiles or directories', async () => {
    const paths = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%5c..%5csecret.txt',
      '/assets/link.txt',
      '/.env',
      '/assets',
      '/assets/',
      '/%00',
      '/%E0%A4%A',
      '/missing.js',
    ];
    for (const path of paths) {
      const r = await request(port, path);
      expect(r.status, path).toBe(404);
      expect(r.text).not.toContain('outside the renderer');
      expect(r.text).not.toContain('SECRET');
    }
  });

  it('puts the security headers on every response, errors included', async () => {
    for (const path of [`/?token=${server.token}`, '/assets/app.js', '/missing', '/api/call/x']) {
      const r = await request(port, path);
      expect(r.headers['content-security-policy'], path).toMatch(/default-src 'none'.*script-src 'self'/);
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
  });
});

describe('web server: events', () => {
  it('streams Api events over SSE with keepalive comments', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/events?token=${server.token}` }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        expect(res.headers['cache-control']).toBe('no-store');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes(': connected') && !text.includes('event:')) host.emit('workspace.changed', { tables: ['exchanges'] });
          if (text.includes('event: workspace.changed') && text.includes(': keepalive')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toContain('event: workspace.changed\ndata: {"tables":["exchanges"]}\n\n');
  });
});

describe('web server: uploads', () => {
  it('streams an upload to a temp file and registers it with the host', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const body = Readable.from((function* () {
      for (let i = 0; i < 8; i++) yield chunk;
    })());
    const r = await request(port, `/api/upload?name=${encodeURIComponent('../../evil dir/capture 1.har')}`, { method: 'POST', headers: auth, body });
    expect(r.status).toBe(200);
    const { uploadId } = r.json<{ uploadId: string }>();
    expect(uploadId).toMatch(/^[0-9a-f]{32}$/);
    const up = host.uploads.find((u) => u.id === uploadId)!;
    expect(up.name).toBe('../../evil dir/capture 1.har');
    expect(up.path).toMatch(/cartograph-uploads-[^/]+\/[0-9a-f]{16}-capture_1\.har$/);
    expect(readFileSync(up.path).length).toBe(8 * 64 * 1024);
  });

  it('refuses uploads without a name, and over the size cap with 413 leaving no file behind', async () => {
    const noName = await request(port, '/api/upload', { method: 'POST', headers: auth, body: 'x' });
    expect(noName.status).toBe(400);
    expect(noName.json()).toMatchObject({ message: expect.stringContaining('?name=') });

    const before = host.uploads.length;
    const big = Buffer.alloc(2 * 1024 * 1024, 'b');
    const declared = await request(port, '/api/upload?name=big.har', { method: 'POST', headers: auth, body: big });
    expect(declared.status).toBe(413);
    expect(declared.json()).toEqual({ code: 'bad-input', message: 'upload exceeds the 1 MiB limit' });
    const streamed = await request(port, '/api/upload?name=big.har', {
      method: 'POST',
      headers: auth,
      body: Readable.from([big.subarray(0, 600_000), big.subarray(600_000)]),
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json()).toEqual({ code: 'bad-input', message: 'upload exceeds the 1 MiB limit' });
    expect(host.uploads.length).toBe(before);
    const uploadDir = dirname(host.uploads[0].path);
    await vi.waitFor(() => expect(readdirSync(uploadDir).filter((f) => f.includes('big'))).toEqual([]));
  });

  it('removes leftover uploads when the server closes', async () => {
    const s = await startWebServer({ host, rendererDir: renderer });
    const r = await request(s.port, '/api/upload?name=left.har', { method: 'POST', headers: { Authorization: `Bearer ${s.token}` }, body: 'data' });
    const path = host.uploads.find((u) => u.id === r.json<{ uploadId: string }>().uploadId)!.path;
    expect(existsSync(path)).toBe(true);
    await s.close();
    expect(existsSync(dirname(path))).toBe(false);
  });
});

describe('web server: interrupted uploads', () => {
  it('deletes the partial file when the client goes away mid-upload', async () => {
    const before = host.uploads.length;
    const uploadDir = dirname(host.uploads[0].path);
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/upload?name=cut.har', method: 'POST', headers: { ...auth, 'Content-Length': 1_000_000 } });
    req.on('error', () => {});
    req.write(Buffer.alloc(100_000, 'c'));
    const cut = (): string[] => readdirSync(uploadDir).filter((f) => f.includes('cut'));
    await vi.waitFor(() => expect(cut()).toHaveLength(1));
    req.destroy();
    await vi.waitFor(() => expect(cut()).toEqual([]));
    expect(host.uploads.length).toBe(before);
  });
});

describe('web server: port in use', () => {
  it('fails with EADDRINUSE and leaves nothing behind', async () => {
    await expect(startWebServer({ host, rendererDir: renderer, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
