/** The API inventory: templates, endpoint statistics, sensitive data, analyst decisions. */
export { buildInventory, loadInventory, refreshInventory, inventoryTemplateOf, setEndpointFlags, listDecisions } from './build.ts';
export { decide, undecide } from './decisions.ts';
export { siteMap } from './sitemap.ts';
export { inventoryJson } from './json.ts';
export { loadCatalogue, CatalogueError, DEFAULT_CLASSIFIERS_DIR } from './classifiers.ts';
export { inferHost, templatesOf } from './templater.ts';
export type * from './types.ts';
