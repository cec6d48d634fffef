import type { Reader } from '../reader.ts';
import { harReader } from './har.ts';
import { proxyReaders } from './proxy.ts';
import { logReaders } from './logs.ts';

/** Every import format this build reads, HAR first. Sniffing picks the most confident. */
export const readers: readonly Reader[] = [harReader, ...proxyReaders, ...logReaders];
