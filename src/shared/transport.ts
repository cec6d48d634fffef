/**
 * Wire protocol of the loopback web mode (src/server ↔ src/renderer web client).
 * Every request carries the per-run token; the server binds 127.0.0.1 and rejects foreign Origins.
 *
 *   POST {API_PREFIX}/call/<method>   body: JSON input        → 200 JSON result | 4xx/5xx JSON ApiErrorShape
 *        header `Authorization: Bearer <token>`
 *   GET  {API_PREFIX}/events?token=<token>                    → text/event-stream; `event: <ApiEventName>`,
 *        `data: <JSON payload>` (EventSource cannot send headers, so this one takes the token in the query)
 *   POST {API_PREFIX}/upload?name=<file name>                  → 200 {"uploadId": "<32 hex>"}
 *        header `Authorization: Bearer <token>`, raw file bytes as the body (streamed to a temp file);
 *        the id is then passed to `import.start` as {uploadId, name}.
 * The UI itself is served from / ; the first page load carries ?token=<token>, which the client
 * keeps in sessionStorage and strips from the address bar.
 */
export const API_PREFIX = '/api';
export const TOKEN_QUERY = 'token';
export const TOKEN_STORAGE_KEY = 'cartograph.token';

/** Name under which the Electron preload exposes the ApiTransport on window. */
export const BRIDGE_API = 'cartograph';
/** Name under which the Electron preload exposes the DesktopBridge on window. */
export const BRIDGE_DESKTOP = 'cartographDesktop';
/** The single IPC channel carrying Api calls; events come back on IPC_EVENT. */
export const IPC_CALL = 'cartograph:call';
export const IPC_EVENT = 'cartograph:event';
