/**
 * The replay's response beside the original's: what changed (status, headers, JSON body paths)
 * and both bodies in a Monaco diff editor; each side also readable on its own.
 */
import { useState } from 'react';
import Editor, { DiffEditor } from '@monaco-editor/react';
import type { ReplayDetail, ReplayMessageView } from '../../../../shared/api-replay.ts';
import { READ_ONLY_OPTIONS } from '../../components/monaco.ts';
import { KeyValueTable } from '../../components/KeyValueTable.tsx';
import { formatBytes, formatDuration, prettyBody, statusClass } from '../../state/format.ts';

type Tab = 'diff' | 'replay' | 'original';

/** Connection-level headers: the engine leaves them out of the diff, and so does the table. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

const DIFF_OPTIONS = { ...READ_ONLY_OPTIONS, renderSideBySide: true, originalEditable: false, renderOverviewRuler: false };

function bodyText(m: ReplayMessageView | null): string {
  if (!m?.body) return '';
  if (m.body.text === null) return `(binary body, ${formatBytes(m.body.size)})`;
  return prettyBody(m.body.text, m.body.language);
}

const show = (v: unknown): string => {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
};

function Message({ m, testid }: { m: ReplayMessageView; testid: string }) {
  return (
    <div className="replay-message" data-testid={testid}>
      <div className="replay-status">
        <span className={statusClass(m.status)}>{m.status ?? 'no response'} {m.statusText}</span>
        <span className="muted">{formatBytes(m.bytes)}</span>
      </div>
      <section className="kv">
        <KeyValueTable rows={m.headers} />
      </section>
      <div className="replay-monaco">
        <Editor value={bodyText(m)} language={m.body?.language ?? 'plaintext'} theme="cartograph" options={READ_ONLY_OPTIONS} height="100%" />
      </div>
    </div>
  );
}

function HeaderCompare({ detail }: { detail: ReplayDetail }) {
  const original = detail.original?.headers ?? [];
  const replay = detail.response?.headers ?? [];
  const index = (hs: [string, string][]) => {
    const m = new Map<string, string>();
    for (const [n, v] of hs) m.set(n.toLowerCase(), m.has(n.toLowerCase()) ? `${m.get(n.toLowerCase())}, ${v}` : v);
    return m;
  };
  const a = index(original);
  const b = index(replay);
  const changed = new Set(detail.diff?.headers ?? []);
  const names = [...new Set([...a.keys(), ...b.keys()])].filter((n) => !HOP_BY_HOP.has(n)).sort((x, y) => Number(changed.has(y)) - Number(changed.has(x)) || x.localeCompare(y));
  return (
    <table className="replay-header-compare" data-testid="replay-header-compare">
      <thead>
        <tr>
          <th>Header</th>
          <th>Original</th>
          <th>Replay</th>
        </tr>
      </thead>
      <tbody>
        {names.map((n) => (
          <tr key={n} className={changed.has(n) ? 'changed' : ''}>
            <th>{n}</th>
            <td>{a.get(n) ?? <span className="muted">—</span>}</td>
            <td>{b.get(n) ?? <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ResponsePane({ detail, original, sending }: { detail: ReplayDetail | null; original: ReplayMessageView | null; sending: boolean }) {
  const [tab, setTab] = useState<Tab>('diff');
  const base = detail?.original ?? original;
  const d = detail?.diff ?? null;
  return (
    <section className="replay-response" data-testid="replay-response">
      <header className="replay-response-head">
        {sending && <span className="muted" data-testid="replay-sending">sending…</span>}
        {!sending && !detail && <span className="muted">Send the request (Ctrl+Enter) to see the new response beside the original.</span>}
        {!sending && detail && (
          <>
            <span className="replay-compare" data-testid="replay-status-compare">
              <span className={statusClass(base?.status ?? null)}>{base?.status ?? '—'}</span>
              <span className="muted"> → </span>
              <span className={statusClass(detail.status)}>{detail.status ?? 'no response'}</span>
            </span>
            {detail.error && <span className="error" data-testid="replay-error">{detail.error}</span>}
            {detail.response && (
              <span className="muted">
                {formatBytes(detail.response.bytes)} · {formatDuration(detail.durationMs)}
                {detail.response.truncated && <span className="warn"> · cut at the size cap</span>}
              </span>
            )}
            {d && (
              <span className={`replay-changed ${detail.changed ? 'yes' : 'no'}`} data-testid="replay-diff-summary">
                {detail.changed ? `${d.status ? 'status changed · ' : ''}${d.headers.length} header(s) · ${d.body.length} body change(s) · ${Math.round(d.similarity * 100)}% similar` : 'same as the original'}
              </span>
            )}
            {detail.verdict && (
              <span className={`verdict verdict-${detail.verdict}`} data-testid="replay-verdict" title={detail.reason ?? ''}>
                {detail.verdict}
              </span>
            )}
            <span className="muted replay-id">replay #{detail.id}{detail.as ? ` as ${detail.as}` : ''}</span>
          </>
        )}
      </header>
      <nav className="tabs">
        {(['diff', 'replay', 'original'] as const).map((t) => (
          <button key={t} className={tab === t ? 'on' : ''} data-testid={`replay-response-tab-${t}`} onClick={() => setTab(t)}>
            {t === 'diff' ? 'Diff' : t === 'replay' ? 'Replay' : 'Original'}
          </button>
        ))}
      </nav>
      <div className="replay-response-body">
        {tab === 'diff' && detail && (
          <div className="replay-diff">
            {d && d.body.length > 0 && (
              <ul className="replay-body-changes" data-testid="replay-body-changes">
                {d.body.map((c, i) => (
                  <li key={i}>
                    <code>{c.path}</code> <span className="from">{show(c.from)}</span> → <span className="to">{show(c.to)}</span>
                  </li>
                ))}
              </ul>
            )}
            <HeaderCompare detail={detail} />
            <div className="replay-monaco replay-diff-editor" data-testid="replay-diff-editor">
              {/* Models outlive the widget (fixed paths, reused): disposing them first makes Monaco throw on unmount. */}
              <DiffEditor original={bodyText(base)} modified={bodyText(detail.response)} language={detail.response?.body?.language ?? base?.body?.language ?? 'plaintext'} theme="cartograph" options={DIFF_OPTIONS} height="100%" originalModelPath="inmemory://replay/original" modifiedModelPath="inmemory://replay/modified" keepCurrentOriginalModel keepCurrentModifiedModel />
            </div>
          </div>
        )}
        {tab === 'diff' && !detail && base && <p className="muted">The original answered {base.status ?? 'nothing'}; nothing sent yet.</p>}
        {tab === 'replay' && (detail?.response ? <Message m={detail.response} testid="replay-new-response" /> : <p className="muted">{detail?.error ?? 'Nothing sent yet.'}</p>)}
        {tab === 'original' && (base ? <Message m={base} testid="replay-original-response" /> : <p className="muted">This request was not replayed from a stored exchange.</p>)}
      </div>
    </section>
  );
}
