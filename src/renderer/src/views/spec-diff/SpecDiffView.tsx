/**
 * Spec diff: the workspace's traffic against a published OpenAPI/Swagger document. The spec comes
 * from a file (a path on the desktop, an upload in web mode), from YAML/JSON pasted into the
 * editor, or from the one the workspace remembers. Results are grouped by class with counts; each
 * row opens its traffic in the traffic view.
 */
import { useEffect, useRef, useState } from 'react';
import Editor, { type OnMount } from '@monaco-editor/react';
import type * as monaco from 'monaco-editor';
import type { DiffResult, RememberedSpecInfo, SpecSource } from '../../../../shared/api-spec.ts';
import { api, desktop } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { EDITABLE_OPTIONS } from '../../components/monaco.ts';
import { DiffResults } from './DiffResults.tsx';

const EDITOR_OPTIONS = { ...EDITABLE_OPTIONS, wordWrap: 'off' as const };

/** Pasted text crosses the Api as one call body (≤ 1 MiB); bigger specs go by file. */
const MAX_PASTE = 900_000;
const SPEC_FILTERS = [{ name: 'OpenAPI / Swagger', extensions: ['yaml', 'yml', 'json'] }];

function languageOf(text: string): 'json' | 'yaml' {
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

export function SpecDiffView() {
  const [result, setResult] = useState<DiffResult | null>(null);
  const [remembered, setRemembered] = useState<RememberedSpecInfo | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [host, setHost] = useState('');
  const [language, setLanguage] = useState<'json' | 'yaml'>('yaml');
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const showTraffic = useStore((s) => s.showTraffic);

  const refreshRemembered = () => api.call('spec.remembered', {}).then(setRemembered, reportError);
  useEffect(() => {
    void refreshRemembered();
    return api.on('workspace.changed', ({ tables }) => {
      if (tables.includes('*') || tables.includes('meta')) void refreshRemembered();
    });
  }, []);

  const run = async (source: SpecSource) => {
    setRunning(true);
    setError(null);
    try {
      const r = await api.call('spec.diff', { source, ...(host.trim() ? { host: host.trim() } : {}) });
      setResult(r);
      void refreshRemembered();
    } catch (err) {
      // A bad spec is the user's input, not an app failure: shown beside the editor, naming where.
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setRunning(false);
    }
  };

  const diffPasted = () => {
    const text = editorRef.current?.getValue() ?? '';
    if (!text.trim()) {
      setError('Paste an OpenAPI or Swagger document (YAML or JSON) into the editor first, or open a file.');
      return;
    }
    if (text.length > MAX_PASTE) {
      setError(`The pasted spec is ${(text.length / 1024).toFixed(0)} KiB; open specs above ${MAX_PASTE / 1000} KB as a file instead.`);
      return;
    }
    void run({ text, name: 'pasted spec' });
  };

  const openFile = async () => {
    if (desktop.openFileDialog) {
      const [path] = await desktop.openFileDialog({ title: 'Open a published API spec', filters: SPEC_FILTERS });
      if (path) void run({ path });
      return;
    }
    fileInput.current?.click();
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const path = desktop.pathForFile?.(file);
      if (path) return void run({ path });
      if (!api.upload) throw new Error('this window cannot read files');
      void run({ uploadId: await api.upload(file), name: file.name });
    } catch (err) {
      reportError(err);
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  /** The OpenAPI 3.1 document rebuilt from the traffic, saved through the browser's download. */
  const exportSpec = async () => {
    try {
      const r = await api.call('spec.export', { format: 'yaml', ...(host.trim() ? { host: host.trim() } : {}) });
      const url = URL.createObjectURL(new Blob([r.text], { type: 'application/yaml' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${host.trim() || r.hosts[0] || 'observed'}.openapi.yaml`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      useStore.getState().toast('info', `Exported ${r.paths} paths, ${r.operations} operations as OpenAPI 3.1 (examples redacted).`);
    } catch (err) {
      reportError(err);
    }
  };

  const onMount: OnMount = (editor, m) => {
    editorRef.current = editor;
    editor.addCommand(m.KeyMod.CtrlCmd | m.KeyCode.Enter, () => diffPasted());
    editor.onDidChangeModelContent(() => setLanguage(languageOf(editor.getValue().slice(0, 200))));
  };

  return (
    <div className="specdiff-view" data-testid="specdiff-view">
      <section className="specdiff-source">
        <div className="specdiff-toolbar">
          <button data-testid="specdiff-open" disabled={running} onClick={() => void openFile()} title="Diff against an OpenAPI 3.x or Swagger 2.0 file (YAML or JSON)">
            Open spec file…
          </button>
          <button className="ghost" data-testid="specdiff-run-pasted" disabled={running} onClick={diffPasted} title="Diff against the spec pasted below (Ctrl/Cmd+Enter)">
            Diff pasted spec
          </button>
          {remembered && (
            <button className="ghost" data-testid="specdiff-run-remembered" disabled={running} onClick={() => void run({ remembered: true })} title={`Loaded ${new Date(remembered.loadedAt).toLocaleString()}`}>
              Re-run with {remembered.name}
            </button>
          )}
          <button className="ghost" data-testid="specdiff-export" onClick={() => void exportSpec()} title="Download the OpenAPI 3.1 document rebuilt from this workspace's traffic, examples redacted">
            Export observed spec
          </button>
          <input className="specdiff-host" placeholder="host (all)" value={host} onChange={(e) => setHost(e.target.value)} data-testid="specdiff-host" title="Judge only traffic to this host" />
          <input ref={fileInput} type="file" accept=".yaml,.yml,.json" hidden data-testid="specdiff-file-input" onChange={(e) => void onFile(e.target.files?.[0])} />
        </div>
        <p className="muted specdiff-remembered" data-testid="specdiff-remembered">
          {remembered ? (
            <>
              This workspace remembers <strong>{remembered.title}</strong> {remembered.version} ({remembered.name}, OpenAPI {remembered.openapi}, {remembered.operations} operations); detection judges shadow and zombie APIs by it.
            </>
          ) : (
            'No published spec is remembered yet: open or paste one. It is remembered for later diffs and for detection.'
          )}
        </p>
        {error && (
          <p className="error specdiff-error" role="alert" data-testid="specdiff-error">
            {error}
          </p>
        )}
        <div className="specdiff-monaco" data-testid="specdiff-editor">
          <Editor defaultValue="" language={language} theme="cartograph" options={EDITOR_OPTIONS} onMount={onMount} height="100%" />
        </div>
      </section>
      <section className="specdiff-results">
        {running && <p className="muted" data-testid="specdiff-running">Diffing…</p>}
        {!running && result && <DiffResults result={result} onShow={showTraffic} />}
        {!running && !result && <p className="muted specdiff-hint">Open a spec file, paste one into the editor, or re-run the remembered one to see shadow, zombie and orphan endpoints, undocumented parameters and fields, and type mismatches.</p>}
      </section>
    </div>
  );
}
