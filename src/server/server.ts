/**
 * The loopback web mode: serves the built renderer and the Api (src/shared/transport.ts) on
 * 127.0.0.1 only. Every /api request needs the per-run token; requests with a foreign Origin or
 * a Host that is not our loopback address (DNS rebinding) are refused before anything else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { validateInput } from '../shared/api.ts';
import { API_PREFIX, TOKEN_QUERY, TOKEN_STORAGE_KEY } from '../shared/transport.ts';
import type { ServiceHost } from '../core/service/host.ts';
import { bearerToken, checkTokenStrength, hostAllowed, newToken, originAllowed, tokenMatches } from './auth.ts';
import { createEventHub } from './events.ts';
import { HttpError, sendError, sendJson, setSecurityHeaders } from './respond.ts';
import { resolveStaticFile, sendFile } from './static.ts';
import { createUploadStore } from './upload.ts';
import { sendExport } from './download.ts';
import { parseJsonBody, readBody } from './body.ts';

export const LOOPBACK = '127.0.0.1';
export const DEFAULT_MAX_CALL_BYTES = 1024 * 1024;
/** Captures of tens of gigabytes exist; the cap only stops a runaway client filling the disk. */
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 2 ** 30;

export interface WebServerOptions {
  host: ServiceHost;
  rendererDir: string;
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  /** Defaults to 256 random bits. */
  token?: string;
  /** Only 127.0.0.1 is accepted; anything else is refused. */
  bind?: string;
  maxCallBytes?: number;
  maxUploadBytes?: number;
  keepAliveMs?: number;
  /** Folder of the service's HAR exports, served at GET /api/download/<name>. */
  exportsDir?: string;
}

export interface WebServer {
  /** The address to open, carrying the token: http://127.0.0.1:PORT/?token=… */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const REAUTH_PATH = '/_cartograph/reauth.js';
/**
 * The client keeps the token in sessionStorage and removes it from the address bar, so a reload
 * arrives without it; this script (the only code on the 401 page) sends such a tab back in with
 * its stored token, once.
 */
const REAUTH_JS = `(() => {
  const key = ${JSON.stringify(TOKEN_STORAGE_KEY)};
  const params = new URLSearchParams(location.search);
  if (params.has(${JSON.stringify(TOKEN_QUERY)})) { sessionStorage.removeItem(key); return; }
  const stored = sessionStorage.getItem(key);
  if (stored) location.replace('/?' + ${JSON.stringify(TOKEN_QUERY)} + '=' + encodeURIComponent(stored));
})();
`;
const UNAUTHORIZED_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cartograph: access token needed</title>
<link rel="icon" href="data:,"><script src="${REAUTH_PATH}"></script></head>
<body><h1>Access token needed</h1>
<p>Cartograph's web mode only answers the address it printed when it started, which carries a
per-run access token: <code>http://127.0.0.1:PORT/?token=…</code>. Open that address (copy it from
the terminal where Cartograph runs).</p></body></html>
`;

function splitUrl(raw: string | undefined): { path: string; query: URLSearchParams } {
  // Only origin-form targets ("/path?query"); absolute or "//host" forms are not ours.
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) throw new HttpError(400, 'bad-input', 'malformed request target');
  const q = raw.indexOf('?');
  return { path: q === -1 ? raw : raw.slice(0, q), query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
}

function requireMethod(req: IncomingMessage, res: ServerResponse, ...allowed: string[]): void {
  if (allowed.includes(req.method ?? '')) return;
  res.setHeader('Allow', allowed.join(', '));
  throw new HttpError(405, 'bad-input', `${req.method} is not allowed here (use ${allowed.join(' or ')})`);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const bind = opts.bind ?? LOOPBACK;
  if (bind !== LOOPBACK) throw new Error(`the web mode binds ${LOOPBACK} only (refusing ${JSON.stringify(bind)}): it serves your workspace to whoever can reach it`);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer 0-65535, got ${port}`);
  const token = opts.token ?? newToken();
  checkTokenStrength(token);
  let rendererDir: string;
  try {
    rendererDir = await realpath(opts.rendererDir);
    if (!(await stat(join(rendererDir, 'index.html'))).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`no renderer build at ${opts.rendererDir} (index.html missing): run \`npm run build\` first`);
  }
  const maxCall = opts.maxCallBytes ?? DEFAULT_MAX_CALL_BYTES;
  const uploads = await createUploadStore(opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
  const hub = createEventHub(opts.host, opts.keepAliveMs ?? 15_000);
  let boundPort = port;

  const unauthorized = (): HttpError => new HttpError(401, 'unauthorized', 'missing or wrong access token: open the address Cartograph printed when it started');

  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const route = path.slice(API_PREFIX.length);
    if (route === '/events') {
      requireMethod(req, res, 'GET');
      if (!tokenMatches(token, query.get(TOKEN_QUERY) ?? bearerToken(req))) throw unauthorized();
      hub.attach(req, res);
      return;
    }
    if (!tokenMatches(token, bearerToken(req))) throw unauthorized();
    if (route.startsWith('/call/')) {
      requireMethod(req, res, 'POST');
      let method: string;
      try {
        method = decodeURIComponent(route.slice('/call/'.length));
      } catch {
        throw new HttpError(400, 'bad-input', 'malformed method name');
      }
      const raw = parseJsonBody(await readBody(req, maxCall));
      const { input } = validateInput(method, raw);
      const result = await opts.host.call(method, input);
      sendJson(res, 200, result);
      return;
    }
    if (route.startsWith('/download/')) {
      requireMethod(req, res, 'GET');
      await sendExport(res, opts.exportsDir, route.slice('/download/'.length));
      return;
    }
    if (route === '/upload') {
      requireMethod(req, res, 'POST');
      const name = query.get('name');
      if (!name) throw new HttpError(400, 'bad-input', 'upload needs ?name=<file name>');
      if (name.length > 512) throw new HttpError(400, 'bad-input', 'upload name is longer than 512 characters');
      const file = await uploads.receive(req, name);
      sendJson(res, 200, { uploadId: opts.host.registerUpload(file.path, name) });
      return;
    }
    throw new HttpError(404, 'not-found', `no such Api route: ${path.slice(0, 200)}`);
  }

  async function page(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    requireMethod(req, res, 'GET', 'HEAD');
    if (path === REAUTH_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : REAUTH_JS);
      return;
    }
    if (path === '/' || path === '/index.html') {
      if (!tokenMatches(token, query.get(TOKEN_QUERY))) {
        res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : UNAUTHORIZED_HTML);
        return;
      }
      // The address carries the token: keep it out of every cache.
      sendFile(req, res, await resolveStaticFile(rendererDir, '/index.html'), 'no-store');
      return;
    }
    // Scripts, styles, workers, fonts: code shipped with the app, no workspace data.
    sendFile(req, res, await resolveStaticFile(rendererDir, path));
  }

  const server = createServer(async (req, res) => {
    setSecurityHeaders(res);
    try {
      if (!hostAllowed(req, boundPort)) throw new HttpError(403, 'unauthorized', `Host ${JSON.stringify(req.headers.host ?? '')} is not this server (expected 127.0.0.1:${boundPort})`);
      if (!originAllowed(req, boundPort)) throw new HttpError(403, 'unauthorized', `requests from origin ${JSON.stringify(req.headers.origin)} are not allowed`);
      const { path, query } = splitUrl(req.url);
      if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) await api(req, res, path, query);
      else await page(req, res, path, query);
    } catch (err) {
      sendError(res, err);
    }
  });
  // Multi-gigabyte uploads take longer than Node's default 5-minute request timeout.
  server.requestTimeout = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    hub.close();
    await uploads.close();
    throw err;
  }
  boundPort = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK}:${boundPort}`;

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    origin,
    port: boundPort,
    token,
    close() {
      closing ??= (async () => {
        hub.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await uploads.close();
      })();
      return closing;
    },
  };
}
