/**
 * "Copy as": a request as curl, fetch, Python requests and HTTPie commands, quoted safely for the
 * shell or the language so a copied command does exactly what the replay did.
 */
import type { ReplayRequest } from './http-text.ts';

export const EXPORT_FORMATS = ['curl', 'fetch', 'python', 'httpie'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const SKIP = new Set(['host', 'content-length', 'connection']);

function parts(req: ReplayRequest): { headers: [string, string][]; body: string | null } {
  return {
    headers: req.headers.filter(([n]) => !n.startsWith(':') && !SKIP.has(n.toLowerCase())).map(([n, v]) => [n, v]),
    body: req.body ? new TextDecoder().decode(req.body) : null,
  };
}

export function exportRequest(req: ReplayRequest, format: ExportFormat): string {
  const { headers, body } = parts(req);
  switch (format) {
    case 'curl': {
      const lines = [`curl${req.method === 'GET' && body === null ? '' : ` -X ${shellQuote(req.method)}`} ${shellQuote(req.url)}`];
      for (const [n, v] of headers) lines.push(`-H ${shellQuote(`${n}: ${v}`)}`);
      if (body !== null) lines.push(`--data-raw ${shellQuote(body)}`);
      return lines.join(' \\\n  ');
    }
    case 'fetch': {
      const init: Record<string, unknown> = { method: req.method, headers: Object.fromEntries(headers) };
      if (body !== null) init.body = body;
      return `await fetch(${JSON.stringify(req.url)}, ${JSON.stringify(init, null, 2)});`;
    }
    case 'python': {
      const lines = ['import requests', '', `response = requests.request(`, `    ${JSON.stringify(req.method)},`, `    ${JSON.stringify(req.url)},`, `    headers=${JSON.stringify(Object.fromEntries(headers))},`];
      if (body !== null) lines.push(`    data=${JSON.stringify(body)}.encode("utf-8"),`);
      lines.push(')', 'print(response.status_code, response.text)');
      return lines.join('\n');
    }
    case 'httpie': {
      const args = ['http', req.method, shellQuote(req.url)];
      for (const [n, v] of headers) args.push(shellQuote(`${n}:${v}`));
      return body === null ? args.join(' ') : `printf '%s' ${shellQuote(body)} | ${args.join(' ')}`;
    }
  }
}
