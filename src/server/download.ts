/**
 * Web-mode downloads of files the service wrote to its exports folder (HAR exports): the browser
 * cannot read the service's disk, so it fetches them here with its token. Only names the export
 * handler generates are served (no paths, no traversal); the file streams, never held in memory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from 'node:http';
import { EXPORT_NAME } from '../core/service/handlers/export.ts';
import { HttpError } from './respond.ts';

export async function sendExport(res: ServerResponse, exportsDir: string | undefined, name: string): Promise<void> {
  if (!exportsDir || !EXPORT_NAME.test(name)) throw new HttpError(404, 'not-found', 'no such export');
  const path = join(exportsDir, name);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new HttpError(404, 'not-found', 'no such export (exports are kept until the service stops)');
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(info.size),
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
  });
  await pipeline(createReadStream(path), res);
}
