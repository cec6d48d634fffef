import type { Reader } from '../reader.ts';

/** Proxy and tool capture readers (mitmproxy, Burp, ZAP, Charles, Fiddler, Postman, Insomnia, pcap). */
export const proxyReaders: readonly Reader[] = [];
