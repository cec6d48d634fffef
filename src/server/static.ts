/**
 * Serves the built renderer (out/renderer) read-only: only files that really live under the
 * renderer folder (after resolving `..`, encoded separators and symlinks), never dotfiles,
 * with explicit MIME types so `nosniff` never blocks a script, worker, font or wasm module.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { HttpError } from './respond.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path to a file under root, or throws a 404 HttpError. `root` must already be a
 * real (symlink-free) absolute path.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<{ file: string; size: number }> {
  const notFound = (): HttpError => new HttpError(404, 'not-found', `not found: ${urlPath.slice(0, 200)}`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    throw notFound();
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw notFound();
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) throw notFound(); // `..`, `.env`, `.git`…
  const candidate = resolve(root, ...segments);
  if (candidate !== root && !candidate.startsWith(root + sep)) throw notFound();
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw notFound();
  }
  if (!real.startsWith(root + sep)) throw notFound();
  const st = await stat(real);
  if (!st.isFile()) throw notFound();
  return { file: real, size: st.size };
}

/** `cacheControl`: built asset names carry content hashes, index.html does not, so revalidate by default. */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: { file: string; size: number }, cacheControl = 'no-cache'): void {
  res.writeHead(200, {
    'Content-Type': mimeType(file.file),
    'Content-Length': file.size,
    'Cache-Control': cacheControl,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
