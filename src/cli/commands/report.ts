import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, dbPath, openCliWorkspace, parse } from '../args.ts';
import type { Db } from '../../core/store/db.ts';
import { exchangeUrl, type Scheme } from '../../core/model/exchange.ts';
import { builtinPack } from '../../core/detect/pack.ts';
import { renderReport, type EvidenceRequest, type ReportFormat } from '../../core/detect/report.ts';
import { listFindings } from '../../core/detect/store.ts';

const options = { ...DB_OPTION, format: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean' } } as const;
const FORMATS: readonly ReportFormat[] = ['html', 'sarif', 'json'];

function lookupFor(db: Db): (id: number) => EvidenceRequest | null {
  const stmt = db.prepare(`SELECT id, time, method, scheme, host, port, path, query, status, ip, principal FROM exchanges WHERE id = ?`);
  return (id) => {
    const r = stmt.get(id) as { id: number; time: number; method: string; scheme: Scheme; host: string; port: number | null; path: string; query: string; status: number | null; ip: string | null; principal: string | null } | undefined;
    return r ? { id: r.id, time: r.time, method: r.method, url: exchangeUrl(r), status: r.status, ip: r.ip, principal: r.principal } : null;
  };
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'Write the findings report (HTML readable offline, SARIF 2.1.0, or JSON).',
  usage: 'report [--db FILE] [--format html|sarif|json] [--out FILE] [--all]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const format = (values.format ?? 'html') as ReportFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`);
    const db = openCliWorkspace(dbPath(values, io));
    try {
      // Dismissed findings (false positives, suppressed) stay out of reports unless --all.
      const findings = listFindings(db).filter((f) => values.all || f.status === 'open' || f.status === 'confirmed');
      const ruleHelp = new Map(builtinPack().rules.map((r) => [r.id, { title: r.title, description: r.description ?? r.doc?.replace(/^#.*\n+/, '').trim() }]));
      const text = renderReport(findings, lookupFor(db), format, { now: Date.now(), ruleHelp });
      if (values.out) {
        const out = resolve(io.cwd, values.out);
        try {
          writeFileSync(out, text);
        } catch (err) {
          throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        io.err(`${findings.length} finding(s) written to ${out} (${format})\n`);
      } else io.out(text);
      return 0;
    } finally {
      db.close();
    }
  },
};
