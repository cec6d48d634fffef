/**
 * The site map tree: host → path segments with counts and badges. Selecting a node opens it on
 * the right; its "traffic" button (or a double click) shows its exchanges in the traffic view.
 */
import { useState } from 'react';
import type { SiteHost, SiteNode } from '../../../../shared/api-inventory.ts';

export interface TreeProps {
  hosts: SiteHost[];
  selected: string | null;
  onSelect(host: string, node: SiteNode): void;
  onTraffic(filter: string): void;
  /** Expand everything (a search is active). */
  expandAll: boolean;
}

export function Badges({ b }: { b: SiteNode['badges'] }) {
  return (
    <span className="inv-badges">
      {b.unauthenticated && <span className="inv-badge b-noauth" title="Some requests carried no credentials">no auth</span>}
      {b.auth && <span className="inv-badge b-auth" title="Requests carried credentials">auth</span>}
      {b.sensitive && <span className="inv-badge b-sensitive" title="Sensitive data seen in requests or responses">sensitive</span>}
      {b.shadow && <span className="inv-badge b-shadow" title="Served but not in the published spec">shadow</span>}
      {b.zombie && <span className="inv-badge b-zombie" title="Deprecated in the spec, still served">zombie</span>}
      {b.findings > 0 && <span className="inv-badge b-findings" title="Detection findings">{b.findings} findings</span>}
    </span>
  );
}

function Row({ host, node, depth, props }: { host: string; node: SiteNode; depth: number; props: TreeProps }) {
  // Deep trees open gradually; the first levels of an API (host, api, version, resource) show at once.
  const [open, setOpen] = useState(depth < 6);
  const expanded = open || props.expandAll;
  const key = `${host}${node.path}`;
  const hasKids = node.children.length > 0;
  return (
    <li>
      <div
        className={`inv-node${props.selected === key ? ' on' : ''}`}
        style={{ paddingLeft: 6 + depth * 14 }}
        data-testid="inv-node"
        data-path={node.path}
        onClick={() => props.onSelect(host, node)}
        onDoubleClick={() => props.onTraffic(node.filter)}
      >
        <button
          className="inv-caret"
          aria-label={expanded ? 'collapse' : 'expand'}
          disabled={!hasKids}
          onClick={(e) => {
            e.stopPropagation();
            setOpen(!expanded);
          }}
        >
          {hasKids ? (expanded ? '▾' : '▸') : ''}
        </button>
        <span className={`inv-seg${node.segment.startsWith('{') ? ' param' : ''}`}>{depth === 0 ? host : node.segment || '(empty)'}</span>
        {node.methods.map((m) => (
          <span key={m} className={`inv-method m-${m.toLowerCase()}`}>{m}</span>
        ))}
        <Badges b={node.badges} />
        <span className="inv-count">{node.count.toLocaleString()}</span>
        <button
          className="ghost inv-traffic"
          data-testid="inv-node-traffic"
          title={`Show this node's traffic: ${node.filter}`}
          onClick={(e) => {
            e.stopPropagation();
            props.onTraffic(node.filter);
          }}
        >
          traffic
        </button>
      </div>
      {hasKids && expanded && (
        <ul>
          {node.children.map((c) => (
            <Row key={c.path} host={host} node={c} depth={depth + 1} props={props} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function SiteTree(props: TreeProps) {
  return (
    <ul className="inv-tree" data-testid="inv-tree">
      {props.hosts.map((h) => (
        <Row key={h.host} host={h.host} node={h.root} depth={0} props={props} />
      ))}
    </ul>
  );
}
