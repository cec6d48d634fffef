/**
 * Export of the drawn graph without new dependencies: an SVG written from the laid-out boxes and
 * edges (React Flow draws nodes as HTML, which an SVG file cannot hold), and a PNG rendered from
 * that SVG through a canvas.
 */
import type { GraphViewEdge, GraphViewNode } from '../../../../shared/api-graph.ts';
import { EDGE_COLORS, nodeColor } from './style.ts';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function graphSvg(nodes: readonly GraphViewNode[], boxes: ReadonlyMap<string, Box>, edges: readonly GraphViewEdge[]): string {
  const placed = nodes.filter((n) => boxes.has(n.id));
  const pad = 20;
  const maxX = Math.max(100, ...placed.map((n) => boxes.get(n.id)!.x + boxes.get(n.id)!.width)) + pad;
  const maxY = Math.max(100, ...placed.map((n) => boxes.get(n.id)!.y + boxes.get(n.id)!.height)) + pad;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(maxX + pad)}" height="${Math.ceil(maxY + pad)}" viewBox="${-pad} ${-pad} ${Math.ceil(maxX + pad)} ${Math.ceil(maxY + pad)}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect x="${-pad}" y="${-pad}" width="100%" height="100%" fill="#0f1115"/>`);
  parts.push('<defs>');
  for (const [kind, color] of Object.entries(EDGE_COLORS)) parts.push(`<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`);
  parts.push('</defs>');
  // Containers first so endpoints and edges sit above them.
  const containers = placed.filter((n) => n.kind === 'host' && n.expandKey === null);
  for (const n of containers) {
    const b = boxes.get(n.id)!;
    parts.push(`<g><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="8" fill="#151922" stroke="#2f3746"/><text x="${b.x + 10}" y="${b.y + 20}" fill="#8590a0" font-weight="600">${esc(n.label)}</text></g>`);
  }
  for (const e of edges) {
    const s = boxes.get(e.source);
    const t = boxes.get(e.target);
    if (!s || !t) continue;
    const x1 = s.x + s.width;
    const y1 = s.y + s.height / 2;
    const x2 = t.x;
    const y2 = t.y + t.height / 2;
    const dx = Math.max(40, Math.abs(x2 - x1) / 2);
    const width = Math.min(6, 1 + Math.log10(e.count + 1) * 1.5);
    parts.push(`<path d="M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}" fill="none" stroke="${EDGE_COLORS[e.kind]}" stroke-width="${width.toFixed(1)}" stroke-opacity="0.75" marker-end="url(#arrow-${e.kind})"><title>${esc(`${e.kind} ×${e.count}`)}</title></path>`);
  }
  for (const n of placed) {
    if (containers.includes(n)) continue;
    const b = boxes.get(n.id)!;
    const stroke = nodeColor(n);
    parts.push(`<g><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="6" fill="#1a1e25" stroke="${stroke}" stroke-width="${n.findings > 0 ? 2 : 1}"/><text x="${b.x + 8}" y="${b.y + 17}" fill="#d6dbe3">${esc(n.label.length > 44 ? `${n.label.slice(0, 43)}…` : n.label)}</text><text x="${b.x + 8}" y="${b.y + 32}" fill="#8590a0" font-size="10">${esc(`${n.kind} · ${n.count.toLocaleString('en')}${n.findings ? ` · ${n.findings} findings` : ''}${n.sensitive.length ? ` · ${n.sensitive.join(', ')}` : ''}`)}</text></g>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Renders an SVG document to PNG through an <img> and a canvas (at most 8k pixels a side). */
export async function svgToPng(svg: string): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the SVG could not be rendered'));
      img.src = url;
    });
    const scale = Math.min(2, 8192 / Math.max(img.width, img.height, 1));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(img.width * scale));
    canvas.height = Math.max(1, Math.round(img.height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas available');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
