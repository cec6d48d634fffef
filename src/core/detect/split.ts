/**
 * Offline detection on two cores. Rules never share state (each has its own incidents, windows
 * or baseline), so a pack's findings are the union of its parts' findings: the per-exchange match
 * rules run in a worker thread over its own read connection, the windowed and behavioural rules
 * here, each part one engine (engine.ts) pushed the same time-ordered exchanges. The merged
 * findings, sorted, are those of one engine running the whole pack (test/core/detect/offline.test.ts).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { openWorkspace, type Db } from '../store/db.ts';
import { compareFindings } from './incidents.ts';
import { detectOffline, type OfflineOptions, type OfflineResult } from './offline.ts';
import type { ApiSpec, Finding, RulePack } from './types.ts';

/** Below this many exchanges a worker's start-up costs more than the second core gives back. */
export const SPLIT_MIN_EXCHANGES = 50_000;

export interface SplitOptions extends Omit<OfflineOptions, 'templateOf'> {
  /** The workspace file, which the worker opens again read-only. */
  dbPath: string;
  /** The engine's worker entry (src/core/workers/import-worker.ts, or its bundle). */
  workerUrl: URL;
  /** Run on one thread below this many exchanges (default SPLIT_MIN_EXCHANGES). */
  minExchanges?: number;
}

/** What the worker's part is given: its rules travel as data (rule specs clone; compiled predicates are built there). */
export interface DetectPartData {
  mode: 'detect-part';
  dbPath: string;
  pack: RulePack;
  spec: ApiSpec | null;
  progressEvery: number;
  /** The last exchange both parts read: an import running meanwhile adds rows neither sees. */
  maxId: number;
  port: MessagePort;
}

type PartEnd = { type: 'done'; result: OfflineResult } | { type: 'failed'; message: string };
type FromPart = { type: 'progress'; exchanges: number } | PartEnd;

/** The pack in two parts of comparable cost: per-exchange match rules, and the rules that keep state across exchanges. */
export function splitPack(pack: RulePack): [RulePack, RulePack] {
  const rules = pack.rules.filter((r) => r.enabled);
  return [
    { name: pack.name, rules: rules.filter((r) => r.kind !== 'match') },
    { name: pack.name, rules: rules.filter((r) => r.kind === 'match') },
  ];
}

/** Worker side: runs its part of the pack and posts progress, then its findings. */
export function runDetectPart(data: DetectPartData): void {
  const { port } = data;
  const abort = new AbortController();
  let db: Db | undefined;
  try {
    db = openWorkspace(data.dbPath, { readonly: true });
    const result = detectOffline(db, data.pack, {
      spec: data.spec,
      signal: abort.signal,
      progressEvery: data.progressEvery,
      maxId: data.maxId,
      onProgress: (exchanges) => {
        if (receiveMessageOnPort(port) !== undefined) abort.abort();
        port.postMessage({ type: 'progress', exchanges } satisfies FromPart);
      },
    });
    port.postMessage({ type: 'done', result } satisfies FromPart);
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromPart);
  } finally {
    db?.close();
    port.close();
  }
}

/**
 * detectOffline's findings, computed on two threads when the workspace is large enough to pay
 * for it. Progress is the slower part's count; a cancel stops both parts.
 */
export async function detectOfflineSplit(db: Db, pack: RulePack, opts: SplitOptions): Promise<OfflineResult> {
  const [here, there] = splitPack(pack);
  const { total, maxId } = db.prepare('SELECT count(*) AS total, coalesce(max(id), 0) AS maxId FROM exchanges').get() as { total: number; maxId: number };
  if (here.rules.length === 0 || there.rules.length === 0 || total < (opts.minExchanges ?? SPLIT_MIN_EXCHANGES)) return detectOffline(db, pack, opts);

  const every = opts.progressEvery ?? 10_000;
  const { port1: port, port2 } = new MessageChannel();
  const data: DetectPartData = { mode: 'detect-part', dbPath: opts.dbPath, pack: there, spec: opts.spec ?? null, progressEvery: every, maxId, port: port2 };
  const worker = new Worker(opts.workerUrl, { workerData: data, transferList: [port2] });
  let theirs = 0;
  let outcome: PartEnd | null = null;
  const take = (m: FromPart): void => {
    if (m.type === 'progress') theirs = m.exchanges;
    else outcome = m;
  };
  /** Reads what the worker has sent without yielding (this thread does not yield while its own part runs). */
  const drain = (): PartEnd | null => {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) take(m.message as FromPart);
    return outcome;
  };
  const cancel = (): void => port.postMessage('cancel');
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const mine = detectOffline(db, here, {
      spec: opts.spec,
      signal: opts.signal,
      progressEvery: every,
      maxId,
      onProgress: (n) => {
        drain();
        opts.onProgress?.(Math.min(n, theirs));
      },
    });
    const end = drain() ?? (await new Promise<PartEnd>((resolve, reject) => {
      port.on('message', (m: FromPart) => {
        take(m);
        if (m.type === 'progress') opts.onProgress?.(Math.min(mine.exchanges, m.exchanges));
        else resolve(m);
      });
      worker.once('error', reject);
      // Its last message may still be queued on the port when the thread's exit is seen.
      worker.once('exit', (code) => {
        const last = drain();
        if (last !== null) resolve(last);
        else reject(new Error(`detection worker exited with code ${code} before it finished`));
      });
    }));
    if (end.type === 'failed') throw new Error(opts.signal?.aborted ? 'detection cancelled' : end.message);
    const findings: Finding[] = [...mine.findings, ...end.result.findings].sort(compareFindings);
    return { findings, exchanges: mine.exchanges };
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    port.close();
    void worker.terminate();
  }
}
