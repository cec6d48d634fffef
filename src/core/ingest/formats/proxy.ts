import type { Reader } from '../reader.ts';
import { apiclarityReader } from './apiclarity.ts';
import { burpReader } from './burp.ts';
import { charlesReader } from './charles.ts';
import { insomniaReader } from './insomnia.ts';
import { mitmproxyReader } from './mitmproxy.ts';
import { pcapReader } from './pcap.ts';
import { postmanReader } from './postman.ts';
import { sazReader } from './saz.ts';
import { zapMessagesReader } from './zap.ts';

/**
 * Proxy and tool capture readers: mitmproxy, Burp, ZAP message exports, Charles, Fiddler,
 * Postman, Insomnia, APIClarity traces and packet captures. (ZAP's and Charles' HAR exports are
 * the HAR reader's.)
 */
export const proxyReaders: readonly Reader[] = [
  mitmproxyReader,
  burpReader,
  zapMessagesReader,
  charlesReader,
  sazReader,
  postmanReader,
  insomniaReader,
  apiclarityReader,
  pcapReader,
];
