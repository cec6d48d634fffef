/**
 * The fields a filter can name. The parser only needs names and shapes; the compiler maps each
 * kind to SQL over `exchanges AS e`.
 */

export type Unit = 'count' | 'bytes' | 'ms' | 'status' | 'time' | 'port';

export type FieldSpec =
  /** A text column (or SQL expression) of the exchange. */
  | { kind: 'text'; name: string; sql: string; nullable: boolean; fold?: 'upper' | 'lower'; help: string }
  /** A numeric column; `unit` picks how values are read (sizes with units, durations, dates…). */
  | { kind: 'number'; name: string; sql: string; nullable: boolean; unit: Unit; help: string }
  | { kind: 'header'; name: string; side: 'req' | 'resp' | 'both'; help: string }
  | { kind: 'body'; name: string; side: 'req' | 'resp' | 'both'; help: string }
  | { kind: 'tag' | 'source' | 'highlight' | 'comment'; name: string; help: string };

/** The URL as people read it; mirrors exchangeUrl() in model/exchange.ts. */
export const URL_SQL = `(e.scheme || '://' || CASE WHEN instr(e.host, ':') THEN '[' || e.host || ']' ELSE e.host END || CASE WHEN e.port IS NULL THEN '' ELSE ':' || e.port END || e.path || e.query)`;
/** Stored ports are null when they are the scheme's default. */
const PORT_SQL = `coalesce(e.port, CASE WHEN e.scheme IN ('https', 'wss') THEN 443 ELSE 80 END)`;

const SPECS: FieldSpec[] = [
  { kind: 'text', name: 'method', sql: 'e.method', nullable: false, fold: 'upper', help: 'request method (GET, POST…); case-insensitive' },
  { kind: 'text', name: 'host', sql: 'e.host', nullable: false, fold: 'lower', help: 'host name without port; case-insensitive' },
  { kind: 'text', name: 'path', sql: 'e.path', nullable: false, help: 'path as sent, without the query string' },
  { kind: 'text', name: 'query', sql: 'e.query', nullable: false, help: "query string with its leading '?', or empty" },
  { kind: 'text', name: 'url', sql: URL_SQL, nullable: false, help: 'full URL: scheme://host[:port]/path?query' },
  { kind: 'text', name: 'scheme', sql: 'e.scheme', nullable: false, fold: 'lower', help: 'http, https, ws or wss' },
  { kind: 'text', name: 'mime', sql: 'e.mime', nullable: true, fold: 'lower', help: 'response content type without parameters (application/json)' },
  { kind: 'text', name: 'ip', sql: 'e.ip', nullable: true, help: 'client IP after honouring X-Forwarded-For' },
  { kind: 'text', name: 'client_ip', sql: 'e.client_ip', nullable: true, help: 'client IP as the capture saw it' },
  { kind: 'text', name: 'server_ip', sql: 'e.server_ip', nullable: true, help: 'server IP' },
  { kind: 'text', name: 'principal', sql: 'e.principal', nullable: true, help: 'who made the request (JWT sub, Basic user, API key fingerprint…)' },
  { kind: 'text', name: 'principal_kind', sql: 'e.principal_kind', nullable: true, help: 'jwt, basic, api-key, bearer, session or consumer' },
  { kind: 'text', name: 'version', sql: 'e.http_version', nullable: false, help: 'HTTP version (HTTP/1.1, HTTP/2…)' },
  { kind: 'text', name: 'error', sql: 'e.error', nullable: true, help: 'connection or protocol error the capture recorded' },
  { kind: 'number', name: 'status', sql: 'e.status', nullable: true, unit: 'status', help: 'response status; also 4xx-style classes; null when there was no response' },
  { kind: 'number', name: 'port', sql: PORT_SQL, nullable: false, unit: 'port', help: "server port (the scheme's default when none was written)" },
  { kind: 'number', name: 'id', sql: 'e.id', nullable: false, unit: 'count', help: 'exchange id in this workspace' },
  { kind: 'number', name: 'size', sql: 'e.resp_size', nullable: true, unit: 'bytes', help: 'response body size; units b, kb (k), mb (m), gb (g), binary multiples' },
  { kind: 'number', name: 'req.size', sql: 'e.req_size', nullable: true, unit: 'bytes', help: 'request body size' },
  { kind: 'number', name: 'duration', sql: 'e.duration', nullable: true, unit: 'ms', help: 'time to the full response; units us, ms, s, m, h (bare numbers are ms)' },
  { kind: 'number', name: 'time', sql: 'e.time', nullable: false, unit: 'time', help: 'start of the request: ISO dates and times (UTC unless an offset is given), now, -15m, -2h, -7d' },
  { kind: 'header', name: 'header', side: 'both', help: 'header[name]: value of a request or response header; header alone: "name: value" lines' },
  { kind: 'header', name: 'req.header', side: 'req', help: 'request header' },
  { kind: 'header', name: 'resp.header', side: 'resp', help: 'response header' },
  { kind: 'body', name: 'body', side: 'both', help: 'request or response body text (indexed substring search)' },
  { kind: 'body', name: 'req.body', side: 'req', help: 'request body text' },
  { kind: 'body', name: 'resp.body', side: 'resp', help: 'response body text' },
  { kind: 'tag', name: 'tag', help: 'a tag the analyst set' },
  { kind: 'source', name: 'source', help: 'name of the imported file the exchange came from' },
  { kind: 'highlight', name: 'highlight', help: 'highlight colour: red, orange, yellow, green, blue, purple, or none' },
  { kind: 'comment', name: 'comment', help: "the analyst's comment" },
];

const ALIASES: Record<string, string> = {
  'resp.size': 'size',
  'request.size': 'req.size',
  'response.size': 'size',
  code: 'status',
  headers: 'header',
  'req.headers': 'req.header',
  'resp.headers': 'resp.header',
  'request.header': 'req.header',
  'response.header': 'resp.header',
  'request.body': 'req.body',
  'response.body': 'resp.body',
  tags: 'tag',
  file: 'source',
  'content-type': 'mime',
};

const BY_NAME = new Map(SPECS.map((s) => [s.name, s]));

export const FIELD_NAMES: readonly string[] = SPECS.map((s) => s.name);
export const FIELDS: readonly FieldSpec[] = SPECS;

export function lookupField(word: string): FieldSpec | undefined {
  const w = word.toLowerCase();
  return BY_NAME.get(ALIASES[w] ?? w);
}

/** Fields whose values may be written as ranges (`400..499`, `1kb..2mb`, `2024-01-01..2024-02-01`). */
export function takesRange(spec: FieldSpec): boolean {
  return spec.kind === 'number';
}
