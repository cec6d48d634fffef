/**
 * Replay: a stored exchange opened in an editor, edited and sent on an explicit Send (button or
 * Ctrl+Enter), its new response beside the original with the diff; history, "copy as" exports,
 * environments, the replay scope, identity swaps with verdicts and session replay in side panels.
 * Nothing here sends a request except the Send, Swap and Replay session buttons.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import Editor from '@monaco-editor/react';
import { REPLAY_EXPORT_FORMATS, type ReplayDetail, type ReplayDraft, type ReplayEnvironment, type ReplayExportFormat, type ReplayIdentity } from '../../../../shared/api-replay.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { READ_ONLY_OPTIONS } from '../../components/monaco.ts';
import { RequestEditor } from './RequestEditor.tsx';
import { ResponsePane } from './ResponsePane.tsx';
import { EnvPanel, HistoryPanel, ScopePanel, SessionPanel, StopButton, SwapPanel, newRunKey } from './Panels.tsx';
import { headerOf, splitHttp } from './httpText.ts';

type Side = 'history' | 'swap' | 'session' | 'scope' | 'env';
const SIDES: [Side, string][] = [
  ['history', 'History'],
  ['swap', 'Swap'],
  ['session', 'Session'],
  ['scope', 'Scope'],
  ['env', 'Env'],
];

/** host:port the edited text aims at, as a scope entry would name it. */
function targetOf(text: string, base: string | undefined): string | null {
  try {
    const parts = splitHttp(text);
    const baseUrl = new URL(base ?? 'http://localhost/');
    const url = /^https?:\/\//i.test(parts.target) ? new URL(parts.target) : new URL(`${baseUrl.protocol}//${headerOf(parts, 'host') ?? baseUrl.host}/`);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return `${url.hostname.replace(/^\[|\]$/g, '')}:${port}`;
  } catch {
    return null;
  }
}

function ExportDialog({ text, base, exchangeId, environmentId, onClose }: { text: string; base?: string; exchangeId: number | null; environmentId?: number; onClose(): void }) {
  const [format, setFormat] = useState<ReplayExportFormat>('curl');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('replay.export', { text, base, exchangeId: exchangeId ?? undefined, format, environmentId }).then(
      (c) => {
        if (!live) return;
        setCode(c);
        setError(null);
      },
      (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [text, base, exchangeId, format, environmentId]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal replay-export" onClick={(e) => e.stopPropagation()} data-testid="replay-export-dialog">
        <h3>Copy as</h3>
        <nav className="tabs">
          {REPLAY_EXPORT_FORMATS.map((f) => (
            <button key={f} className={format === f ? 'on' : ''} onClick={() => setFormat(f)} data-testid={`export-${f}`}>
              {f === 'curl' ? 'curl' : f === 'fetch' ? 'fetch' : f === 'python' ? 'Python requests' : 'HTTPie'}
            </button>
          ))}
        </nav>
        {error ? (
          <p className="error">{error}</p>
        ) : (
          <div className="replay-monaco replay-export-code" data-testid="replay-export-code">
            <Editor value={code} language={format === 'fetch' ? 'javascript' : format === 'python' ? 'python' : 'shell'} theme="cartograph" options={READ_ONLY_OPTIONS} height="100%" />
          </div>
        )}
        <div className="modal-actions">
          <button
            disabled={!code || error !== null}
            onClick={() =>
              void navigator.clipboard.writeText(code).then(
                () => useStore.getState().toast('info', `Copied as ${format}`),
                (err: unknown) => reportError(err),
              )
            }
          >
            Copy
          </button>
          <button className="ghost" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

export function ReplayView() {
  const exchangeId = useStore((s) => s.replayExchangeId);
  const openReplay = useStore((s) => s.openReplay);
  const [draft, setDraft] = useState<ReplayDraft | null>(null);
  const [text, setText] = useState('');
  const [detail, setDetail] = useState<ReplayDetail | null>(null);
  /** Run key of the send in flight (its Stop button cancels it), or null. */
  const [sending, setSending] = useState<string | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const [envs, setEnvs] = useState<ReplayEnvironment[]>([]);
  const [as, setAs] = useState<string>('original');
  const [side, setSide] = useState<Side>('history');
  const [exporting, setExporting] = useState(false);
  const [openId, setOpenId] = useState('');
  const sendingRef = useRef(false);
  /** A replay of another exchange picked from the history: shown once that exchange is loaded. */
  const pendingRef = useRef<ReplayDetail | null>(null);

  const loadEnvs = useCallback(() => {
    api.call('env.list', {}).then(setEnvs, reportError);
  }, []);
  useEffect(loadEnvs, [loadEnvs]);

  useEffect(() => {
    if (exchangeId === null) return;
    let live = true;
    setDetail(null);
    setSendError(null);
    api.call('replay.prepare', { exchangeId }).then(
      (d) => {
        if (!live) return;
        setDraft(d);
        setAs('original');
        const pending = pendingRef.current;
        pendingRef.current = null;
        if (pending?.exchangeId === exchangeId) {
          setDetail(pending);
          setText(pending.request.text);
        } else setText(d.text);
      },
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [exchangeId]);

  const active = envs.find((e) => e.active);
  const base = draft?.base;
  const target = targetOf(text, base);

  const send = useCallback(async () => {
    if (sendingRef.current || !text.trim()) return;
    sendingRef.current = true;
    const runKey = newRunKey();
    setSending(runKey);
    setSendError(null);
    const identity: ReplayIdentity | undefined = as === 'original' ? undefined : as === 'anonymous' ? { kind: 'none' } : { kind: 'principal', principal: as.slice('principal:'.length) };
    try {
      // Unedited, the stored request goes as captured, byte for byte (a binary body survives).
      const edited = !draft || exchangeId === null || text !== draft.text;
      const d = await api.call('replay.send', { exchangeId: exchangeId ?? undefined, text: edited ? text : undefined, base, as: identity, runKey });
      setDetail(d);
    } catch (err) {
      setSendError(err instanceof Error ? err.message : String(err));
    } finally {
      sendingRef.current = false;
      setSending(null);
    }
  }, [text, base, exchangeId, as, draft]);

  const openReplayRecord = async (id: number) => {
    try {
      const d = await api.call('replay.get', { id });
      setSendError(null);
      if (d.exchangeId !== null && d.exchangeId !== exchangeId) {
        pendingRef.current = d;
        openReplay(d.exchangeId);
        return;
      }
      setDetail(d);
      setText(d.request.text);
    } catch (err) {
      reportError(err);
    }
  };

  const [principals, setPrincipals] = useState<string[]>([]);
  const version = useStore((s) => s.version);
  useEffect(() => {
    api.call('replay.principals', {}).then((p) => setPrincipals(p.filter((x) => x.carries.length > 0).map((x) => x.principal)), reportError);
  }, [version]);

  return (
    <div
      className="replay-view"
      data-testid="replay-view"
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
          e.preventDefault();
          void send();
        }
      }}
    >
      <header className="replay-toolbar">
        {draft && exchangeId !== null ? (
          <span className="replay-origin" title={draft.base}>
            <span className="muted">exchange #{exchangeId}</span> <span className="mono">{draft.base}</span>
            {draft.principal && <span className="muted"> · {draft.principal}</span>}
            {!draft.inScope && (
              <span className="warn" data-testid="replay-out-of-scope">
                {' '}
                · not in the replay scope
              </span>
            )}
          </span>
        ) : (
          <span className="muted">Open an exchange from the traffic view (Replay button), or by id:</span>
        )}
        <input className="replay-open-id" placeholder="exchange id" value={openId} onChange={(e) => setOpenId(e.target.value.replace(/\D/g, ''))} onKeyDown={(e) => e.key === 'Enter' && openId && openReplay(Number(openId))} data-testid="replay-open-id" />
        <span className="replay-toolbar-right">
          <label className="replay-field">
            env
            <select
              value={active?.id ?? ''}
              data-testid="replay-env-select"
              onChange={async (e) => {
                try {
                  await api.call('env.activate', { id: e.target.value ? Number(e.target.value) : null });
                  loadEnvs();
                } catch (err) {
                  reportError(err);
                }
              }}
            >
              <option value="">none</option>
              {envs.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <label className="replay-field">
            as
            <select value={as} onChange={(e) => setAs(e.target.value)} data-testid="replay-as">
              <option value="original">its own credentials</option>
              <option value="anonymous">no credentials</option>
              {principals
                .filter((p) => p !== draft?.principal)
                .map((p) => (
                  <option key={p} value={`principal:${p}`}>
                    {p}
                  </option>
                ))}
            </select>
          </label>
          <button className="ghost" disabled={!text.trim()} onClick={() => setExporting(true)} data-testid="replay-export">
            Copy as…
          </button>
          <StopButton runKey={sending} />
          <button disabled={sending !== null || !text.trim()} onClick={() => void send()} data-testid="replay-send" title="Send (Ctrl+Enter)">
            {sending ? 'Sending…' : 'Send'}
          </button>
        </span>
      </header>
      {sendError && (
        <div className="replay-send-error error" data-testid="replay-send-error">
          {sendError}
          {/outside this workspace's replay scope/.test(sendError) && target && (
            <button
              className="ghost"
              data-testid="replay-add-scope"
              onClick={async () => {
                try {
                  await api.call('scope.add', { entry: target });
                  setSendError(null);
                  useStore.getState().bump();
                } catch (err) {
                  reportError(err);
                }
              }}
            >
              Add {target} to the scope
            </button>
          )}
        </div>
      )}
      <div className="replay-main">
        {text || exchangeId !== null ? <RequestEditor text={text} onChange={setText} onSend={() => void send()} /> : <div className="empty">No request open.</div>}
        <ResponsePane detail={detail} original={draft?.original ?? null} sending={sending !== null} />
        <aside className="replay-side">
          <nav className="tabs">
            {SIDES.map(([id, label]) => (
              <button key={id} className={side === id ? 'on' : ''} onClick={() => setSide(id)} data-testid={`replay-side-${id}`}>
                {label}
              </button>
            ))}
          </nav>
          <div className="replay-side-body">
            {side === 'history' && <HistoryPanel exchangeId={exchangeId} onOpen={(id) => void openReplayRecord(id)} selected={detail?.id ?? null} />}
            {side === 'swap' && <SwapPanel exchangeId={exchangeId} currentPrincipal={draft?.principal ?? null} onOpen={(id) => void openReplayRecord(id)} />}
            {side === 'session' && <SessionPanel currentPrincipal={draft?.principal ?? null} onOpen={(id) => void openReplayRecord(id)} />}
            {side === 'scope' && <ScopePanel suggestion={target} />}
            {side === 'env' && <EnvPanel envs={envs} onChanged={loadEnvs} />}
          </div>
        </aside>
      </div>
      {exporting && <ExportDialog text={text} base={base} exchangeId={exchangeId} environmentId={active?.id} onClose={() => setExporting(false)} />}
    </div>
  );
}
