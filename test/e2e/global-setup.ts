/**
 * Builds the app (electron-vite) before the e2e run, only when out/ is missing or older than
 * the sources it is built from (out/renderer vs src/renderer, and likewise main and preload),
 * and says up front when the Electron project will be skipped.
 */
import type { FullConfig } from '@playwright/test';
import { buildIfStale } from '../../scripts/build-if-stale.ts';
import { ELECTRON_SKIP_REASON, electronInstalled } from './electron/installed.ts';

export default function globalSetup(config: FullConfig): void {
  buildIfStale((line) => process.stdout.write(`${line}\n`));
  if (!electronInstalled() && config.projects.some((p) => p.name === 'electron')) process.stdout.write(`${ELECTRON_SKIP_REASON}\n`);
}
