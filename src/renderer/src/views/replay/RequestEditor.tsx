/**
 * The request being edited: raw HTTP text in Monaco (the source of truth), with structured tabs
 * for headers, query parameters and a JSON body that rewrite their part of the text.
 */
import { useEffect, useRef, useState } from 'react';
import Editor, { type OnMount } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import { EDITABLE_OPTIONS } from '../../components/monaco.ts';
import { HTTP_LANGUAGE, registerHttpLanguage } from './httpLanguage.ts';
import { headerOf, joinHttp, queryOf, splitHttp, withQuery, type HttpParts } from './httpText.ts';

registerHttpLanguage();

type Tab = 'raw' | 'headers' | 'query' | 'body';

const EDITOR_OPTIONS = { ...EDITABLE_OPTIONS, wordWrap: 'on' as const, contextmenu: false };

function PairsEditor({ rows, onChange, testid, names }: { rows: [string, string][]; onChange(rows: [string, string][]): void; testid: string; names: [string, string] }) {
  const update = (i: number, col: 0 | 1, value: string) => onChange(rows.map((r, j) => (j === i ? ((col === 0 ? [value, r[1]] : [r[0], value]) as [string, string]) : r)));
  return (
    <div className="replay-pairs" data-testid={testid}>
      <table>
        <thead>
          <tr>
            <th>{names[0]}</th>
            <th>{names[1]}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map(([k, v], i) => (
            <tr key={i}>
              <td>
                <input value={k} aria-label={`${names[0]} ${i + 1}`} onChange={(e) => update(i, 0, e.target.value)} />
              </td>
              <td>
                <input value={v} aria-label={`${names[1]} ${i + 1}`} data-testid={`${testid}-value`} onChange={(e) => update(i, 1, e.target.value)} />
              </td>
              <td>
                <button className="ghost" aria-label={`remove ${k}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button className="ghost" data-testid={`${testid}-add`} onClick={() => onChange([...rows, ['', '']])}>
        + add
      </button>
    </div>
  );
}

function prettyJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

export function RequestEditor({ text, onChange, onSend }: { text: string; onChange(text: string): void; onSend(): void }) {
  const [tab, setTab] = useState<Tab>('raw');
  const sendRef = useRef(onSend);
  sendRef.current = onSend;
  const parts = splitHttp(text);
  const set = (patch: Partial<HttpParts>) => onChange(joinHttp({ ...parts, ...patch }));
  const isJson = /json/i.test(headerOf(parts, 'content-type') ?? '') || prettyJson(parts.body) !== null;

  const onMount: OnMount = (editor) => {
    // Ctrl/Cmd+Enter sends (Monaco would otherwise insert a line).
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => sendRef.current());
  };

  useEffect(() => {
    if (tab === 'body' && !parts.body && !isJson) setTab('raw');
  }, [tab, parts.body, isJson]);

  return (
    <section className="replay-editor" data-testid="replay-editor">
      <nav className="tabs">
        {(['raw', 'headers', 'query', 'body'] as const).map((t) => (
          <button key={t} className={tab === t ? 'on' : ''} data-testid={`replay-tab-${t}`} onClick={() => setTab(t)}>
            {t === 'raw' ? 'Raw' : t === 'headers' ? `Headers` : t === 'query' ? 'Query' : 'Body'}
            {t === 'headers' && <span className="count">{parts.headers.length}</span>}
            {t === 'query' && <span className="count">{queryOf(parts.target).length}</span>}
          </button>
        ))}
      </nav>
      <div className="replay-editor-body">
        {tab === 'raw' && (
          <div className="replay-monaco" data-testid="replay-raw">
            <Editor value={text} language={HTTP_LANGUAGE} theme="cartograph" options={EDITOR_OPTIONS} onMount={onMount} onChange={(v) => onChange(v ?? '')} height="100%" />
          </div>
        )}
        {tab === 'headers' && (
          <div className="replay-structured">
            <div className="replay-line">
              <input className="replay-method" value={parts.method} aria-label="method" onChange={(e) => set({ method: e.target.value.toUpperCase().replace(/\s/g, '') })} />
              <input className="replay-target mono" value={parts.target} aria-label="path" onChange={(e) => set({ target: e.target.value.replace(/\s/g, '') })} />
            </div>
            <PairsEditor rows={parts.headers} onChange={(headers) => set({ headers })} testid="replay-headers" names={['Header', 'Value']} />
          </div>
        )}
        {tab === 'query' && (
          <div className="replay-structured">
            <PairsEditor rows={queryOf(parts.target)} onChange={(q) => set({ target: withQuery(parts.target, q) })} testid="replay-query" names={['Parameter', 'Value']} />
          </div>
        )}
        {tab === 'body' && (
          <div className="replay-body-tab">
            <div className="replay-body-tools">
              <span className="muted">{isJson ? 'JSON body' : 'Body'}</span>
              {isJson && (
                <button className="ghost" data-testid="replay-body-format" onClick={() => set({ body: prettyJson(parts.body) ?? parts.body })} disabled={prettyJson(parts.body) === null}>
                  Format
                </button>
              )}
              {isJson && prettyJson(parts.body) === null && parts.body.trim() !== '' && <span className="warn">not valid JSON</span>}
            </div>
            <div className="replay-monaco" data-testid="replay-body">
              <Editor value={parts.body} language={isJson ? 'json' : 'plaintext'} theme="cartograph" options={EDITOR_OPTIONS} onMount={onMount} onChange={(v) => set({ body: v ?? '' })} height="100%" />
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
