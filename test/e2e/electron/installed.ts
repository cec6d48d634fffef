import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

export const ELECTRON_SKIP_REASON = 'Electron binary not installed (node_modules/electron/dist missing): Electron e2e skipped';

export function electronInstalled(): boolean {
  return existsSync(join(ROOT, 'node_modules/electron/dist'));
}
