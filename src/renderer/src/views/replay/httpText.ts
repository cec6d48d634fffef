/**
 * Lenient split and join of the editor's raw HTTP text, so the structured tabs (headers, query,
 * body) can edit parts of it. The engine parses the text strictly when it is sent and names the line
 * that is wrong; here a line that is not "Name: value" is kept as it is rather than rejected.
 */
export interface HttpParts {
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
  body: string;
}

export function splitHttp(text: string): HttpParts {
  const t = text.replace(/\r\n/g, '\n');
  const cut = t.indexOf('\n\n');
  const head = cut === -1 ? t : t.slice(0, cut);
  const body = cut === -1 ? '' : t.slice(cut + 2);
  const [first = '', ...lines] = head.split('\n');
  const [method = 'GET', target = '/', version = 'HTTP/1.1'] = first.trim().split(/\s+/);
  const headers = lines
    .filter((l) => l.trim() !== '')
    .map((l): [string, string] => {
      const colon = l.indexOf(':');
      return colon <= 0 ? [l, ''] : [l.slice(0, colon).trim(), l.slice(colon + 1).trim()];
    });
  return { method, target, version, headers, body };
}

export function joinHttp(p: HttpParts): string {
  const head = [`${p.method} ${p.target} ${p.version}`, ...p.headers.filter(([n]) => n.trim() !== '').map(([n, v]) => `${n}: ${v}`)];
  return `${head.join('\n')}\n\n${p.body}`;
}

export function queryOf(target: string): [string, string][] {
  const q = target.indexOf('?');
  return q === -1 ? [] : [...new URLSearchParams(target.slice(q + 1))];
}

export function withQuery(target: string, pairs: readonly [string, string][]): string {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const kept = pairs.filter(([k]) => k !== '');
  // Keep {{variables}} readable: URLSearchParams would percent-encode the braces.
  const search = new URLSearchParams(kept).toString().replace(/%7B%7B/gi, '{{').replace(/%7D%7D/gi, '}}');
  return kept.length ? `${path}?${search}` : path;
}

export function headerOf(p: HttpParts, name: string): string | undefined {
  return p.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}
