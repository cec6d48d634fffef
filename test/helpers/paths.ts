import { resolve } from 'node:path';

/** Repository root (the folder holding package.json). */
export const ROOT = resolve(import.meta.dirname, '../..');
/** Real public captures, logs and specs shared beside the repository (see its MANIFEST.tsv). */
export const SHARED_DATA = resolve(ROOT, '../shared/data');
export const shared = (...parts: string[]): string => resolve(SHARED_DATA, ...parts);
