import { APACHE_ERROR_ENTRY, apacheErrorEntryToExchange } from './apache-error-entry.ts';
import { errorLogReader } from './error-log.ts';

/** The Apache httpd error log (2.2 and 2.4 default formats), read as apache-error-entry.ts describes. */
export const apacheErrorReader = errorLogReader({
  id: 'apache-error',
  label: 'Apache httpd error log',
  producers: ['Apache httpd 2.2 and 2.4 ErrorLog entries about client requests (invalid URIs, access denied, failed basic auth, missing files, ModSecurity)'],
  entry: APACHE_ERROR_ENTRY,
  toExchange: apacheErrorEntryToExchange,
});
