/**
 * The selected exchange: request and response (headers, query, cookies, body pretty-printed by
 * content type in read-only Monaco), WebSocket messages, provenance, and the analyst's
 * annotations (tags, comment, highlight), which persist in the workspace.
 */
import { useEffect, useState } from 'react';
import Editor from '@monaco-editor/react';
import { HIGHLIGHTS, type BodyView, type ExchangeDetail, type Highlight } from '../../../../shared/api.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { formatBytes, formatDuration, formatTime, parseCookies, parseSetCookie, prettyBody, statusClass } from '../../state/format.ts';
import { READ_ONLY_OPTIONS } from '../../components/monaco.ts';
import { KeyValueTable } from '../../components/KeyValueTable.tsx';
import { Explain } from '../findings/Explain.tsx';

type Tab = 'request' | 'response' | 'websocket';

function KeyValues({ title, rows, testid }: { title: string; rows: [string, string][]; testid: string }) {
  if (rows.length === 0) return null;
  return (
    <section className="kv" data-testid={testid}>
      <h4>
        {title} <span className="count">{rows.length}</span>
      </h4>
      <KeyValueTable rows={rows} />
    </section>
  );
}

function Body({ body, contentType }: { body: BodyView | null; contentType: string }) {
  if (!body) return <p className="muted">No body captured.</p>;
  if (body.text === null) {
    return (
      <p className="muted" data-testid="body-binary">
        Binary body, {formatBytes(body.size)} ({contentType || 'no content type'}); not shown as text.
      </p>
    );
  }
  const form = /x-www-form-urlencoded/.test(contentType);
  const text = prettyBody(body.text, form ? 'form' : body.language);
  return (
    <section className="body">
      <h4>
        Body <span className="count">{formatBytes(body.size)}</span>
        {body.truncated && <span className="warn"> · shown in part</span>}
      </h4>
      <div className="body-editor" data-testid="body-editor">
        <Editor value={text} language={form ? 'plaintext' : body.language} theme="cartograph" options={READ_ONLY_OPTIONS} height="100%" />
      </div>
    </section>
  );
}

function Annotations({ detail, onChange }: { detail: ExchangeDetail; onChange(d: ExchangeDetail): void }) {
  const [tag, setTag] = useState('');
  const [comment, setComment] = useState(detail.comment ?? '');
  useEffect(() => setComment(detail.comment ?? ''), [detail.id, detail.comment]);

  const setTags = async (tags: string[]) => {
    try {
      await api.call('annotate.tags', { id: detail.id, tags });
      onChange({ ...detail, tags: [...tags].sort() });
    } catch (err) {
      reportError(err);
    }
  };
  const setHighlight = async (highlight: Highlight | null) => {
    try {
      await api.call('annotate.highlight', { id: detail.id, highlight });
      onChange({ ...detail, highlight });
    } catch (err) {
      reportError(err);
    }
  };
  return (
    <div className="annotations">
      <div className="tags" data-testid="tags">
        {detail.tags.map((t) => (
          <span key={t} className="chip" data-testid="tag-chip">
            {t}
            <button aria-label={`remove tag ${t}`} onClick={() => void setTags(detail.tags.filter((x) => x !== t))}>
              ×
            </button>
          </span>
        ))}
        <input
          data-testid="tag-input"
          placeholder="add tag ⏎"
          value={tag}
          onChange={(e) => setTag(e.target.value.replace(/[^\w.:-]/g, ''))}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && tag && !detail.tags.includes(tag)) {
              void setTags([...detail.tags, tag]);
              setTag('');
            }
          }}
        />
      </div>
      <div className="highlight-picker" data-testid="highlight-picker">
        {HIGHLIGHTS.map((h) => (
          <button key={h} className={`swatch hl-${h}${detail.highlight === h ? ' on' : ''}`} title={h} aria-label={`highlight ${h}`} data-testid={`highlight-${h}`} onClick={() => void setHighlight(detail.highlight === h ? null : h)} />
        ))}
      </div>
      <textarea
        data-testid="comment-input"
        placeholder="Comment (saved when you leave the box)"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        onBlur={async () => {
          if (comment === (detail.comment ?? '')) return;
          try {
            await api.call('annotate.comment', { id: detail.id, comment });
            onChange({ ...detail, comment });
          } catch (err) {
            reportError(err);
          }
        }}
      />
    </div>
  );
}

export function DetailPane() {
  const selectedId = useStore((s) => s.selectedId);
  const bump = useStore((s) => s.bump);
  const [detail, setDetail] = useState<ExchangeDetail | null>(null);
  const [tab, setTab] = useState<Tab>('response');

  useEffect(() => {
    if (selectedId === null) return setDetail(null);
    let live = true;
    api.call('traffic.get', { id: selectedId }).then(
      (d) => live && setDetail(d),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [selectedId]);

  if (selectedId === null || !detail) return null;
  const reqType = detail.requestHeaders.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
  const respType = detail.responseHeaders.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
  const cookies = detail.requestHeaders.filter(([n]) => n.toLowerCase() === 'cookie').flatMap(([, v]) => parseCookies(v));
  const setCookies = detail.responseHeaders.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => parseSetCookie(v));
  const query = [...new URLSearchParams(detail.query)];

  return (
    <aside className="detail" data-testid="detail-pane" tabIndex={-1}>
      <header className="detail-head">
        <div className="detail-title">
          <span className={`method m-${detail.method.toLowerCase()}`}>{detail.method}</span>
          <span className="mono url" data-testid="detail-url" title={detail.url}>
            {detail.url}
          </span>
        </div>
        <div className="detail-meta">
          <button className="ghost" data-testid="open-replay" title="Open this request in the replay editor" onClick={() => useStore.getState().openReplay(detail.id)}>
            Replay
          </button>
          <span className={statusClass(detail.status)}>{detail.status ?? 'no response'} {detail.statusText}</span>
          <span>{detail.httpVersion}</span>
          <span>{formatTime(detail.time)}</span>
          <span>{formatDuration(detail.duration)}</span>
          {detail.principal && <span title={detail.principalKind ?? ''}>principal {detail.principal}</span>}
          {detail.ip && <span>client {detail.ip}</span>}
        </div>
        {detail.error && <div className="warn" data-testid="detail-error">{detail.error}</div>}
        <Annotations detail={detail} onChange={(d) => { setDetail(d); bump(); }} />
        <Explain exchangeId={detail.id} />
      </header>
      <nav className="tabs">
        <button className={tab === 'request' ? 'on' : ''} data-testid="request-tab" onClick={() => setTab('request')}>
          Request
        </button>
        <button className={tab === 'response' ? 'on' : ''} data-testid="response-tab" onClick={() => setTab('response')}>
          Response
        </button>
        {detail.websocket && (
          <button className={tab === 'websocket' ? 'on' : ''} data-testid="websocket-tab" onClick={() => setTab('websocket')}>
            WebSocket <span className="count">{detail.websocket.length}</span>
          </button>
        )}
      </nav>
      <div className="detail-body">
        {tab === 'request' && (
          <>
            <KeyValues title="Headers" rows={detail.requestHeaders} testid="request-headers" />
            <KeyValues title="Query" rows={query} testid="request-query" />
            <KeyValues title="Cookies" rows={cookies} testid="request-cookies" />
            <Body body={detail.requestBody} contentType={reqType} />
          </>
        )}
        {tab === 'response' && (
          <>
            <KeyValues title="Headers" rows={detail.responseHeaders} testid="response-headers" />
            <KeyValues title="Set-Cookie" rows={setCookies} testid="response-cookies" />
            <Body body={detail.responseBody} contentType={respType} />
          </>
        )}
        {tab === 'websocket' && detail.websocket && (
          <ol className="ws" data-testid="websocket-messages">
            {detail.websocket.map((m, i) => (
              <li key={i} className={m.direction}>
                <span>{m.direction === 'send' ? '→' : '←'}</span>
                <span className="muted">{formatTime(m.time)}</span>
                <code>{m.data}</code>
              </li>
            ))}
          </ol>
        )}
      </div>
      <footer className="provenance" data-testid="provenance">
        from {detail.provenance.file}, entry {detail.provenance.entryIndex} · sha256 {detail.provenance.sha256.slice(0, 12)}…
      </footer>
    </aside>
  );
}
