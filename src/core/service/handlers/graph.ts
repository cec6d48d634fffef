/**
 * The graph slice of the Api (src/shared/api-graph.ts) over the open workspace. The full graph is
 * built (and cached) in the service worker; only the aggregated, capped view crosses to the UI.
 */
import type { GraphResults, graphInputs } from '../../../shared/api-graph.ts';
import { aggregateView, searchNodes } from '../../graph/aggregate.ts';
import { actorSession } from '../../graph/session.ts';
import { GraphCache } from '../../graph/workspace.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

export function graphHandlers(ctx: ServiceContext): FeatureHandlers<typeof graphInputs, GraphResults> {
  const cache = new GraphCache();
  return {
    'graph.view': (input) => {
      const t0 = performance.now();
      const model = cache.get(ctx.db(), { filter: input.filter, from: input.from, to: input.to, principal: input.principal }, { gapMs: input.gapMs, principals: input.principals });
      const view = aggregateView(model, input);
      const matches = input.search?.trim() ? searchNodes(model, view, input.search.trim()) : [];
      return { ...view, matches, seconds: (performance.now() - t0) / 1000 };
    },
    'graph.session': (input) => actorSession(ctx.db(), input),
  };
}
