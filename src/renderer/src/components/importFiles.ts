/** Starts an import of files the user picked or dropped, through whichever transport is in use. */
import { api, desktop } from '../api/client.ts';
import { reportError } from '../state/store.ts';

export async function importFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  try {
    const paths = desktop.pathForFile ? files.map((f) => desktop.pathForFile!(f)).filter(Boolean) : [];
    if (paths.length === files.length) {
      await api.call('import.start', { files: paths.map((path) => ({ path })) });
      return;
    }
    if (!api.upload) throw new Error('this window cannot read dropped files');
    const uploads = [];
    for (const f of files) uploads.push({ uploadId: await api.upload(f), name: f.name });
    await api.call('import.start', { files: uploads });
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
