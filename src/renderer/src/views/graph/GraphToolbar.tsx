/** The graph's controls: edge kinds, host, principal, time range, minimum count, search, export. */
import { useEffect, useState } from 'react';
import { GRAPH_EDGE_KINDS, type GraphEdgeKind, type GraphView } from '../../../../shared/api-graph.ts';
import { EDGE_COLORS } from './style.ts';

export interface GraphQuery {
  filter: string;
  kinds: GraphEdgeKind[];
  host: string;
  principal: string;
  /** datetime-local values (UTC), '' for open. */
  from: string;
  to: string;
  minCount: number;
  principals: boolean;
  expanded: string[];
  focus: string | null;
  depth: number;
  search: string;
  maxNodes: number;
  group: boolean;
}

interface Props {
  query: GraphQuery;
  view: GraphView | null;
  loading: boolean;
  onChange(p: Partial<GraphQuery>): void;
  onReset(): void;
  onExport(format: 'svg' | 'png'): void;
  onFocus(id: string): void;
}

const toLocal = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

export function GraphToolbar({ query, view, loading, onChange, onReset, onExport, onFocus }: Props) {
  const [filter, setFilter] = useState(query.filter);
  const [search, setSearch] = useState(query.search);
  useEffect(() => setFilter(query.filter), [query.filter]);
  useEffect(() => setSearch(query.search), [query.search]);
  const principals = (view?.actors ?? []).filter((a) => a.principal !== null);
  const range = view?.timeRange;

  return (
    <div className="graph-toolbar">
      <div className="graph-row">
        <span className="graph-kinds" role="group" aria-label="Edge kinds">
          {GRAPH_EDGE_KINDS.map((k) => (
            <label key={k} className="graph-kind" style={{ borderColor: EDGE_COLORS[k] }}>
              <input
                type="checkbox"
                data-testid={`graph-kind-${k}`}
                checked={query.kinds.includes(k)}
                onChange={(e) => onChange({ kinds: e.target.checked ? [...query.kinds, k] : query.kinds.filter((x) => x !== k) })}
              />
              <span style={{ color: EDGE_COLORS[k] }}>{k}</span>
            </label>
          ))}
        </span>
        <select data-testid="graph-host-filter" value={query.host} onChange={(e) => onChange({ host: e.target.value, focus: null })} title="Host">
          <option value="">all hosts</option>
          {(view?.hosts ?? []).map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </select>
        <select data-testid="graph-principal" value={query.principal} onChange={(e) => onChange({ principal: e.target.value })} title="Only this principal's traffic">
          <option value="">all principals</option>
          {query.principal && !principals.some((p) => p.principal === query.principal) && <option value={query.principal}>{query.principal}</option>}
          {principals.map((a) => (
            <option key={a.key} value={a.principal!}>
              {a.principal} ({a.count})
            </option>
          ))}
        </select>
        <label className="graph-field" title="UTC">
          from
          <input type="datetime-local" data-testid="graph-from" value={query.from} min={range ? toLocal(range.from) : undefined} onChange={(e) => onChange({ from: e.target.value })} />
        </label>
        <label className="graph-field" title="UTC">
          to
          <input type="datetime-local" data-testid="graph-to" value={query.to} onChange={(e) => onChange({ to: e.target.value })} />
        </label>
        <label className="graph-field" title="Hide nodes and edges seen fewer times">
          min
          <input type="number" min={1} className="graph-num" data-testid="graph-min-count" value={query.minCount} onChange={(e) => onChange({ minCount: Math.max(1, Number(e.target.value) || 1) })} />
        </label>
        <label className="graph-field" title="Most nodes drawn; beyond it hosts and path groups collapse">
          draw
          <select data-testid="graph-max-nodes" value={query.maxNodes} onChange={(e) => onChange({ maxNodes: Number(e.target.value) })}>
            {[100, 400, 1000, 2500].map((n) => (
              <option key={n} value={n}>
                {n} nodes
              </option>
            ))}
          </select>
        </label>
        <label className="graph-field" title="Group a big host's endpoints by path prefix">
          <input type="checkbox" data-testid="graph-group" checked={query.group} onChange={(e) => onChange({ group: e.target.checked })} />
          group
        </label>
        <label className="graph-field">
          <input type="checkbox" data-testid="graph-principals" checked={query.principals} onChange={(e) => onChange({ principals: e.target.checked })} />
          principals
        </label>
      </div>
      <div className="graph-row">
        <form
          className="graph-filter"
          onSubmit={(e) => {
            e.preventDefault();
            onChange({ filter, focus: null });
          }}
        >
          <input data-testid="graph-filter" placeholder="filter exchanges (filter language), Enter to apply" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </form>
        <form
          className="graph-search"
          onSubmit={(e) => {
            e.preventDefault();
            onChange({ search });
          }}
        >
          <input data-testid="graph-search" placeholder="find a node…" value={search} onChange={(e) => setSearch(e.target.value)} />
          {query.search && view && (
            <ul className="graph-matches" data-testid="graph-matches">
              {view.matches.length === 0 && <li className="muted">no node matches</li>}
              {view.matches.map((m) => (
                <li key={m.id}>
                  <button
                    type="button"
                    className="ghost"
                    data-testid="graph-match"
                    onClick={() => {
                      onFocus(m.id);
                      onChange({ search: '', focus: m.id });
                    }}
                  >
                    <span className="muted">{m.kind}</span> {m.label}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </form>
        {query.focus && (
          <span className="graph-focus" data-testid="graph-focus">
            focus: <span className="mono">{query.focus.replace(/^[a-z]+:/, '')}</span>
            <select value={query.depth} onChange={(e) => onChange({ depth: Number(e.target.value) })} title="Neighbourhood depth">
              {[1, 2, 3, 4].map((d) => (
                <option key={d} value={d}>
                  {d} hop{d > 1 ? 's' : ''}
                </option>
              ))}
            </select>
            <button className="ghost" data-testid="graph-unfocus" onClick={() => onChange({ focus: null })}>
              ×
            </button>
          </span>
        )}
        <span className="graph-stats muted" data-testid="graph-stats">
          {loading ? 'building…' : view ? `${view.nodes.length} of ${view.total.nodes} nodes, ${view.edges.length} of ${view.total.edges} edges · ${view.total.exchanges.toLocaleString()} exchanges${view.capped ? ' · capped' : ''}` : ''}
        </span>
        <button className="ghost" onClick={onReset} data-testid="graph-reset">
          Reset
        </button>
        <button className="ghost" onClick={() => onExport('svg')} data-testid="graph-export-svg">
          SVG
        </button>
        <button className="ghost" onClick={() => onExport('png')} data-testid="graph-export-png">
          PNG
        </button>
      </div>
    </div>
  );
}
