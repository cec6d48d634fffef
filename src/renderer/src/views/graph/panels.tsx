/** Side panels of the graph: what is selected (with its exchanges one click away) and an actor's session. */
import type { GraphActor, GraphViewEdge, GraphViewNode, SessionPath } from '../../../../shared/api-graph.ts';

const iso = (ms: number): string => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-');

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const EDGE_MEANING: Record<GraphViewEdge['kind'], string> = {
  sequence: 'the same actor called the target right after the source',
  'data-flow': 'a value from the source’s response was sent to the target',
  auth: 'a credential the source issued was used on the target',
  calls: 'the source forwarded requests to (or called) the target',
};

interface SelectionProps {
  selection: { kind: 'node'; node: GraphViewNode } | { kind: 'edge'; edge: GraphViewEdge } | null;
  expanded: readonly string[];
  focus: string | null;
  onShowTraffic(filter: string): void;
  onExpand(key: string): void;
  onFocus(id: string): void;
}

export function SelectionPanel({ selection, expanded, focus, onShowTraffic, onExpand, onFocus }: SelectionProps) {
  if (!selection) return <div className="graph-panel muted">Click a node or an edge to see what it stands for; double-click a group to expand it.</div>;
  if (selection.kind === 'edge') {
    const e = selection.edge;
    return (
      <div className="graph-panel" data-testid="graph-selection">
        <h3>
          <span className={`graph-kind-tag kind-${e.kind}`}>{e.kind}</span> ×{e.count.toLocaleString()}
        </h3>
        <p className="muted">{EDGE_MEANING[e.kind]}.</p>
        <dl>
          <dt>from</dt>
          <dd className="mono">{e.source.replace(/^[a-z]+:/, '')}</dd>
          <dt>to</dt>
          <dd className="mono">{e.target.replace(/^[a-z]+:/, '')}</dd>
          {e.via.length > 0 && (
            <>
              <dt>via</dt>
              <dd className="mono">{e.via.join(', ')}</dd>
            </>
          )}
          <dt>seen</dt>
          <dd>
            {iso(e.firstSeen)} – {iso(e.lastSeen)}
          </dd>
        </dl>
        <button data-testid="graph-show-traffic" onClick={() => onShowTraffic(e.filter)}>
          Show exchanges
        </button>
      </div>
    );
  }
  const n = selection.node;
  return (
    <div className="graph-panel" data-testid="graph-selection">
      <h3 className="mono">{n.label}</h3>
      <dl>
        <dt>kind</dt>
        <dd>{n.members > 1 ? `${n.kind} group of ${n.members}` : n.kind}</dd>
        {n.host && (
          <>
            <dt>host</dt>
            <dd className="mono">{n.host}</dd>
          </>
        )}
        <dt>exchanges</dt>
        <dd>{n.count.toLocaleString()}</dd>
        <dt>seen</dt>
        <dd>
          {iso(n.firstSeen)} – {iso(n.lastSeen)}
        </dd>
        {n.findings > 0 && (
          <>
            <dt>findings</dt>
            <dd className={`sev-text-${n.maxSeverity ?? 'low'}`}>
              {n.findings} (worst: {n.maxSeverity})
            </dd>
          </>
        )}
        {n.sensitive.length > 0 && (
          <>
            <dt>sensitive</dt>
            <dd>{n.sensitive.join(', ')}</dd>
          </>
        )}
      </dl>
      <div className="graph-actions">
        <button data-testid="graph-show-traffic" onClick={() => onShowTraffic(n.filter)}>
          Show exchanges
        </button>
        {n.expandKey && (
          <button className="ghost" data-testid="graph-expand" onClick={() => onExpand(n.expandKey!)}>
            {expanded.includes(n.expandKey) ? 'Collapse' : 'Expand'}
          </button>
        )}
        {n.members <= 1 && focus !== n.id && (
          <button className="ghost" data-testid="graph-focus-node" onClick={() => onFocus(n.id)}>
            Focus
          </button>
        )}
      </div>
    </div>
  );
}

interface SessionProps {
  actors: readonly GraphActor[];
  session: SessionPath | null;
  step: number | null;
  onActor(key: string): void;
  onStep(i: number): void;
  onShowTraffic(exchangeId: number): void;
}

export function SessionPanel({ actors, session, step, onActor, onStep, onShowTraffic }: SessionProps) {
  return (
    <div className="graph-panel graph-session" data-testid="graph-session">
      <h3>Session path</h3>
      <select data-testid="graph-actor" value={session?.actor.key ?? ''} onChange={(e) => onActor(e.target.value)}>
        <option value="">pick an actor…</option>
        {actors.map((a) => (
          <option key={a.key} value={a.key}>
            {a.principal ?? a.ip} ({a.count})
          </option>
        ))}
      </select>
      {session && (
        <>
          <p className="muted">
            {session.total.toLocaleString()} exchanges in {session.sessions} session{session.sessions === 1 ? '' : 's'}
            {session.steps.length < session.total ? ` (first ${session.steps.length})` : ''}
          </p>
          <ol className="graph-steps" data-testid="graph-steps">
            {session.steps.map((s, i) => (
              <li key={s.exchangeId} className={`${s.newSession && i > 0 ? 'new-session' : ''}${step === i ? ' on' : ''}`} data-testid="graph-step">
                <button className="ghost" onClick={() => onStep(i)} onDoubleClick={() => onShowTraffic(s.exchangeId)} title="Click: highlight in the graph; double-click: open the exchange">
                  <span className="muted mono">{s.gapMs === null ? iso(s.time).slice(11) : `+${duration(s.gapMs)}`}</span> <span className="mono" title={s.label}>
                    {s.label.replace(/^(\S+) [^/\s]*/, '$1 ')}
                  </span>{' '}
                  <span className="muted">{s.status ?? '-'}</span>
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
