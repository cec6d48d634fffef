/**
 * The replay view's side panels: history of replays, identity swap with verdicts, session replay
 * step by step, the workspace's replay scope and its environments of {{variables}}.
 */
import { useEffect, useState } from 'react';
import type { FindingVerdict, ReplayEnvironment, ReplayIdentity, ReplayPrincipal, ReplaySummary, SessionResult, SwapResult } from '../../../../shared/api-replay.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { formatTime, statusClass } from '../../state/format.ts';

const pathOf = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
};

/** A fresh name for a send, swap or session, so a Stop button can cancel it (`replay.cancel`). */
export const newRunKey = (): string => `ui-${crypto.randomUUID()}`;

export function StopButton({ runKey }: { runKey: string | null }) {
  if (!runKey) return null;
  return (
    <button className="ghost" data-testid="replay-stop" onClick={() => void api.call('replay.cancel', { runKey }).catch(reportError)}>
      Stop
    </button>
  );
}

export function VerdictChip({ verdict, reason }: { verdict: string | null; reason?: string | null }) {
  if (!verdict) return null;
  return (
    <span className={`verdict verdict-${verdict}`} title={reason ?? ''} data-testid="verdict-chip">
      {verdict}
    </span>
  );
}

export function HistoryPanel({ exchangeId, onOpen, selected }: { exchangeId: number | null; onOpen(id: number): void; selected: number | null }) {
  const version = useStore((s) => s.version);
  const [onlyThis, setOnlyThis] = useState(true);
  const [q, setQ] = useState('');
  const [list, setList] = useState<{ rows: ReplaySummary[]; total: number }>({ rows: [], total: 0 });
  useEffect(() => {
    let live = true;
    api.call('replay.list', { exchangeId: onlyThis && exchangeId !== null ? exchangeId : undefined, q: q || undefined, limit: 200 }).then(
      (l) => live && setList(l),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [exchangeId, onlyThis, q, version]);
  return (
    <div className="replay-panel" data-testid="replay-history">
      <div className="replay-panel-tools">
        <input placeholder="filter: /path, 4xx, 200, principal" value={q} onChange={(e) => setQ(e.target.value)} data-testid="replay-history-filter" />
        {exchangeId !== null && (
          <label className="muted">
            <input type="checkbox" checked={onlyThis} onChange={(e) => setOnlyThis(e.target.checked)} /> this exchange
          </label>
        )}
      </div>
      <p className="muted">{list.total} replay(s)</p>
      <ul className="replay-list">
        {list.rows.map((r) => (
          <li key={r.id}>
            <button className={`ghost${selected === r.id ? ' on' : ''}`} data-testid="replay-history-row" onClick={() => onOpen(r.id)} title={r.url}>
              <span className="muted">#{r.id}</span>
              <span className={`method m-${r.method.toLowerCase()}`}>{r.method}</span>
              <span className="replay-list-path">{pathOf(r.url)}</span>
              <span className={statusClass(r.status)}>{r.status ?? (r.error ? 'error' : '—')}</span>
              {r.changed && <span className="replay-dot" title="differs from the original">Δ</span>}
              <VerdictChip verdict={r.verdict} reason={r.reason} />
              <span className="muted replay-list-meta">
                {r.kind}
                {r.as ? ` · ${r.as}` : ''} · {formatTime(r.time).slice(11, 19)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function usePrincipals(): ReplayPrincipal[] {
  const version = useStore((s) => s.version);
  const [principals, setPrincipals] = useState<ReplayPrincipal[]>([]);
  useEffect(() => {
    let live = true;
    api.call('replay.principals', {}).then(
      (p) => live && setPrincipals(p),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [version]);
  return principals;
}

export function SwapPanel({ exchangeId, currentPrincipal, onOpen }: { exchangeId: number | null; currentPrincipal: string | null; onOpen(id: number): void }) {
  const principals = usePrincipals();
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [anonymous, setAnonymous] = useState(true);
  const [pasted, setPasted] = useState('');
  const [findingId, setFindingId] = useState('');
  const [running, setRunning] = useState<string | null>(null);
  const [result, setResult] = useState<SwapResult | null>(null);
  const [verdicts, setVerdicts] = useState<FindingVerdict[]>([]);

  const identities = (): ReplayIdentity[] => [
    ...[...chosen].map((principal): ReplayIdentity => ({ kind: 'principal', principal })),
    ...(anonymous ? [{ kind: 'none' } as const] : []),
    ...(pasted.trim() ? [{ kind: 'pasted', text: pasted.trim() } as const] : []),
  ];
  const run = async (scope: 'exchange' | 'finding') => {
    const ids = identities();
    if (ids.length === 0) return reportError(new Error('choose at least one identity to swap in'));
    const runKey = newRunKey();
    setRunning(runKey);
    try {
      const r = await api.call('replay.swap', scope === 'finding' ? { findingId: findingId.trim(), identities: ids, runKey } : { exchangeId: exchangeId!, identities: ids, runKey });
      setResult(r);
      if (r.findingId) setVerdicts(await api.call('replay.verdicts', { findingId: r.findingId }));
    } catch (err) {
      reportError(err);
    } finally {
      setRunning(null);
    }
  };
  return (
    <div className="replay-panel" data-testid="replay-swap">
      <p className="muted">Re-send as other identities. A fresh baseline is sent first with the request's own credentials; each swap is judged against it.</p>
      <div className="replay-identities">
        {principals
          .filter((p) => p.principal !== currentPrincipal)
          .map((p) => (
            <label key={p.principal} title={p.carries.length ? `carries ${p.carries.join(', ')}` : 'no credentials seen'}>
              <input
                type="checkbox"
                data-testid="swap-principal"
                value={p.principal}
                disabled={p.carries.length === 0}
                checked={chosen.has(p.principal)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(p.principal);
                  else next.delete(p.principal);
                  setChosen(next);
                }}
              />{' '}
              <span className="mono">{p.principal}</span> <span className="muted">{p.exchanges} req</span>
            </label>
          ))}
        <label>
          <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} data-testid="swap-anonymous" /> no credentials (anonymous)
        </label>
        <textarea placeholder={'pasted credentials: a token, or header lines\nAuthorization: Bearer …\nCookie: sid=…'} value={pasted} onChange={(e) => setPasted(e.target.value)} rows={3} data-testid="swap-pasted" />
      </div>
      <div className="replay-panel-tools">
        <button disabled={running !== null || exchangeId === null} onClick={() => void run('exchange')} data-testid="swap-run">
          {running ? 'Swapping…' : exchangeId === null ? 'Open an exchange first' : `Swap exchange #${exchangeId}`}
        </button>
        <StopButton runKey={running} />
      </div>
      <div className="replay-panel-tools">
        <input placeholder="finding id" value={findingId} onChange={(e) => setFindingId(e.target.value.trim())} data-testid="swap-finding" />
        <button className="ghost" disabled={running !== null || !/^[a-f0-9]{8,64}$/.test(findingId)} onClick={() => void run('finding')} data-testid="swap-run-finding">
          Swap finding's evidence
        </button>
      </div>
      {result && (
        <table className="replay-table" data-testid="swap-results">
          <thead>
            <tr>
              <th>#</th>
              <th>as</th>
              <th>status</th>
              <th>verdict</th>
            </tr>
          </thead>
          <tbody>
            {result.baseline.map((b) => (
              <tr key={`b${b.exchangeId}`} className="muted">
                <td>{b.exchangeId}</td>
                <td>own credentials</td>
                <td className={statusClass(b.status)}>{b.status ?? 'error'}</td>
                <td>baseline</td>
              </tr>
            ))}
            {result.outcomes.map((o) => (
              <tr key={`${o.exchangeId}-${o.as}`} onClick={() => o.replayId && onOpen(o.replayId)} className="clickable" data-testid="swap-outcome">
                <td>{o.exchangeId}</td>
                <td className="mono">{o.as}</td>
                <td className={statusClass(o.status)}>{o.status ?? 'error'}</td>
                <td>
                  <VerdictChip verdict={o.verdict} reason={o.reason} />
                  <div className="muted replay-reason">{o.reason}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {verdicts.length > 0 && (
        <section>
          <h4 className="replay-h4">Verdicts recorded on finding {result?.findingId}</h4>
          <ul className="replay-list">
            {verdicts.map((v) => (
              <li key={v.replayId} className="muted">
                <VerdictChip verdict={v.verdict} /> #{v.exchangeId} as <span className="mono">{v.as}</span> · {formatTime(v.time).slice(0, 19)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

export function SessionPanel({ currentPrincipal, onOpen }: { currentPrincipal: string | null; onOpen(id: number): void }) {
  const principals = usePrincipals();
  const [principal, setPrincipal] = useState(currentPrincipal ?? '');
  const [ids, setIds] = useState('');
  const [stop, setStop] = useState(true);
  const [running, setRunning] = useState<string | null>(null);
  const [result, setResult] = useState<SessionResult | null>(null);
  useEffect(() => setPrincipal((p) => p || currentPrincipal || ''), [currentPrincipal]);
  const exchangeIds = ids
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const run = async () => {
    const runKey = newRunKey();
    setRunning(runKey);
    try {
      setResult(await api.call('replay.session', exchangeIds.length ? { exchangeIds, stopOnDivergence: stop, runKey } : { principal, stopOnDivergence: stop, runKey }));
    } catch (err) {
      reportError(err);
    } finally {
      setRunning(null);
    }
  };
  return (
    <div className="replay-panel" data-testid="replay-session">
      <p className="muted">Re-send an actor's requests in order. Values the server hands out (tokens, ids, CSRF values, cookies) are carried into later requests; it stops at the first step whose status class differs.</p>
      <label className="replay-field">
        actor
        <select value={principal} onChange={(e) => setPrincipal(e.target.value)} data-testid="session-principal">
          <option value="">—</option>
          {principals.map((p) => (
            <option key={p.principal} value={p.principal}>
              {p.principal} ({p.exchanges})
            </option>
          ))}
        </select>
      </label>
      <label className="replay-field">
        or exchanges
        <input placeholder="ids in order: 12, 13, 15" value={ids} onChange={(e) => setIds(e.target.value)} data-testid="session-ids" />
      </label>
      <label className="muted">
        <input type="checkbox" checked={stop} onChange={(e) => setStop(e.target.checked)} /> stop on first divergence
      </label>
      <div className="replay-panel-tools">
        <button disabled={running !== null || (!principal && exchangeIds.length === 0)} onClick={() => void run()} data-testid="session-run">
          {running ? 'Replaying…' : 'Replay session'}
        </button>
        <StopButton runKey={running} />
      </div>
      {result && (
        <ol className="replay-steps" data-testid="session-steps">
          {result.steps.map((s) => (
            <li key={s.index} className={s.diverged ? 'diverged' : ''} data-testid="session-step">
              <button className="ghost" onClick={() => s.replayId && onOpen(s.replayId)}>
                <span className={`method m-${s.method.toLowerCase()}`}>{s.method}</span> <span className="replay-list-path">{pathOf(s.url)}</span>{' '}
                <span className={statusClass(s.originalStatus)}>{s.originalStatus ?? '—'}</span> → <span className={statusClass(s.status)}>{s.status ?? 'error'}</span>
                {s.diverged && <span className="error"> diverged</span>}
              </button>
              {s.error && <div className="error">{s.error}</div>}
              {s.substitutions.map((sub, i) => (
                <div key={i} className="muted replay-sub">
                  carried {sub.source}: <code>{sub.from.slice(0, 12)}…</code> → <code>{sub.to.slice(0, 12)}…</code>
                </div>
              ))}
            </li>
          ))}
          {result.skipped > 0 && <li className="muted">{result.skipped} later step(s) not sent</li>}
        </ol>
      )}
    </div>
  );
}

export function ScopePanel({ suggestion }: { suggestion: string | null }) {
  const version = useStore((s) => s.version);
  const [entries, setEntries] = useState<string[]>([]);
  const [entry, setEntry] = useState('');
  useEffect(() => {
    let live = true;
    api.call('scope.list', {}).then(
      (l) => live && setEntries(l),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [version]);
  const add = async (e: string) => {
    try {
      setEntries(await api.call('scope.add', { entry: e }));
      setEntry('');
    } catch (err) {
      reportError(err);
    }
  };
  return (
    <div className="replay-panel" data-testid="replay-scope">
      <p className="muted">Replays only reach these hosts. A new workspace allows loopback only.</p>
      <ul className="replay-list">
        {entries.map((e) => (
          <li key={e} className="replay-scope-entry" data-testid="scope-entry">
            <span className="mono">{e}</span>
            <button
              className="ghost"
              aria-label={`remove ${e}`}
              onClick={async () => {
                try {
                  setEntries(await api.call('scope.remove', { entry: e }));
                } catch (err) {
                  reportError(err);
                }
              }}
            >
              ×
            </button>
          </li>
        ))}
        {entries.length === 0 && <li className="warn">Empty: nothing can be replayed.</li>}
      </ul>
      <div className="replay-panel-tools">
        <input placeholder="host, host:port, *.example.com" value={entry} onChange={(e) => setEntry(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && entry && void add(entry)} data-testid="scope-input" />
        <button disabled={!entry} onClick={() => void add(entry)} data-testid="scope-add">
          Add
        </button>
      </div>
      {suggestion && !entries.includes(suggestion) && (
        <button className="ghost" onClick={() => void add(suggestion)} data-testid="scope-add-suggestion">
          Add {suggestion}
        </button>
      )}
    </div>
  );
}

const toLines = (vars: Record<string, string>): string =>
  Object.entries(vars)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

function fromLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

export function EnvPanel({ envs, onChanged }: { envs: ReplayEnvironment[]; onChanged(): void }) {
  const [editing, setEditing] = useState<{ id?: number; name: string; text: string } | null>(null);
  const save = async () => {
    if (!editing) return;
    try {
      await api.call('env.save', { id: editing.id, name: editing.name, variables: fromLines(editing.text) });
      setEditing(null);
      onChanged();
    } catch (err) {
      reportError(err);
    }
  };
  return (
    <div className="replay-panel" data-testid="replay-envs">
      <p className="muted">
        <code>{'{{name}}'}</code> in a request is filled from the active environment when it is sent.
      </p>
      <ul className="replay-list">
        {envs.map((e) => (
          <li key={e.id} className="replay-scope-entry">
            <span className={e.active ? 'replay-env-active' : ''}>{e.name}</span>
            <span className="muted">{Object.keys(e.variables).length} var(s)</span>
            <button className="ghost" onClick={() => setEditing({ id: e.id, name: e.name, text: toLines(e.variables) })}>
              Edit
            </button>
            <button
              className="ghost"
              aria-label={`delete ${e.name}`}
              onClick={async () => {
                try {
                  await api.call('env.delete', { id: e.id });
                  onChanged();
                } catch (err) {
                  reportError(err);
                }
              }}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {!editing && (
        <button className="ghost" onClick={() => setEditing({ name: '', text: '' })} data-testid="env-new">
          + New environment
        </button>
      )}
      {editing && (
        <div className="replay-env-edit">
          <input placeholder="name" value={editing.name} onChange={(e) => setEditing({ ...editing, name: e.target.value })} data-testid="env-name" />
          <textarea rows={6} placeholder={'token=eyJ…\nhost=127.0.0.1:8080'} value={editing.text} onChange={(e) => setEditing({ ...editing, text: e.target.value })} data-testid="env-vars" />
          <div className="replay-panel-tools">
            <button disabled={!editing.name.trim()} onClick={() => void save()} data-testid="env-save">
              Save
            </button>
            <button className="ghost" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
