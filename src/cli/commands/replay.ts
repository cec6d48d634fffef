import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, JSON_OPTION, dbPath, openCliWorkspace, parse, parseIntOption, printJson } from '../args.ts';
import { ApiError } from '../../shared/api.ts';
import type { ReplayIdentity } from '../../shared/api-replay.ts';
import { sendReplay } from '../../core/replay/engine.ts';
import { readReplay } from '../../core/replay/store.ts';
import { undiciSender } from '../../core/replay/sender.ts';
import { readExchange } from '../../core/store/exchanges.ts';

const options = {
  ...DB_OPTION,
  ...JSON_OPTION,
  request: { type: 'string' },
  target: { type: 'string' },
  as: { type: 'string' },
  set: { type: 'string', multiple: true },
  timeout: { type: 'string' },
} as const;

/** `--as anonymous` sends with no credentials at all; any other name is a principal of the workspace. */
export const ANONYMOUS = 'anonymous';

function parseSet(values: readonly string[]): [string, string][] {
  return values.map((s) => {
    const eq = s.indexOf('=');
    const name = eq === -1 ? '' : s.slice(0, eq).trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UsageError(`--set expects HEADER=VALUE, got ${JSON.stringify(s)}`);
    return [name, s.slice(eq + 1)];
  });
}

function headerObject(headers: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, v] of headers) {
    const k = n.toLowerCase();
    out[k] = k in out ? `${out[k]}, ${v}` : v;
  }
  return out;
}

/** The body as text; a body that is not UTF-8 is given as base64 and says so. */
function bodyJson(bytes: Uint8Array | null): { body: string; bodyEncoding?: 'base64' } {
  if (!bytes) return { body: '' };
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' };
  }
}

const preview = (v: unknown): string => {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: "Re-send a stored request (edited, retargeted or as another principal) and show the response and its difference from the original; only to hosts in the workspace's replay scope.",
  usage: 'replay --request ID [--db FILE] [--target URL] [--as PRINCIPAL|anonymous] [--set HEADER=VALUE]… [--timeout MS] [--json]',
  async run(argv, io) {
    const { values } = parse(argv, options);
    const requestId = parseIntOption('request', values.request, 1);
    if (requestId === undefined) throw new UsageError('--request ID is required (an exchange id, see `cartograph traffic`)');
    const timeoutMs = parseIntOption('timeout', values.timeout, 50);
    const set = parseSet(values.set ?? []);
    const as: ReplayIdentity | undefined = values.as === undefined ? undefined : values.as === ANONYMOUS ? { kind: 'none' } : { kind: 'principal', principal: values.as };
    const db = openCliWorkspace(dbPath(values, io));
    try {
      let detail;
      try {
        detail = await sendReplay(db, undiciSender, { exchangeId: requestId, target: values.target, as, set, timeoutMs });
      } catch (err) {
        if (err instanceof ApiError) throw new UsageError(err.message);
        throw err;
      }
      const original = readExchange(db, requestId);
      const originalBytes = original.responseBody?.length ?? original.responseSize;
      const stored = readReplay(db, detail.id);
      const body = bodyJson(stored.response?.body ?? null);
      if (values.json) {
        printJson(io, {
          replayId: detail.id,
          requestId,
          as: detail.as,
          original: { status: original.status, bytes: originalBytes },
          response: detail.response ? { status: detail.response.status, bytes: detail.response.bytes, headers: headerObject(detail.response.headers), ...body } : null,
          verdict: detail.verdict,
          reason: detail.reason,
          diff: detail.diff ? { status: detail.diff.status, headers: detail.diff.headers, body: detail.diff.body } : null,
          ...(detail.error ? { error: detail.error } : {}),
        });
      } else if (detail.response) {
        const r = detail.response;
        io.out(`replay ${detail.id} of request ${requestId}${detail.as ? ` as ${detail.as}` : ''}: ${r.status} ${r.statusText}, ${r.bytes ?? 0} bytes in ${Math.round(detail.durationMs ?? 0)} ms (original: ${original.status ?? 'no response'}, ${originalBytes ?? '?'} bytes)\n`);
        const d = detail.diff;
        if (d) {
          io.out(`status ${d.status ? 'changed' : 'unchanged'}; headers ${d.headers.length ? `changed: ${d.headers.join(', ')}` : 'unchanged'}; body ${d.body.length ? `${d.body.length} change(s), ${Math.round(d.similarity * 100)}% similar` : 'unchanged'}\n`);
          for (const c of d.body.slice(0, 50)) io.out(`  ${c.path}: ${'from' in c ? preview(c.from) : '(absent)'} -> ${'to' in c ? preview(c.to) : '(absent)'}\n`);
        }
        if (detail.verdict) io.out(`verdict: ${detail.verdict} (${detail.reason})\n`);
      }
      if (detail.response?.truncated) io.err(`cartograph replay: response cut at ${detail.response.bytes} bytes (larger than the size cap)\n`);
      if (detail.error) {
        io.err(`cartograph replay: ${detail.error}\n`);
        return 1;
      }
      return 0;
    } finally {
      db.close();
    }
  },
};
