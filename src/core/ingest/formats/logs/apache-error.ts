import type { ReadItem, Reader, ReaderContext, ReaderInput } from '../../reader.ts';
import { APACHE_ERROR_ENTRY, apacheErrorEntryToExchange } from './apache-error-entry.ts';
import { AccessLogParser } from './clf.ts';
import { fractionAccepted, headLines, readLines } from './lines.ts';

/**
 * The Apache httpd error log (2.2 and 2.4 default formats), read as apache-error-entry.ts
 * describes. Access-log lines mixed into the same file (one container's stdout and stderr, as
 * crowdsec's apache2 parser accepts them) are read as the access-log reader reads them.
 */

function isEntry(line: string): boolean {
  return APACHE_ERROR_ENTRY.test(line);
}

export const apacheErrorReader: Reader = {
  id: 'apache-error',
  label: 'Apache httpd error log',
  producers: ['Apache httpd 2.2 and 2.4 ErrorLog entries about client requests (invalid URIs, access denied, failed basic auth, missing files, ModSecurity)'],
  extensions: ['.log', '.error'],
  sniff(head: Uint8Array): number {
    // Scored on error entries only, so an access log with a stray error line stays the access-log reader's.
    return 0.9 * fractionAccepted(headLines(head), isEntry);
  },
  read(input: ReaderInput, ctx: ReaderContext): AsyncIterable<ReadItem> {
    const access = new AccessLogParser(AccessLogParser.builtins(), false);
    return readLines(input, ctx, (line, latin1) => {
      const m = APACHE_ERROR_ENTRY.exec(line);
      return m === null ? access.parse(line, latin1) : apacheErrorEntryToExchange(line, m, latin1);
    });
  },
};
