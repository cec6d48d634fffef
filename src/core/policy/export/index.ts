/** Exporters, one module per enforcer, behind one entry point that adds the manifest. */
import type { Policy } from '../types.ts';
import { PolicyExportError, wrap, type Bundle, type ExportContext, type ExportFormat, type ExportResult } from './bundle.ts';
import { exportAwsWaf } from './aws-waf.ts';
import { exportCartograph } from './cartograph.ts';
import { exportKong } from './kong.ts';
import { exportModSecurity } from './modsecurity.ts';
import { exportNginx } from './nginx.ts';
import { exportOpa } from './opa.ts';
import { exportOpenApi } from './openapi.ts';

export { EXPORT_FORMATS, MANIFEST_FILE, PolicyExportError, writeBundle, type Bundle, type BundleFile, type ExportContext, type ExportFormat, type Manifest, type Skipped } from './bundle.ts';

export function exportPolicy(policy: Policy, format: ExportFormat, ctx: ExportContext = {}): Bundle {
  const now = ctx.now ?? (() => new Date());
  const at = now();
  const ctxAt = { ...ctx, now: () => at };
  let result: ExportResult;
  switch (format) {
    case 'openapi': result = exportOpenApi(policy); break;
    case 'kong': result = exportKong(policy); break;
    case 'nginx': result = exportNginx(policy); break;
    case 'modsecurity': result = exportModSecurity(policy); break;
    case 'opa': result = exportOpa(policy, at.getTime()); break;
    case 'aws-waf': result = exportAwsWaf(policy); break;
    case 'cartograph': result = exportCartograph(policy); break;
    default: throw new PolicyExportError(`unknown export format ${JSON.stringify(format)}`);
  }
  return wrap(format, policy, result, ctxAt);
}
