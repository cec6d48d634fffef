/**
 * Graph layout with ELK (layered, left to right) in a Web Worker. Hosts are compound nodes holding
 * their endpoints. Only the heaviest edges steer the layout: ELK's time grows with edges, and the
 * thin ones barely move a node; every edge is still drawn.
 */
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { GraphView } from '../../../../shared/api-graph.ts';
import type { LayoutRequest, LayoutResponse } from './elk.worker.ts';

export const NODE_HEIGHT = 40;
/** ELK's time grows fast with edges: the heaviest few per node shape the picture. */
/** Above this many nodes, ELK's faster strategies (2,000 nodes: seconds instead of minutes). */
const LARGE = 300;
const layoutEdgeBudget = (nodes: number): number => (nodes > LARGE ? Math.min(1000, Math.round(nodes * 0.3)) : Math.max(150, Math.round(nodes * 0.6)));

export interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const nodeWidth = (label: string): number => Math.min(300, Math.max(120, 26 + label.length * 6.6));

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve(g: ElkNode): void; reject(e: Error): void }>();

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<LayoutResponse>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    pending.delete(e.data.id);
    if (e.data.error !== undefined) p.reject(new Error(`layout failed: ${e.data.error}`));
    else p.resolve(e.data.graph);
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`layout worker failed: ${e.message}`));
    pending.clear();
    worker?.terminate();
    worker = null;
  };
  return worker;
}

/** Positions of every node (children relative to their host), keyed by node id. */
export async function layoutView(view: Pick<GraphView, 'nodes' | 'edges'>): Promise<Map<string, Placed>> {
  const drawn = new Set(view.nodes.map((n) => n.id));
  const parentOf = (n: GraphView['nodes'][number]): string | null => (n.parent !== null && drawn.has(n.parent) ? n.parent : null);
  const byParent = new Map<string | null, GraphView['nodes']>();
  for (const n of view.nodes) {
    const key = parentOf(n);
    const l = byParent.get(key) ?? [];
    l.push(n);
    byParent.set(key, l);
  }
  const top = new Map(view.nodes.map((n) => [n.id, parentOf(n) ?? n.id]));
  const large = view.nodes.length > LARGE;
  const speed: Record<string, string> = large
    ? { 'elk.layered.thoroughness': '1', 'elk.layered.crossingMinimization.greedySwitch.type': 'OFF', 'elk.layered.layering.strategy': 'LONGEST_PATH', 'elk.layered.nodePlacement.strategy': 'SIMPLE' }
    : { 'elk.layered.thoroughness': '7' };

  // No edge crosses a container: those inside a host lay out the host, those between hosts (lifted
  // to the hosts) lay out the top level. Each level is a smaller problem than the whole.
  const inner = new Map<string, { id: string; sources: string[]; targets: string[] }[]>();
  const outer = new Map<string, { id: string; sources: string[]; targets: string[] }>();
  for (const e of view.edges.filter((x) => drawn.has(x.source) && drawn.has(x.target)).slice(0, layoutEdgeBudget(view.nodes.length))) {
    const a = top.get(e.source)!;
    const b = top.get(e.target)!;
    if (a === b) {
      if (a === e.source || a === e.target) continue;
      const l = inner.get(a) ?? [];
      l.push({ id: e.id, sources: [e.source], targets: [e.target] });
      inner.set(a, l);
    } else if (!outer.has(`${a}\n${b}`)) outer.set(`${a}\n${b}`, { id: `lifted:${a}->${b}`, sources: [a], targets: [b] });
  }

  const toElk = (n: GraphView['nodes'][number]): ElkNode => {
    const kids = byParent.get(n.id) ?? [];
    if (kids.length === 0) {
      // The second line (kind, count, finding and sensitive-data badges) may be the longer one.
      const meta = `${n.kind} ${n.count} ${n.findings > 0 ? `${n.findings} findings ` : ''}${n.sensitive.join(', ')}`;
      return { id: n.id, width: Math.max(nodeWidth(n.label), nodeWidth(meta) * 0.9 + 16), height: NODE_HEIGHT };
    }
    const edges = inner.get(n.id) ?? [];
    // A host whose endpoints barely link to each other reads best packed in rows, not in one column.
    const packed = edges.length * 3 < kids.length;
    return {
      id: n.id,
      layoutOptions: {
        'elk.padding': '[top=34,left=12,bottom=12,right=12]',
        ...(packed ? { 'elk.algorithm': 'rectpacking', 'elk.aspectRatio': '1.6', 'elk.spacing.nodeNode': '12' } : { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '18', 'elk.layered.spacing.nodeNodeBetweenLayers': '60', ...speed }),
        // Wide enough for the host's title bar.
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.round(nodeWidth(`${n.label} · ${n.members} endpoints · ${n.findings}`) + 20)}, 60)`,
      },
      children: kids.map(toElk),
      edges: packed ? [] : edges,
    };
  };
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '24',
      'elk.separateConnectedComponents': 'true',
      ...speed,
    },
    children: (byParent.get(null) ?? []).map(toElk),
    edges: [...outer.values()],
  };
  // A layout still running is for a picture nobody wants any more: drop it rather than queue behind it.
  if (pending.size > 0 && worker) {
    worker.terminate();
    worker = null;
    for (const p of pending.values()) p.reject(new Error('layout superseded'));
    pending.clear();
  }
  const id = ++nextId;
  const laid = await new Promise<ElkNode>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    getWorker().postMessage({ id, graph } satisfies LayoutRequest);
  });
  const out = new Map<string, Placed>();
  const walk = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      out.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
      walk(c);
    }
  };
  walk(laid);
  return out;
}
