/**
 * What every exporter produces: files plus a manifest (source workspace, policy revision, file
 * checksums, generation time, and which rules or parts of rules the target cannot enforce and
 * why). Exporters never drop a rule silently: what they cannot express is listed in `skipped`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, isAbsolute } from 'node:path';
import { policyRevision } from '../load.ts';
import type { Policy, PolicyRule } from '../types.ts';

export const EXPORT_FORMATS = ['openapi', 'kong', 'nginx', 'modsecurity', 'opa', 'aws-waf', 'cartograph'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface BundleFile {
  path: string;
  content: string | Uint8Array;
}

export interface Skipped {
  rule: string;
  /** The part not exported (e.g. "principals"), or absent when the whole rule is skipped. */
  part?: string;
  reason: string;
}

export interface Manifest {
  format: ExportFormat;
  generator: string;
  policy: { name: string; revision: string; rules: number };
  workspace: string | null;
  generatedAt: string;
  files: { path: string; sha256: string; bytes: number }[];
  exported: string[];
  skipped: Skipped[];
  notes: string[];
}

export interface Bundle {
  format: ExportFormat;
  files: BundleFile[];
  manifest: Manifest;
}

export interface ExportContext {
  workspace?: string | null;
  /** Clock for generatedAt (tests pin it). */
  now?: () => Date;
}

export class PolicyExportError extends Error {
  override name = 'PolicyExportError';
}

/** What one exporter returns; the manifest is added around it. */
export interface ExportResult {
  files: BundleFile[];
  exported: string[];
  skipped: Skipped[];
  notes?: string[];
}

/** Collects what an exporter did with each rule. */
export class Ledger {
  readonly exported = new Set<string>();
  readonly skipped: Skipped[] = [];
  readonly notes: string[] = [];
  done(rule: PolicyRule): void {
    this.exported.add(rule.id);
  }
  skip(rule: PolicyRule, reason: string, part?: string): void {
    this.skipped.push({ rule: rule.id, ...(part ? { part } : {}), reason });
  }
  result(files: BundleFile[]): ExportResult {
    return { files, exported: [...this.exported], skipped: this.skipped, notes: this.notes };
  }
}

export const enabledRules = (p: Policy): PolicyRule[] => p.rules.filter((r) => r.enabled);

export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export const GENERATOR = 'cartograph 0.1.0';

export function wrap(format: ExportFormat, policy: Policy, result: ExportResult, ctx: ExportContext): Bundle {
  const manifest: Manifest = {
    format,
    generator: GENERATOR,
    policy: { name: policy.name, revision: policyRevision(policy), rules: policy.rules.length },
    workspace: ctx.workspace ?? policy.workspace ?? null,
    generatedAt: (ctx.now ?? (() => new Date()))().toISOString(),
    files: result.files.map((f) => ({ path: f.path, sha256: sha256(f.content), bytes: typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.length })),
    exported: result.exported,
    skipped: result.skipped,
    notes: result.notes ?? [],
  };
  return { format, files: result.files, manifest };
}

export const MANIFEST_FILE = 'manifest.json';

/** Writes the bundle's files and manifest.json into a directory (created when absent). */
export function writeBundle(bundle: Bundle, dir: string): string[] {
  const written: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const f of [...bundle.files, { path: MANIFEST_FILE, content: `${JSON.stringify(bundle.manifest, null, 2)}\n` }]) {
    const rel = normalize(f.path);
    if (isAbsolute(rel) || rel.startsWith('..')) throw new PolicyExportError(`bundle file ${f.path} would escape ${dir}`);
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.content);
    written.push(full);
  }
  return written;
}
