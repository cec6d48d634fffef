/**
 * The API graph: hosts holding their endpoints, upstream services, optionally principals, joined
 * by sequence, data-flow, auth and calls edges. The engine filters, aggregates and caps the graph
 * (graph.view); ELK lays it out in a worker; React Flow draws it. Clicking a node or edge opens its
 * exchanges in the traffic view; an actor's session shows their path step by step.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { GRAPH_EDGE_KINDS, type GraphView as GraphViewData, type GraphViewEdge, type GraphViewNode, type SessionPath } from '../../../../shared/api-graph.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { layoutView, type Placed } from './layout.ts';
import { NODE_TYPES, type NodeData } from './nodes.tsx';
import { EDGE_COLORS } from './style.ts';
import { download, graphSvg, svgToPng, type Box } from './exportImage.ts';
import { GraphToolbar, type GraphQuery } from './GraphToolbar.tsx';
import { SelectionPanel, SessionPanel } from './panels.tsx';

const INITIAL: GraphQuery = { filter: '', kinds: [...GRAPH_EDGE_KINDS], host: '', principal: '', from: '', to: '', minCount: 1, principals: false, expanded: [], focus: null, depth: 1, search: '', maxNodes: 400, group: true };

/** The time inputs are read as UTC, like every time the workbench shows. */
const toTime = (value: string): number | undefined => {
  const t = value ? Date.parse(`${value}Z`) : NaN;
  return Number.isNaN(t) ? undefined : t;
};

type Selection = { kind: 'node'; node: GraphViewNode } | { kind: 'edge'; edge: GraphViewEdge } | null;

/** Parses a raw endpoint id (`endpoint:METHOD host/path`) into host and path for matching aggregates. */
function endpointParts(id: string): { host: string; path: string } | null {
  const m = /^endpoint:\S+ ([^/]*)(\/.*)$/.exec(id);
  return m ? { host: m[1], path: m[2] } : null;
}

/** The drawn node standing for a raw endpoint id (itself, its path group, or its collapsed host). */
function drawnFor(id: string, nodes: readonly GraphViewNode[]): string | null {
  if (nodes.some((n) => n.id === id)) return id;
  const p = endpointParts(id);
  if (!p) return null;
  const group = nodes.find((n) => n.members > 1 && n.kind === 'endpoint' && n.host === p.host && p.path.startsWith(`${n.path ?? ''}/`));
  if (group) return group.id;
  return nodes.find((n) => n.kind === 'host' && n.expandKey !== null && n.host === p.host)?.id ?? null;
}

const minimapColor = (n: Node): string => ((n.data as NodeData).node.kind === 'host' ? '#1b2230' : '#3a4354');

function GraphCanvas() {
  // While an import runs every progress event bumps the version: rebuild once it is done instead.
  const importing = useStore((s) => Object.keys(s.jobs).length > 0);
  const version = useStore((s) => s.version);
  const dataVersion = importing ? -1 : version;
  const showTraffic = useStore((s) => s.showTraffic);
  const [query, setQuery] = useState<GraphQuery>(INITIAL);
  const [view, setView] = useState<GraphViewData | null>(null);
  const [boxes, setBoxes] = useState<Map<string, Placed>>(new Map());
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selection, setSelection] = useState<Selection>(null);
  const [session, setSession] = useState<SessionPath | null>(null);
  const [step, setStep] = useState<number | null>(null);
  const flow = useReactFlow();
  const request = useRef(0);

  useEffect(() => {
    const id = ++request.current;
    setLoading(true);
    const input = {
      filter: query.filter,
      from: toTime(query.from),
      to: toTime(query.to),
      principal: query.principal || undefined,
      kinds: query.kinds,
      hosts: query.host ? [query.host] : undefined,
      minCount: query.minCount,
      principals: query.principals,
      expanded: query.expanded,
      focus: query.focus ?? undefined,
      depth: query.depth,
      search: query.search || undefined,
      maxNodes: query.maxNodes,
      maxEdges: query.maxNodes > 1000 ? 10_000 : 3000,
      group: query.group,
    };
    api
      .call('graph.view', input)
      .then(async (v) => {
        if (id !== request.current) return;
        const laid = await layoutView(v);
        if (id !== request.current) return;
        setView(v);
        setBoxes(laid);
        setError(null);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (id !== request.current) return;
        setLoading(false);
        setError(err instanceof Error ? err.message : String(err));
      });
  }, [query, dataVersion, flow]);

  // Fit once React Flow holds the new nodes (its store updates in an effect of its own, before this one).
  useEffect(() => {
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.08, duration: 0 }));
    return () => cancelAnimationFrame(frame);
  }, [boxes, flow]);

  const sessionNodes = useMemo(() => {
    const out = new Set<string>();
    if (!session || !view) return out;
    const steps = step === null ? session.steps : session.steps.slice(step, step + 1);
    for (const s of steps) {
      const d = drawnFor(s.node, view.nodes);
      if (d) out.add(d);
    }
    return out;
  }, [session, step, view]);

  const { nodes, edges } = useMemo(() => {
    if (!view) return { nodes: [] as Node<NodeData>[], edges: [] as Edge[] };
    const drawnIds = new Set(view.nodes.map((n) => n.id));
    const containers = new Set(view.nodes.filter((n) => n.parent !== null && drawnIds.has(n.parent)).map((n) => n.parent));
    const marking = sessionNodes.size > 0;
    const ordered = [...view.nodes].sort((a, b) => Number(containers.has(b.id)) - Number(containers.has(a.id)));
    const nodes: Node<NodeData>[] = ordered.flatMap((n) => {
      const b = boxes.get(n.id);
      if (!b) return [];
      const isContainer = containers.has(n.id);
      const data: NodeData = { node: n, marked: sessionNodes.has(n.id), dimmed: marking && !isContainer && !sessionNodes.has(n.id) };
      return [
        {
          id: n.id,
          type: isContainer ? 'host' : 'api',
          position: { x: b.x, y: b.y },
          data,
          width: b.width,
          height: b.height,
          style: { width: b.width, height: b.height },
          parentId: n.parent !== null && drawnIds.has(n.parent) ? n.parent : undefined,
          draggable: !isContainer,
        },
      ];
    });
    const maxCount = Math.max(1, ...view.edges.map((e) => e.count));
    const edges: Edge[] = view.edges.map((e) => {
      // Few distinct widths: React Flow defines one arrow marker per width and colour.
      const width = Math.round((1 + 4 * Math.sqrt(e.count / maxCount)) * 2) / 2;
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        data: { edge: e },
        style: { stroke: EDGE_COLORS[e.kind], strokeWidth: width, opacity: marking && !(sessionNodes.has(e.source) && sessionNodes.has(e.target)) ? 0.15 : 0.8 },
        // Markers scale with the stroke: keep arrow heads about 12px whatever the width.
        markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_COLORS[e.kind], width: 12 / width, height: 12 / width },
        className: `graph-edge graph-edge-${e.kind}`,
        interactionWidth: 12,
      };
    });
    return { nodes, edges };
  }, [view, boxes, sessionNodes]);

  const patch = (p: Partial<GraphQuery>) => setQuery((q) => ({ ...q, ...p }));
  const expand = useCallback((key: string) => setQuery((q) => ({ ...q, expanded: q.expanded.includes(key) ? q.expanded.filter((k) => k !== key) : [...q.expanded, key] })), []);
  // Stable handlers: React Flow hands them to every node and edge, and a new one re-renders them all.
  const onNodeClick = useCallback((_: unknown, n: Node) => setSelection({ kind: 'node', node: (n.data as NodeData).node }), []);
  const onNodeDoubleClick = useCallback(
    (_: unknown, n: Node) => {
      const node = (n.data as NodeData).node;
      if (node.expandKey) expand(node.expandKey);
      else showTraffic(node.filter);
    },
    [expand, showTraffic],
  );
  const onEdgeClick = useCallback((_: unknown, e: Edge) => setSelection({ kind: 'edge', edge: (e.data as { edge: GraphViewEdge }).edge }), []);
  const onPaneClick = useCallback(() => setSelection(null), []);

  const absoluteBoxes = (): Map<string, Box> => {
    const out = new Map<string, Box>();
    if (!view) return out;
    const parentOf = new Map(view.nodes.map((n) => [n.id, n.parent]));
    const abs = (id: string): Box | null => {
      const b = boxes.get(id);
      if (!b) return null;
      const p = parentOf.get(id);
      const pb = p ? abs(p) : null;
      return { x: b.x + (pb?.x ?? 0), y: b.y + (pb?.y ?? 0), width: b.width, height: b.height };
    };
    for (const n of view.nodes) {
      const b = abs(n.id);
      if (b) out.set(n.id, b);
    }
    return out;
  };
  const exportAs = async (format: 'svg' | 'png') => {
    if (!view) return;
    try {
      const svg = graphSvg(view.nodes.filter((n) => !(n.kind === 'host' && n.expandKey === null && !view.nodes.some((c) => c.parent === n.id))), absoluteBoxes(), view.edges);
      if (format === 'svg') download(new Blob([svg], { type: 'image/svg+xml' }), 'api-graph.svg');
      else download(await svgToPng(svg), 'api-graph.png');
    } catch (err) {
      reportError(err);
    }
  };

  const loadSession = async (actor: string) => {
    setStep(null);
    if (!actor || !view) return setSession(null);
    const a = view.actors.find((x) => x.key === actor);
    if (!a) return setSession(null);
    try {
      setSession(await api.call('graph.session', { principal: a.principal ?? undefined, ip: a.principal ? undefined : (a.ip ?? undefined), limit: 500 }));
    } catch (err) {
      reportError(err);
    }
  };

  return (
    <div className="graph-view" data-testid="graph-view">
      {/* Selection drawn by a rule, not by re-rendering thousands of nodes. */}
      {selection?.kind === 'node' && <style>{`.graph-node[data-id="${CSS.escape(selection.node.id)}"] { box-shadow: 0 0 0 2px var(--accent); }`}</style>}
      <GraphToolbar
        query={query}
        view={view}
        loading={loading}
        onChange={patch}
        onReset={() => {
          setQuery(INITIAL);
          setSession(null);
          setSelection(null);
        }}
        onExport={(f) => void exportAs(f)}
        onFocus={(id) => patch({ focus: id })}
      />
      <div className="graph-body">
        <div className="graph-canvas" data-testid="graph-canvas">
          {error && (
            <div className="graph-message error" data-testid="graph-error">
              {error}
            </div>
          )}
          {!error && view && view.nodes.length === 0 && (
            <div className="graph-message muted" data-testid="graph-empty">
              No traffic matches: import a capture, or loosen the filters.
            </div>
          )}
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onlyRenderVisibleElements
            minZoom={0.05}
            maxZoom={2.5}
            nodesConnectable={false}
            // Selection is this view's state (drawn by a style rule): React Flow's own would walk every element.
            elementsSelectable={false}
            proOptions={{ hideAttribution: true }}
            onNodeClick={onNodeClick}
            onNodeDoubleClick={onNodeDoubleClick}
            onEdgeClick={onEdgeClick}
            onPaneClick={onPaneClick}
          >
            <Background color="#222831" gap={24} />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable nodeColor={minimapColor} maskColor="rgba(15,17,21,0.6)" />
          </ReactFlow>
        </div>
        <aside className="graph-side">
          <SelectionPanel
            selection={selection}
            expanded={query.expanded}
            focus={query.focus}
            onShowTraffic={(f) => showTraffic(f)}
            onExpand={expand}
            onFocus={(id) => patch({ focus: id })}
          />
          <SessionPanel
            actors={view?.actors ?? []}
            session={session}
            step={step}
            onActor={(a) => void loadSession(a)}
            onStep={(i) => setStep(i === step ? null : i)}
            onShowTraffic={(id) => showTraffic(`id = ${id}`)}
          />
        </aside>
      </div>
    </div>
  );
}

export function GraphView() {
  return (
    <ReactFlowProvider>
      <GraphCanvas />
    </ReactFlowProvider>
  );
}
