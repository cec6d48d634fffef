/**
 * Inventory: the site map (host → path tree with counts and badges, searchable) beside the page
 * of the selected endpoint. Every node can show its traffic in the traffic view; the inventory
 * refreshes itself when imports or decisions change the workspace.
 */
import { useEffect, useRef, useState } from 'react';
import type { EndpointDetail, SiteHost, SiteNode, TemplateDecisionKind } from '../../../../shared/api-inventory.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import '../../components/monaco.ts';
import { Badges, SiteTree } from './SiteTree.tsx';
import { EndpointPage } from './EndpointPage.tsx';

interface Selection {
  host: string;
  node: SiteNode;
}

export function InventoryView() {
  const [hosts, setHosts] = useState<SiteHost[] | null>(null);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Selection | null>(null);
  const [detail, setDetail] = useState<EndpointDetail | null>(null);
  const [busy, setBusy] = useState(false);
  const showTraffic = useStore((s) => s.showTraffic);
  const searchRef = useRef(search);
  searchRef.current = search;

  const refresh = (q = searchRef.current) =>
    api.call('inventory.sitemap', q.trim() ? { search: q.trim() } : {}).then(setHosts, reportError);

  useEffect(() => {
    void refresh();
    return api.on('workspace.changed', ({ tables }) => {
      if (tables.includes('*') || tables.includes('exchanges') || tables.includes('findings') || tables.includes('inventory_flags')) void refresh();
    });
  }, []);

  useEffect(() => {
    const t = setTimeout(() => void refresh(search), 200);
    return () => clearTimeout(t);
  }, [search]);

  const openEndpoint = (id: string) => api.call('inventory.endpoint', { id }).then(setDetail, reportError);

  const select = (host: string, node: SiteNode) => {
    setSelected({ host, node });
    if (node.endpoints.length > 0) void openEndpoint(node.endpoints[0]);
    else setDetail(null);
  };

  /** A decision changes the templates: the open endpoint may no longer exist, so start over. */
  const changeTemplates = async (call: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await call();
      setDetail(null);
      setSelected(null);
      await refresh();
    } catch (err) {
      reportError(err);
    } finally {
      setBusy(false);
    }
  };

  const decide = async (kind: TemplateDecisionKind, prefix: string, name?: string) => {
    if (!detail) return;
    const e = detail.endpoint;
    await changeTemplates(() => api.call('inventory.decide', { host: e.host, method: e.method, prefix, kind, ...(name ? { name } : {}) }));
  };

  const undecide = (id: number) => changeTemplates(() => api.call('inventory.undecide', { id }));

  const rebuild = async () => {
    setBusy(true);
    try {
      await api.call('inventory.list', { rebuild: true });
      await refresh();
    } catch (err) {
      reportError(err);
    } finally {
      setBusy(false);
    }
  };

  const endpoints = hosts?.reduce((n, h) => n + h.endpoints, 0) ?? 0;
  return (
    <div className="inventory-view" data-testid="inventory-view">
      <section className="inv-side">
        <div className="inv-toolbar">
          <input
            className="inv-search"
            data-testid="inv-search"
            placeholder="Search paths, methods, sensitive classes, auth…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <button className="ghost" disabled={busy} onClick={() => void rebuild()} title="Rebuild the inventory from every exchange (decisions are kept)">
            Rebuild
          </button>
        </div>
        <div className="inv-summary muted" data-testid="inv-summary">
          {hosts === null ? 'Building the inventory…' : `${endpoints} endpoints on ${hosts.length} hosts`}
        </div>
        <div className="inv-tree-wrap">
          {hosts && hosts.length === 0 && <p className="muted inv-empty">{search ? 'Nothing matches the search.' : 'No traffic yet: import a capture to build the inventory.'}</p>}
          {hosts && <SiteTree hosts={hosts} selected={selected ? `${selected.host}${selected.node.path}` : null} onSelect={select} onTraffic={showTraffic} expandAll={search.trim() !== ''} />}
        </div>
      </section>
      <section className="inv-main">
        {detail ? (
          <EndpointPage detail={detail} onTraffic={showTraffic} onDecide={(k, p, n) => void decide(k, p, n)} onUndecide={(id) => void undecide(id)} />
        ) : selected ? (
          <div className="inv-nodepage" data-testid="inv-nodepage">
            <h3 className="mono">{selected.host}{selected.node.path === '/' ? '' : selected.node.path}</h3>
            <p>
              {selected.node.count.toLocaleString()} exchanges below this path <Badges b={selected.node.badges} />
            </p>
            <button className="ghost" onClick={() => showTraffic(selected.node.filter)}>Show its traffic</button>
            <p className="muted">Select an endpoint (a node with a method) to see its page.</p>
          </div>
        ) : (
          <p className="muted inv-hint">Select a path in the site map to see its endpoint: statistics, auth, parameters, schemas, sensitive data and samples. Double-click a node, or use its “traffic” button, to see its exchanges in the traffic view.</p>
        )}
      </section>
    </div>
  );
}
