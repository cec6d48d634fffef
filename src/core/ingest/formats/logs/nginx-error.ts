import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { AccessLogParser } from './clf.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';
import { NGINX_ERROR_ENTRY, nginxErrorEntryToExchange } from './nginx-error-entry.ts';

/** The NGINX error log, read as nginx-error-entry.ts describes; access-log lines mixed in are read as the access-log reader reads them. */

function isEntry(line: string): boolean {
  return NGINX_ERROR_ENTRY.test(line);
}

export const nginxErrorReader: Reader = {
  id: 'nginx-error',
  label: 'NGINX error log',
  producers: ['NGINX error_log entries about client requests (limit_req, limit_conn, auth_basic, access rules, upstream errors)'],
  extensions: ['.log', '.error'],
  sniff(head: Uint8Array): number {
    // Scored on error entries only, so an access log with a stray error line stays the access-log reader's.
    return 0.9 * fractionAccepted(headLines(head), isEntry);
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    const access = new AccessLogParser(AccessLogParser.builtins(), false);
    return readLines(input, ctx, (line, latin1) => {
      const m = NGINX_ERROR_ENTRY.exec(line);
      return m === null ? access.parse(line, latin1) : nginxErrorEntryToExchange(line, m, latin1);
    });
  },
};
