/**
 * The small Markdown of rule docs, drawn as React elements (never as HTML strings): headings,
 * paragraphs whose lines wrap, `-` lists, fenced code, and inline `code`, **bold** and *emphasis*.
 */
import type { ReactNode } from 'react';

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const k = out.length;
    out.push(m[1] !== undefined ? <code key={k}>{m[1]}</code> : m[2] !== undefined ? <strong key={k}>{m[2]}</strong> : <em key={k}>{m[3]}</em>);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text, testid }: { text: string; testid?: string }) {
  const blocks: ReactNode[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
    } else if (line.startsWith('```')) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      i++;
      blocks.push(<pre key={blocks.length}>{code.join('\n')}</pre>);
    } else if (/^#{1,6} /.test(line)) {
      blocks.push(<h5 key={blocks.length}>{inline(line.replace(/^#+ /, ''))}</h5>);
      i++;
    } else if (/^\s*[-*] /.test(line)) {
      const items: string[] = [];
      for (; i < lines.length && lines[i].trim() && !lines[i].startsWith('```'); i++) {
        if (/^\s*[-*] /.test(lines[i])) items.push(lines[i].replace(/^\s*[-*] /, ''));
        else items[items.length - 1] += ` ${lines[i].trim()}`;
      }
      blocks.push(<ul key={blocks.length}>{items.map((t, j) => <li key={j}>{inline(t)}</li>)}</ul>);
    } else {
      const para: string[] = [];
      for (; i < lines.length && lines[i].trim() && !/^(#{1,6} |```|\s*[-*] )/.test(lines[i]); i++) para.push(lines[i].trim());
      blocks.push(<p key={blocks.length}>{inline(para.join(' '))}</p>);
    }
  }
  return (
    <div className="markdown" data-testid={testid}>
      {blocks}
    </div>
  );
}
