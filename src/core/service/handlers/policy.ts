/**
 * The policy slice of the Api (src/shared/api-policy.ts) over the open workspace: drafting from
 * findings and traffic, the saved policy text, validation with positions, dry-run and export.
 * Simulation runs inline in the service worker (one pass over the traffic, seconds for a million).
 */
import { resolve } from 'node:path';
import { ApiError } from '../../../shared/api.ts';
import type { PolicyResults, PolicyValidation, policyInputs } from '../../../shared/api-policy.ts';
import { listFindings } from '../../detect/store.ts';
import { checkPolicyText, POLICY_SCHEMA, policyRevision, policyToYaml } from '../../policy/load.ts';
import { draftPolicy } from '../../policy/draft.ts';
import { exportPolicy, MANIFEST_FILE, PolicyExportError, writeBundle } from '../../policy/export/index.ts';
import { tarGz } from '../../policy/export/tar.ts';
import { simulatePolicy } from '../../policy/simulate.ts';
import { loadPolicyText, savePolicyText } from '../../policy/store.ts';
import type { Policy } from '../../policy/types.ts';
import { iterateExchanges } from '../../store/exchanges.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

function validation(text: string): { policy: Policy | null; result: PolicyValidation } {
  const { policy, problems } = checkPolicyText(text, 'policy');
  return { policy, result: { ok: policy !== null, problems, revision: policy ? policyRevision(policy) : null, rules: policy?.rules.length ?? 0 } };
}

/** The policy in `text`, or a bad-input error naming the first problem and its line. */
function policyOf(text: string): Policy {
  const { policy, result } = validation(text);
  if (!policy) {
    const p = result.problems[0];
    throw new ApiError('bad-input', `${p.message} (line ${p.line})`);
  }
  return policy;
}

export function policyHandlers(ctx: ServiceContext): FeatureHandlers<typeof policyInputs, PolicyResults> {
  return {
    'policy.draft': async ({ findingIds }) => {
      const db = ctx.db();
      let findings = listFindings(db);
      if (findingIds !== undefined) {
        const wanted = new Set(findingIds);
        findings = findings.filter((f) => wanted.has(f.id));
        if (findings.length < wanted.size) throw new ApiError('not-found', `${wanted.size - findings.length} of the selected findings are not in the workspace (run detection again?)`);
      }
      const policy = draftPolicy({ findings, exchanges: iterateExchanges(db, { order: 'time' }), name: 'workspace-policy', workspace: ctx.dbPath() });
      return { text: policyToYaml(policy), rules: policy.rules.length, findings: findings.length };
    },
    'policy.get': async () => {
      const saved = loadPolicyText(ctx.db());
      return { text: saved?.text ?? null, updatedAt: saved?.updatedAt ?? null };
    },
    'policy.save': async ({ text }) => {
      const updatedAt = savePolicyText(ctx.db(), text);
      ctx.changed('policy_documents');
      return { updatedAt, validation: validation(text).result };
    },
    'policy.validate': async ({ text }) => validation(text).result,
    'policy.simulate': async ({ text, filter }) => {
      const db = ctx.db();
      return simulatePolicy(db, policyOf(text), { findings: listFindings(db), filter, keep: true });
    },
    'policy.export': async ({ text, format, path }) => {
      const policy = policyOf(text);
      let bundle;
      try {
        bundle = exportPolicy(policy, format, { workspace: ctx.dbPath() });
      } catch (err) {
        if (err instanceof PolicyExportError) throw new ApiError('bad-input', err.message);
        throw err;
      }
      const { policy: p, generatedAt, exported, skipped, notes } = bundle.manifest;
      const manifest = { policy: p, generatedAt, exported, skipped, notes };
      if (path !== undefined) {
        const dir = resolve(path);
        try {
          return { format, files: writeBundle(bundle, dir), manifest, path: dir, download: null };
        } catch (err) {
          throw new ApiError('bad-input', `cannot write ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      const files = [...bundle.files, { path: MANIFEST_FILE, content: `${JSON.stringify(bundle.manifest, null, 2)}\n` }];
      const name = `${p.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${format}-${p.revision}.tar.gz`;
      return { format, files: files.map((f) => f.path), manifest, path: null, download: { name, base64: tarGz(files, Date.parse(generatedAt)).toString('base64') } };
    },
    'policy.schema': async () => structuredClone(POLICY_SCHEMA) as Record<string, unknown>,
  };
}
