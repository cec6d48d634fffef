/** Colours of the graph's kinds and severities, shared by the canvas and the exported image. */
import type { GraphEdgeKind, GraphViewNode } from '../../../../shared/api-graph.ts';

export const EDGE_COLORS: Record<GraphEdgeKind, string> = {
  sequence: '#7d8799',
  'data-flow': '#4da3ff',
  auth: '#f0a04b',
  calls: '#b37cf0',
};

const SEVERITY_COLORS = { low: '#d0b15c', medium: '#f0a04b', high: '#f06464', critical: '#ff3b6b' } as const;

export function nodeColor(n: Pick<GraphViewNode, 'kind' | 'maxSeverity' | 'sensitive'>): string {
  if (n.maxSeverity !== null) return SEVERITY_COLORS[n.maxSeverity];
  if (n.sensitive.length > 0) return '#e8d45c';
  if (n.kind === 'service') return '#b37cf0';
  if (n.kind === 'principal') return '#5cc98a';
  if (n.kind === 'host') return '#4da3ff';
  return '#3a4354';
}
