/**
 * Serves the built renderer on app://cartograph/ (a standard, secure scheme, so the page has a
 * real origin: module workers, fetch and CSP 'self' work as on the web, which they do not under
 * file://). Same path-traversal rules, MIME types and security headers as the web server.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { resolveStaticFile, mimeType } from '../server/static.ts';
import { SECURITY_HEADERS } from '../server/respond.ts';
import { APP_HOST, APP_SCHEME } from './channels.ts';

/** Must run before `app` is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
  ]);
}

/** `rendererDir` must be a real absolute path (see resolveStaticFile). */
export function handleAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const plain = (status: number, text: string): Response => new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
    if (url.host !== APP_HOST) return plain(404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    try {
      const file = await resolveStaticFile(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname);
      const body = request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(file.file)) as unknown as ReadableStream);
      return new Response(body, {
        status: 200,
        headers: { ...SECURITY_HEADERS, 'Content-Type': mimeType(file.file), 'Content-Length': String(file.size), 'Cache-Control': 'no-cache' },
      });
    } catch {
      return plain(404, 'not found');
    }
  });
}
