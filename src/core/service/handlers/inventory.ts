/**
 * The inventory slice of the Api (src/shared/api-inventory.ts) over the open workspace: the
 * inventory (refined incrementally on each read when traffic was added), the site map, one
 * endpoint with its paths and sample exchanges, and the analyst's template decisions.
 */
import { join } from 'node:path';
import { ApiError } from '../../../shared/api.ts';
import type { InventoryResults, inventoryInputs } from '../../../shared/api-inventory.ts';
import { buildInventory, decide, listDecisions, loadInventory, loadCatalogue, siteMap, undecide, CatalogueError } from '../../inventory/index.ts';
import { DecisionError } from '../../inventory/decisions.ts';
import { endpointFilter } from '../../inventory/filter.ts';
import { normalPrefix } from '../../inventory/templater.ts';
import type { Endpoint, InventoryOptions } from '../../inventory/types.ts';
import { pageTraffic } from '../../store/traffic.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

const MAX_PATHS = 200;

export function inventoryHandlers(ctx: ServiceContext): FeatureHandlers<typeof inventoryInputs, InventoryResults> {
  const classifiersDir = join(ctx.resourcesDir, 'classifiers');
  const options = (host?: string): InventoryOptions => ({ host, classifiers: [classifiersDir] });

  /** Api errors instead of stack traces for the analyst's mistakes (a broken catalogue rule). */
  const guarded = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof CatalogueError || err instanceof DecisionError) throw new ApiError('bad-input', err.message);
      throw err;
    }
  };

  const load = (host?: string) => {
    const inv = guarded(() => loadInventory(ctx.db(), options(host)));
    if (inv.mode !== 'cached') ctx.changed('inventory_endpoints');
    return inv;
  };

  const endpointById = (id: string): Endpoint => {
    const e = load().endpoints.find((x) => x.id === id);
    if (!e) throw new ApiError('not-found', `no endpoint ${id} in the inventory`);
    return e;
  };

  return {
    'inventory.list': ({ host, rebuild }) => {
      if (!rebuild) return load(host);
      const inv = guarded(() => buildInventory(ctx.db(), options(host)));
      ctx.changed('inventory_endpoints');
      return inv;
    },
    'inventory.sitemap': ({ host, search }) => siteMap(load(host).endpoints, search),
    'inventory.endpoint': ({ id }) => {
      const endpoint = endpointById(id);
      const db = ctx.db();
      const paths = db.prepare(`SELECT path, count FROM inventory_paths WHERE host = ? AND method = ? AND template = ? ORDER BY count DESC, path LIMIT ${MAX_PATHS}`)
        .all(endpoint.host, endpoint.method, endpoint.path) as { path: string; count: number }[];
      const samples = endpoint.samples.length === 0 ? [] : pageTraffic(db, { filter: `id in (${endpoint.samples.join(', ')})`, sort: 'time', dir: 'asc', offset: 0, limit: 20 }).rows;
      const t = normalPrefix(endpoint.path);
      const decisions = listDecisions(db).filter((d) => d.host === endpoint.host && (d.method === endpoint.method || d.method === '*') && (t === normalPrefix(d.prefix) || t.startsWith(`${normalPrefix(d.prefix)}/`)));
      return { endpoint, paths, samples, decisions, filter: endpointFilter(endpoint) };
    },
    'inventory.decide': (input) => {
      const decision = guarded(() => decide(ctx.db(), input));
      const endpoints = load().endpoints.length;
      ctx.changed('inventory_decisions', 'inventory_endpoints');
      return { decision, endpoints };
    },
    'inventory.undecide': ({ id }) => {
      const removed = undecide(ctx.db(), id);
      const endpoints = load().endpoints.length;
      if (removed) ctx.changed('inventory_decisions', 'inventory_endpoints');
      return { removed, endpoints };
    },
    'inventory.decisions': () => listDecisions(ctx.db()),
    'inventory.catalogue': () => guarded(() => loadCatalogue([classifiersDir])).map((c) => ({ id: c.id, title: c.title, file: c.file, severity: c.severity })),
  };
}
