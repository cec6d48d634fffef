/** Small formatters shared by the views. */
export function formatBytes(n: number | null): string {
  if (n === null || n < 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}`;
}

export const statusClass = (s: number | null): string => (s === null ? 'st-none' : s >= 500 ? 'st-5' : s >= 400 ? 'st-4' : s >= 300 ? 'st-3' : 'st-2');

/** Pretty-prints a body for reading: JSON indented, forms one field a line; other text as is. */
export function prettyBody(text: string, language: string): string {
  if (language === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  if (language === 'form') {
    return [...new URLSearchParams(text)].map(([k, v]) => `${k} = ${v}`).join('\n');
  }
  return text;
}

export function parseCookies(header: string): [string, string][] {
  return header
    .split(/;\s*/)
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    });
}

export function parseSetCookie(value: string): [string, string] {
  const first = value.split(';', 1)[0];
  const eq = first.indexOf('=');
  return eq === -1 ? [first, ''] : [first.slice(0, eq), `${first.slice(eq + 1)}${value.slice(first.length)}`];
}
