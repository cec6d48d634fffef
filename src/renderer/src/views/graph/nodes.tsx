/** The graph's node components: an endpoint/service/principal card and a host container. */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { GraphViewNode } from '../../../../shared/api-graph.ts';
import { nodeColor } from './style.ts';

export interface NodeData extends Record<string, unknown> {
  node: GraphViewNode;
  /** On the selected actor's path, or a search match. */
  marked: boolean;
  dimmed: boolean;
}

export type ApiFlowNode = Node<NodeData, 'api'>;
export type HostFlowNode = Node<NodeData, 'host'>;

export function ApiNode({ data }: NodeProps<ApiFlowNode>) {
  const n = data.node;
  const cls = ['graph-node', `graph-node-${n.kind}`, data.marked ? 'marked' : '', data.dimmed ? 'dimmed' : '', n.members > 1 ? 'aggregate' : ''].filter(Boolean).join(' ');
  return (
    <div className={cls} data-testid="graph-node" data-id={n.id} data-kind={n.kind} title={n.filter} style={{ borderColor: nodeColor(n) }}>
      <Handle type="target" position={Position.Left} />
      <div className="graph-node-label">{n.label}</div>
      <div className="graph-node-meta">
        <span>{n.kind === 'endpoint' && n.members > 1 ? 'group' : n.kind}</span>
        <span>{n.count.toLocaleString()}</span>
        {n.findings > 0 && (
          <span className={`graph-badge sev-${n.maxSeverity ?? 'low'}`} data-testid="graph-node-findings">
            {n.findings} finding{n.findings === 1 ? '' : 's'}
          </span>
        )}
        {n.sensitive.length > 0 && (
          <span className="graph-badge sensitive" title={`sensitive: ${n.sensitive.join(', ')}`}>
            {n.sensitive.join(', ')}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

export function HostNode({ data }: NodeProps<HostFlowNode>) {
  const n = data.node;
  return (
    <div className={`graph-host${data.dimmed ? ' dimmed' : ''}`} data-testid="graph-host" data-id={n.id}>
      <div className="graph-host-label">
        {n.label}
        <span className="muted"> · {n.members} endpoint{n.members === 1 ? '' : 's'}</span>
        {n.findings > 0 && <span className={`graph-badge sev-${n.maxSeverity ?? 'low'}`}>{n.findings}</span>}
      </div>
      <Handle type="target" position={Position.Left} />
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

export const NODE_TYPES = { api: ApiNode, host: HostNode };
