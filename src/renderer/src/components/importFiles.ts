/** Starts an import of files the user picked or dropped, through whichever transport is in use. */
import { api, desktop } from '../api/client.ts';
import { reportError } from '../state/store.ts';

/** A forced format and reader options (e.g. a pasted log format) for one import job. */
export interface ImportChoice {
  format?: string;
  options?: Record<string, string>;
}

/** Starts one import job for these files; resolves with its job id (null when nothing started). */
export async function startFileImport(files: File[], choice: ImportChoice = {}): Promise<string | null> {
  if (files.length === 0) return null;
  const paths = desktop.pathForFile ? files.map((f) => desktop.pathForFile!(f)).filter(Boolean) : [];
  if (paths.length === files.length) return (await api.call('import.start', { files: paths.map((path) => ({ path })), ...choice })).jobId;
  if (!api.upload) throw new Error('this window cannot read dropped files');
  const uploads = [];
  for (const f of files) uploads.push({ uploadId: await api.upload(f), name: f.name });
  return (await api.call('import.start', { files: uploads, ...choice })).jobId;
}

export async function importFiles(files: File[]): Promise<void> {
  try {
    await startFileImport(files);
  } catch (err) {
    reportError(err);
  }
}

export async function importPaths(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  try {
    await api.call('import.start', { files: paths.map((path) => ({ path })) });
  } catch (err) {
    reportError(err);
  }
}

/** The first 64 KiB of a chosen file as base64: what `formats.sniff` detects and previews. */
export async function fileHead(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
