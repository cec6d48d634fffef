/**
 * The policy slice of the Api (composed into src/shared/api.ts): drafting a policy from findings
 * and the inventory, the workspace's policy text (load/save), validation with positions for the
 * editor, dry-run per rule with drill-down exchange ids, bundle export, and the JSON Schema the
 * editor completes and validates against. Every method that reads a policy takes its text, so the
 * editor can dry-run what is on screen before it is saved.
 */
import { z } from 'zod';

export const POLICY_EXPORT_FORMATS = ['openapi', 'kong', 'nginx', 'modsecurity', 'opa', 'aws-waf', 'cartograph'] as const;
export type PolicyExportFormat = (typeof POLICY_EXPORT_FORMATS)[number];

const policyText = z.string().min(1).max(16 * 1024 * 1024);

export const policyInputs = {
  /** Draft from the given findings (default: every finding not triaged as false positive). */
  'policy.draft': z.object({ findingIds: z.array(z.string().min(1).max(200)).max(100_000).optional() }).strict(),
  'policy.get': z.object({}).strict(),
  'policy.save': z.object({ text: z.string().max(16 * 1024 * 1024) }).strict(),
  'policy.validate': z.object({ text: z.string().max(16 * 1024 * 1024) }).strict(),
  'policy.simulate': z.object({ text: policyText, filter: z.string().max(10_000).optional() }).strict(),
  /** With `path` the bundle is written into that folder; without, it comes back as a .tar.gz to save. */
  'policy.export': z.object({ text: policyText, format: z.enum(POLICY_EXPORT_FORMATS), path: z.string().min(1).max(4096).optional() }).strict(),
  'policy.schema': z.object({}).strict(),
} as const;

export interface PolicyProblemInfo {
  message: string;
  pointer: string | null;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface PolicyValidation {
  ok: boolean;
  problems: PolicyProblemInfo[];
  /** Revision of the valid policy (null when invalid). */
  revision: string | null;
  rules: number;
}

export interface PolicyRuleSimulation {
  id: string;
  type: string;
  action: 'block' | 'throttle' | 'log';
  evaluated: number;
  matched: number;
  blocked: number;
  throttled: number;
  logged: number;
  actors: { distinct: number; top: { actor: string; requests: number; flagged: boolean }[] };
  likelyTruePositives: { requests: number; actors: number; evidenceRequests: number };
  likelyFalsePositives: { requests: number; actors: number };
  /** Exchange ids to drill into: from actors behind findings, and clean ones. */
  samples: { flagged: number[]; clean: number[] };
  example: string | null;
}

export interface PolicySimulation {
  policy: string;
  revision: string;
  exchanges: number;
  seconds: number;
  totals: { blocked: number; throttled: number; logged: number; passed: number; blockedFlagged: number; blockedClean: number };
  rules: PolicyRuleSimulation[];
}

export interface PolicyExportInfo {
  format: PolicyExportFormat;
  /** Files written (with `path`), or the bundle's files (relative) otherwise. */
  files: string[];
  manifest: { policy: { name: string; revision: string; rules: number }; generatedAt: string; exported: string[]; skipped: { rule: string; part?: string; reason: string }[]; notes: string[] };
  path: string | null;
  /** Without `path`: the bundle and its manifest as a .tar.gz for the renderer to save. */
  download: { name: string; base64: string } | null;
}

export interface PolicyResults {
  'policy.draft': { text: string; rules: number; findings: number };
  'policy.get': { text: string | null; updatedAt: number | null };
  'policy.save': { updatedAt: number; validation: PolicyValidation };
  'policy.validate': PolicyValidation;
  'policy.simulate': PolicySimulation;
  'policy.export': PolicyExportInfo;
  'policy.schema': Record<string, unknown>;
}
