/** The policy engine's public surface: model, drafting, dry-run, exporters. */
export * from './types.ts';
export { parsePolicy, policyFromDocument, policyToDocument, policyToYaml, policyRevision, PolicyError, MAX_POLICY_BYTES } from './load.ts';
export { draftPolicy, type DraftInputs, type DraftOptions, type EndpointLike } from './draft.ts';
export { simulatePolicy, indexFindings, type FindingLike, type FindingIndex, type SimulateOptions, type SimulationResult, type RuleSimulation, type ActorCount } from './simulate.ts';
export { compilePolicy, type CompiledPolicy, type Verdict } from './evaluate.ts';
export { compileTemplate, TemplateError } from './match.ts';
export { exportPolicy, writeBundle, EXPORT_FORMATS, MANIFEST_FILE, PolicyExportError, type Bundle, type ExportContext, type ExportFormat, type Manifest } from './export/index.ts';
