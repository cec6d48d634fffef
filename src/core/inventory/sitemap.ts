/**
 * The site map: host → path tree of endpoint templates with counts and badges (auth,
 * unauthenticated, sensitive, shadow, zombie, findings), aggregated in core so the view only
 * draws what it is given.
 */
import { prefixFilter } from './filter.ts';
import { splitPath } from './segments.ts';
import type { Endpoint, SiteHost, SiteNode } from './types.ts';

function node(host: string, path: string, segment: string): SiteNode {
  return {
    path, segment, count: 0, endpoints: [], methods: [], filter: prefixFilter(host, path),
    badges: { auth: false, unauthenticated: false, sensitive: false, shadow: false, zombie: false, findings: 0 }, children: [],
  };
}

function matches(e: Endpoint, search: string): boolean {
  const s = search.toLowerCase();
  return `${e.method} ${e.host}${e.path}`.toLowerCase().includes(s) || e.sensitive.some((c) => c.includes(s)) || e.auth.some((a) => a === s) || e.flags.some((f) => f === s);
}

export function siteMap(endpoints: readonly Endpoint[], search?: string): SiteHost[] {
  const hosts = new Map<string, SiteHost>();
  const index = new Map<SiteNode, Map<string, SiteNode>>();
  for (const e of endpoints) {
    if (search && !matches(e, search)) continue;
    let h = hosts.get(e.host);
    if (!h) hosts.set(e.host, (h = { host: e.host, count: 0, endpoints: 0, root: node(e.host, '/', e.host) }));
    h.count += e.count;
    h.endpoints++;
    const chain = [h.root];
    let cur = h.root;
    let path = '';
    for (const seg of splitPath(e.path)) {
      path += `/${seg}`;
      let kids = index.get(cur);
      if (!kids) index.set(cur, (kids = new Map()));
      let next = kids.get(seg);
      if (!next) {
        next = node(e.host, path, seg);
        kids.set(seg, next);
        cur.children.push(next);
      }
      cur = next;
      chain.push(cur);
    }
    cur.endpoints.push(e.id);
    if (!cur.methods.includes(e.method)) cur.methods.push(e.method);
    const authed = e.auth.some((a) => a !== 'none');
    for (const n of chain) {
      n.count += e.count;
      n.badges.auth ||= authed;
      n.badges.unauthenticated ||= e.auth.includes('none');
      n.badges.sensitive ||= e.sensitive.length > 0;
      n.badges.shadow ||= e.flags.includes('shadow');
      n.badges.zombie ||= e.flags.includes('zombie');
      n.badges.findings += e.findings;
    }
  }
  const sort = (n: SiteNode): void => {
    n.children.sort((a, b) => a.segment.localeCompare(b.segment));
    n.children.forEach(sort);
  };
  const out = [...hosts.values()].sort((a, b) => b.count - a.count || a.host.localeCompare(b.host));
  for (const h of out) sort(h.root);
  return out;
}
