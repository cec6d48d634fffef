import { errorLogReader } from './error-log.ts';
import { NGINX_ERROR_ENTRY, nginxErrorEntryToExchange } from './nginx-error-entry.ts';

/** The NGINX error log, read as nginx-error-entry.ts describes. */
export const nginxErrorReader = errorLogReader({
  id: 'nginx-error',
  label: 'NGINX error log',
  producers: ['NGINX error_log entries about client requests (limit_req, limit_conn, auth_basic, access rules, upstream errors)'],
  entry: NGINX_ERROR_ENTRY,
  toExchange: nginxErrorEntryToExchange,
});
