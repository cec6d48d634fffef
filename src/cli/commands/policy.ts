import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand, CliIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, printJson, table } from '../args.ts';
import type { Db } from '../../core/store/db.ts';
import { iterateExchanges } from '../../core/store/exchanges.ts';
import { listFindings } from '../../core/detect/store.ts';
import {
  draftPolicy, EXPORT_FORMATS, exportPolicy, MAX_POLICY_BYTES, parsePolicy, PolicyError, PolicyExportError, policyToYaml, simulatePolicy, writeBundle,
  type ExportFormat, type Policy,
} from '../../core/policy/index.ts';

const options = {
  ...DB_OPTION,
  ...JSON_OPTION,
  policy: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

const USAGE = [
  'policy export --format F --out PATH [--db FILE] [--policy FILE] [--json]',
  'policy simulate [--policy FILE] [--db FILE] [--json]',
  'policy draft [--db FILE] [--out FILE]',
].join('\n');

function readPolicy(path: string): Policy {
  let text: string;
  try {
    if (statSync(path).size > MAX_POLICY_BYTES) throw new UsageError(`policy ${path} is larger than ${MAX_POLICY_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read policy ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parsePolicy(text, path);
  } catch (err) {
    if (err instanceof PolicyError) throw new UsageError(err.message);
    throw err;
  }
}

/** Drafts from the workspace's findings and traffic (run `detect` first for deny lists and signatures). */
function draftFromWorkspace(db: Db, path: string, io: CliIO): Policy {
  const findings = listFindings(db);
  if (!findings.length) io.err('cartograph policy: the workspace has no findings (run `cartograph detect` first); drafting rate limits and the positive model only\n');
  return draftPolicy({ findings, exchanges: iterateExchanges(db, { order: 'time' }), name: 'workspace-policy', workspace: path });
}

function loadOrDraft(values: { policy?: string; db?: string }, io: CliIO): { policy: Policy; db: Db | null; workspace: string } {
  const workspace = dbPath(values, io);
  if (values.policy !== undefined) return { policy: readPolicy(resolve(io.cwd, values.policy)), db: null, workspace };
  const db = openCliWorkspace(workspace);
  return { policy: draftFromWorkspace(db, workspace, io), db, workspace };
}

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: 'Draft a policy from the evidence, dry-run it on the captured traffic, export it to enforcers.',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'export' && sub !== 'simulate' && sub !== 'draft') throw new UsageError(`policy needs a subcommand: export, simulate or draft\nusage:\n${USAGE}`);
    const { values } = parse(rest, options);
    if (sub === 'export') {
      const format = values.format;
      if (format === undefined) throw new UsageError(`policy export needs --format (${EXPORT_FORMATS.join(', ')})`);
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
      if (values.out === undefined) throw new UsageError('policy export needs --out DIR');
      const { policy, db, workspace } = loadOrDraft(values, io);
      db?.close();
      let bundle;
      try {
        bundle = exportPolicy(policy, format as ExportFormat, { workspace: values.policy === undefined ? workspace : (policy.workspace ?? null) });
      } catch (err) {
        if (err instanceof PolicyExportError) throw new UsageError(err.message);
        throw err;
      }
      const out = resolve(io.cwd, values.out);
      let written: string[];
      try {
        written = writeBundle(bundle, out);
      } catch (err) {
        throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (values.json) printJson(io, { out, files: written, manifest: bundle.manifest });
      else {
        io.out(`${written.map((f) => `${f}\n`).join('')}`);
        for (const s of bundle.manifest.skipped) io.err(`not exported: ${s.rule}${s.part ? ` (${s.part})` : ''}: ${s.reason}\n`);
        for (const n of bundle.manifest.notes) io.err(`note: ${n}\n`);
      }
      return 0;
    }
    if (sub === 'draft') {
      const workspace = dbPath(values, io);
      const db = openCliWorkspace(workspace);
      try {
        const yaml = policyToYaml(draftFromWorkspace(db, workspace, io));
        if (values.out !== undefined) {
          const out = resolve(io.cwd, values.out);
          try {
            writeFileSync(out, yaml);
          } catch (err) {
            throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          }
          io.err(`policy written to ${out}\n`);
        } else io.out(yaml);
      } finally {
        db.close();
      }
      return 0;
    }
    // simulate
    const loaded = loadOrDraft(values, io);
    const db = loaded.db ?? openCliWorkspace(loaded.workspace);
    try {
      const result = simulatePolicy(db, loaded.policy, { findings: listFindings(db), onProgress: (n) => io.err(`${io.isTTY ? '\r\x1b[2K' : ''}simulate: ${n} exchanges${io.isTTY ? '' : '\n'}`) });
      if (io.isTTY) io.err('\r\x1b[2K');
      if (values.json) printJson(io, result);
      else {
        const rows = [['RULE', 'TYPE', 'ACTION', 'IN SCOPE', 'MATCHED', 'FLAGGED', 'CLEAN', 'ACTORS', 'TOP ACTOR']];
        for (const r of result.rules) {
          const top = r.actors.top[0];
          rows.push([r.id, r.type, r.action, String(r.evaluated), String(r.matched), String(r.likelyTruePositives.requests), String(r.likelyFalsePositives.requests), String(r.actors.distinct), top ? `${top.actor} (${top.requests})` : '-']);
        }
        io.out(table(rows));
        const t = result.totals;
        io.err(`${result.exchanges} exchanges in ${result.seconds.toFixed(2)} s: ${t.blocked} blocked (${t.blockedFlagged} from flagged actors, ${t.blockedClean} clean), ${t.throttled} throttled, ${t.logged} logged only, ${t.passed} passed; policy revision ${result.revision}\n`);
      }
      return 0;
    } finally {
      db.close();
    }
  },
};
