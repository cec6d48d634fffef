/** The detection engine's public surface (see each module for the details). */
export { createEngine, detectExchanges, type Engine } from './engine.ts';
export { detectOffline, explainExchange, type OfflineOptions, type OfflineResult, type RuleExplanation } from './offline.ts';
export { builtinPack, builtinRulesDir, loadRulePack, packOf, parseRuleFile, RulePackError } from './pack.ts';
export { compileSpec, matchSpec, specFromOpenApi } from './spec.ts';
export { defaultTemplateOf, templatePath } from './template.ts';
export { renderReport, sarif, escapeHtml, type EvidenceRequest, type ExchangeLookup, type ReportFormat, type ReportOptions } from './report.ts';
export {
  saveFindings, listFindings, setFindingStatus, addSuppression, removeSuppression, listSuppressions, startRun, finishRun,
  FindingStoreError, type StoredFinding, type Suppression,
} from './store.ts';
export { SIGNATURES } from './signatures.ts';
export * from './types.ts';
