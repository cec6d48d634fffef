import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CliCommand, CliIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, printJson, table } from '../args.ts';
import { builtinPack, loadRulePack, RulePackError } from '../../core/detect/pack.ts';
import { runDetection } from '../../core/detect/run.ts';
import { DEFAULT_IMPORT_WORKER } from '../../core/ingest/job.ts';
import { specFromOpenApi } from '../../core/detect/spec.ts';
import { listFindings, type StoredFinding } from '../../core/detect/store.ts';
import { SEVERITIES, severityRank, type ApiSpec, type RulePack, type Severity } from '../../core/detect/types.ts';

const options = { ...DB_OPTION, ...JSON_OPTION, rules: { type: 'string' }, spec: { type: 'string' }, 'fail-on': { type: 'string' } } as const;

const MAX_SPEC_BYTES = 64 * 1024 * 1024;

export function loadSpecFile(path: string): ApiSpec {
  let text: string;
  try {
    if (statSync(path).size > MAX_SPEC_BYTES) throw new UsageError(`spec ${path} is larger than ${MAX_SPEC_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read spec ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return specFromOpenApi(parseYaml(text, { maxAliasCount: 1000 }));
  } catch (err) {
    throw new UsageError(`spec ${path} is not an OpenAPI document: ${(err as Error).message.split('\n')[0]}`);
  }
}

function loadPack(path: string | undefined, io: CliIO): RulePack {
  try {
    return path === undefined ? builtinPack() : loadRulePack(resolve(io.cwd, path));
  } catch (err) {
    if (err instanceof RulePackError) throw new UsageError(err.message);
    throw err;
  }
}

/** cli-contract.md `detect --json` shape, plus the finding's triage status and full request count. */
export function findingJson(f: StoredFinding) {
  return {
    id: f.id, rule: f.rule, category: f.category, owasp: f.owasp, severity: f.severity, confidence: f.confidence, title: f.title,
    actor: f.actor, endpoint: f.endpoint, requestIds: f.requestIds, requestCount: f.requestCount, firstSeen: f.firstSeen, lastSeen: f.lastSeen,
    evidence: f.evidence, status: f.status,
  };
}

export const detectCommand: CliCommand = {
  name: 'detect',
  summary: 'Run the detection engine over the workspace; store and print findings.',
  usage: 'detect [--db FILE] [--rules FILE_OR_DIR] [--spec OPENAPI] [--json] [--fail-on SEVERITY]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const failOn = values['fail-on'];
    if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(failOn)}`);
    const pack = loadPack(values.rules, io);
    const givenSpec = values.spec !== undefined ? loadSpecFile(resolve(io.cwd, values.spec)) : null;
    const file = dbPath(values, io);
    const db = openCliWorkspace(file);
    try {
      const result = await runDetection(db, pack, {
        spec: givenSpec,
        split: { dbPath: file, workerUrl: DEFAULT_IMPORT_WORKER },
        onProgress: (n) => io.err(`${io.isTTY ? '\r\x1b[2K' : ''}detect: ${n} exchanges${io.isTTY ? '' : '\n'}`),
        progressEvery: 50_000,
      });
      if (io.isTTY) io.err('\r\x1b[2K');
      if (!result.specKnown) io.err('cartograph detect: no published spec (--spec): shadow-api findings are not made, zombie-api rests on superseded versions\n');
      const { runId, seconds } = result;
      const stored = listFindings(db, { runId });
      if (values.json) printJson(io, stored.map(findingJson));
      else {
        const rows = [['SEVERITY', 'CATEGORY', 'RULE', 'ACTOR', 'ENDPOINT', 'REQUESTS', 'STATUS']];
        for (const f of stored) rows.push([f.severity, f.category, f.rule, f.actor.principal ?? f.actor.ip ?? '-', `${f.endpoint.method} ${f.endpoint.host}${f.endpoint.path}`, String(f.requestCount), f.status]);
        if (stored.length) io.out(table(rows));
        io.err(`${stored.length} finding(s) from ${result.exchanges} exchanges in ${seconds.toFixed(1)} s (run ${runId})\n`);
      }
      if (failOn !== undefined) {
        const gate = severityRank(failOn as Severity);
        const failing = stored.filter((f) => (f.status === 'open' || f.status === 'confirmed') && severityRank(f.severity) >= gate);
        if (failing.length) {
          io.err(`cartograph detect: ${failing.length} finding(s) at or above ${failOn}\n`);
          return 1;
        }
      }
      return 0;
    } finally {
      db.close();
    }
  },
};
