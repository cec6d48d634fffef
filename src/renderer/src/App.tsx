import { useEffect, useRef, useState } from 'react';
import { api, desktop, transportKind } from './api/client.ts';
import { refreshInfo, reportError, useStore } from './state/store.ts';
import { VIEWS } from './views/index.ts';
import { ImportPanel } from './components/ImportPanel.tsx';
import { Toasts } from './components/Toasts.tsx';
import { PathDialog, type PathRequest } from './components/PathDialog.tsx';
import { importFiles, importPaths } from './components/importFiles.ts';
import { ShortcutsHelp } from './components/ShortcutsHelp.tsx';
import { ImportDialog } from './components/ImportDialog.tsx';
import { ExportDialog } from './components/ExportDialog.tsx';

const CAPTURE_FILTERS = [{ name: 'Captures and logs', extensions: ['har', 'zhar', 'json', 'mitm', 'flow', 'xml', 'saz', 'chlsj', 'pcap', 'pcapng', 'log', 'gz', 'jsonl', 'txt'] }, { name: 'All files', extensions: ['*'] }];

export function App() {
  const info = useStore((s) => s.info);
  const total = useStore((s) => s.total);
  const filter = useStore((s) => s.filter);
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  const jobs = useStore((s) => s.jobs);
  const [dragging, setDragging] = useState(false);
  const [pathRequest, setPathRequest] = useState<PathRequest | null>(null);
  const [help, setHelp] = useState(false);
  const [importDialog, setImportDialog] = useState(false);
  const [exportDialog, setExportDialog] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const askPath = (title: string, action: string, initial?: string): Promise<string | null> =>
    new Promise((resolve) =>
      setPathRequest({
        title,
        action,
        initial,
        resolve: (p) => {
          setPathRequest(null);
          resolve(p);
        },
      }),
    );

  const workspaceAction = async (kind: 'new' | 'open' | 'saveAs') => {
    const title = kind === 'new' ? 'New workspace' : kind === 'open' ? 'Open workspace' : 'Save workspace as';
    let path: string | null;
    if (kind === 'open' && desktop.openFileDialog) path = (await desktop.openFileDialog({ title, filters: [{ name: 'Cartograph workspace', extensions: ['sqlite'] }] }))[0] ?? null;
    else if (kind !== 'open' && desktop.saveFileDialog) path = await desktop.saveFileDialog({ title, defaultPath: 'workspace.sqlite' });
    else path = await askPath(title, kind === 'open' ? 'Open' : kind === 'new' ? 'Create' : 'Save');
    if (!path) return;
    try {
      const next = await api.call(kind === 'new' ? 'workspace.create' : kind === 'open' ? 'workspace.open' : 'workspace.saveAs', { path });
      useStore.getState().setInfo(next);
      useStore.getState().select(null);
      useStore.getState().bump();
    } catch (err) {
      reportError(err);
    }
  };

  const startImport = async () => {
    if (desktop.openFileDialog) await importPaths(await desktop.openFileDialog({ title: 'Import captures and logs', filters: CAPTURE_FILTERS, multi: true }));
    else fileInput.current?.click();
  };

  useEffect(() => {
    void refreshInfo();
    const offs = [
      api.on('job.progress', (p) => useStore.getState().progress(p)),
      api.on('job.done', (d) => {
        useStore.getState().done(d);
        void refreshInfo();
      }),
      api.on('workspace.changed', () => useStore.getState().bump()),
    ];
    const offMenu = desktop.onMenu?.((command) => {
      if (command === 'import') void startImport();
      else if (command === 'open-workspace') void workspaceAction('open');
      else if (command === 'new-workspace') void workspaceAction('new');
      else if (command === 'save-workspace-as') void workspaceAction('saveAs');
    });
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
      if (e.key === 'F1' || (e.key === '?' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey)) {
        e.preventDefault();
        setHelp((h) => !h);
        return;
      }
      if (e.key === 'Escape') setHelp(false);
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'i') {
        e.preventDefault();
        void startImport();
      }
      // Alt+1…9 switches views.
      const n = Number(e.key);
      if (e.altKey && n >= 1 && n <= VIEWS.length) {
        e.preventDefault();
        useStore.getState().setView(VIEWS[n - 1].id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      offs.forEach((off) => off());
      offMenu?.();
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  const running = Object.values(jobs);

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void importFiles([...e.dataTransfer.files]);
      }}
    >
      <header className="top-bar">
        <span className="brand">Cartograph</span>
        <span className="workspace" title={info?.path}>
          <span data-testid="workspace-name">{info?.name ?? '…'}</span>
          {info?.sample && (
            <span className="badge" data-testid="sample-badge" title="The bundled sample workspace: import your own captures or open a workspace">
              sample
            </span>
          )}
        </span>
        <nav className="actions">
          <button className="ghost" data-testid="workspace-new" onClick={() => void workspaceAction('new')}>
            New
          </button>
          <button className="ghost" data-testid="workspace-open" onClick={() => void workspaceAction('open')}>
            Open…
          </button>
          <button className="ghost" data-testid="workspace-save-as" onClick={() => void workspaceAction('saveAs')}>
            Save as…
          </button>
          <button data-testid="import-button" onClick={() => void startImport()} title="Import captures and logs (Ctrl+I)">
            Import…
          </button>
          <button className="ghost" data-testid="import-dialog-button" onClick={() => setImportDialog(true)} title="Choose files, check the detected formats and preview them before importing">
            Import with preview…
          </button>
          <button className="ghost" data-testid="export-button" onClick={() => setExportDialog(true)} title="Export the filtered traffic as HAR 1.2, secrets redacted">
            Export HAR…
          </button>
        </nav>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            void importFiles([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
      </header>
      <nav className="views" role="tablist">
        {VIEWS.map((v, i) => (
          <button key={v.id} role="tab" aria-selected={view === v.id} className={view === v.id ? 'on' : ''} data-testid={`view-${v.id}`} title={`Alt+${i + 1}`} onClick={() => setView(v.id)}>
            {v.label}
          </button>
        ))}
      </nav>
      <ImportPanel />
      <section className="view" data-testid={`view-panel-${view}`}>
        {VIEWS.map((v) => (v.id === view ? <v.component key={v.id} /> : null))}
      </section>
      <footer className="status-bar">
        <span data-testid="status-count">
          {filter ? `${total.toLocaleString()} of ${(info?.exchanges ?? 0).toLocaleString()} exchanges match` : `${total.toLocaleString()} exchanges`}
        </span>
        <span>{info ? `${info.sources.length} source${info.sources.length === 1 ? '' : 's'}` : ''}</span>
        {running.length > 0 && <span data-testid="status-job">importing {running.map((j) => j.file).join(', ')}…</span>}
        <button className="link muted right" data-testid="shortcuts-button" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
          ?
        </button>
        <span className="muted">{transportKind === 'web' ? 'web mode · 127.0.0.1' : transportKind === 'electron' ? 'desktop' : 'not connected'}</span>
      </footer>
      {dragging && <div className="drop-hint">Drop to import</div>}
      {pathRequest && <PathDialog request={pathRequest} />}
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      {importDialog && <ImportDialog onClose={() => setImportDialog(false)} />}
      {exportDialog && <ExportDialog onClose={() => setExportDialog(false)} />}
      <Toasts />
    </div>
  );
}
