/**
 * A detection run over a workspace, as every front door performs it (CLI `detect`, the Api's
 * `detect.run`): record the run, stream the exchanges through the engine, store the findings
 * (keeping analysts' decisions), close the run — or mark it failed/cancelled.
 */
import type { Db } from '../store/db.ts';
import { detectOffline } from './offline.ts';
import { detectOfflineSplit, type SplitOptions } from './split.ts';
import { finishRun, rememberedSpec, rememberSpec, saveFindings, startRun } from './store.ts';
import type { ApiSpec, Finding, RulePack } from './types.ts';

export interface WorkspaceRunOptions {
  /** A published spec to judge shadow/zombie endpoints by; remembered for later runs. Default: the remembered one. */
  spec?: ApiSpec | null;
  onProgress?: (exchanges: number) => void;
  progressEvery?: number;
  signal?: AbortSignal;
  /** Clock for the run record (defaults to Date.now). */
  now?: () => number;
  /** Run on two threads (split.ts) when the workspace is large: its file and the engine's worker entry. */
  split?: Pick<SplitOptions, 'dbPath' | 'workerUrl' | 'minExchanges'>;
}

export interface WorkspaceRunResult {
  runId: number;
  exchanges: number;
  findings: Finding[];
  seconds: number;
  /** False when no published spec was given or remembered: shadow-api findings are not made. */
  specKnown: boolean;
}

export async function runDetection(db: Db, pack: RulePack, opts: WorkspaceRunOptions = {}): Promise<WorkspaceRunResult> {
  const now = opts.now ?? Date.now;
  if (opts.spec) rememberSpec(db, opts.spec);
  const spec = opts.spec ?? rememberedSpec(db);
  const runId = startRun(db, pack.name, pack.rules.filter((r) => r.enabled).length, now());
  const started = performance.now();
  let result;
  try {
    const offline = { spec, onProgress: opts.onProgress, progressEvery: opts.progressEvery, signal: opts.signal };
    result = opts.split ? await detectOfflineSplit(db, pack, { ...offline, ...opts.split }) : detectOffline(db, pack, offline);
  } catch (err) {
    finishRun(db, runId, { exchanges: 0, findings: 0, status: opts.signal?.aborted ? 'cancelled' : 'failed' }, now());
    throw err;
  }
  saveFindings(db, runId, result.findings);
  finishRun(db, runId, { exchanges: result.exchanges, findings: result.findings.length }, now());
  return { runId, exchanges: result.exchanges, findings: result.findings, seconds: (performance.now() - started) / 1000, specKnown: spec !== null };
}
