/** The API dependency graph: model, workspace build, view aggregation, actor sessions. */
export { GraphBuilder, buildGraphOf, DEFAULT_GAP_MS, DEFAULT_LIMITS, endpointId, hostId, serviceId, principalId, type GraphModel, type GraphOptions, type GraphLimits } from './builder.ts';
export { aggregateView, searchNodes, groupKey, GROUP_THRESHOLD, type ViewOptions } from './aggregate.ts';
export { buildWorkspaceGraph, annotateFindings, queryFilter, GraphCache, type GraphQuery } from './workspace.ts';
export { actorSession, sessionPathOf, type SessionQuery } from './session.ts';
export { endpointFilter, hostFilter, prefixFilter, templateRegex, quote } from './filters.ts';
export { requestCredentials, requestValues, responseValues, upstreamOf } from './values.ts';
