import type { Reader } from '../reader.ts';

/** Gateway and server access-log readers (NGINX, Apache, Kong, AWS, Envoy, Traefik…). */
export const logReaders: readonly Reader[] = [];
