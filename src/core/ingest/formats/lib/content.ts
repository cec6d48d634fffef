import * as zlib from 'node:zlib';
import { headerValue } from '../../../model/exchange.ts';
import type { Header } from '../../../model/exchange.ts';

/**
 * Undoes a Content-Encoding (gzip, deflate, br, zstd, chained as "gzip, br") the capture kept.
 * A body that does not decode, or would inflate past the cap (a compression bomb), is kept as
 * captured and the reason is returned, so the analyst still sees the bytes and why.
 */

export const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;

export interface Decoded {
  body: Uint8Array;
  error: string | null;
}

type Inflate = (b: Uint8Array, o: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer;
const zstd = (zlib as unknown as { zstdDecompressSync?: Inflate }).zstdDecompressSync;

function decoderFor(encoding: string, body: Uint8Array): Inflate | null | 'unknown' {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync;
    case 'deflate':
      // RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
      return (body[0] & 0x0f) === 8 && ((body[0] << 8) | body[1]) % 31 === 0 ? zlib.inflateSync : zlib.inflateRawSync;
    case 'br':
      return zlib.brotliDecompressSync;
    case 'zstd':
      return zstd ?? 'unknown';
    case 'identity':
    case '':
      return null;
    default:
      return 'unknown';
  }
}

export function decodeContent(body: Uint8Array, headers: readonly Header[], maxBytes = DEFAULT_MAX_DECODED_BYTES): Decoded {
  const header = headerValue(headers, 'content-encoding');
  if (!header || body.length === 0) return { body, error: null };
  const encodings = header
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  let current = body;
  // Encodings are listed in the order applied: undo them from the last.
  for (const enc of encodings.reverse()) {
    const decode = decoderFor(enc, current);
    if (decode === null) continue;
    if (decode === 'unknown') return { body, error: `content-encoding ${JSON.stringify(enc)} is not one Cartograph decodes; body kept as captured` };
    try {
      current = decode(current, { maxOutputLength: maxBytes });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(e.message) ? `decodes to more than ${maxBytes.toLocaleString('en-US')} bytes` : e.message;
      return { body, error: `body claims ${enc} content-encoding but does not decode (${why}); kept as captured` };
    }
  }
  return { body: current, error: null };
}
