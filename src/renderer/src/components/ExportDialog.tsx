/**
 * Export traffic as HAR 1.2: the current filter (editable), secrets redacted unless the analyst
 * ticks "keep secrets". The desktop app saves where the user chooses; web mode downloads the file
 * the service wrote.
 */
import { useState } from 'react';
import type { HarExportInfo } from '../../../shared/api-export.ts';
import { api, desktop } from '../api/client.ts';
import { reportError, useStore } from '../state/store.ts';
import { formatBytes } from '../state/format.ts';

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportDialog({ onClose }: { onClose(): void }) {
  const current = useStore((s) => s.filter);
  const [filter, setFilter] = useState(current);
  const [keepSecrets, setKeepSecrets] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<HarExportInfo | null>(null);

  const run = async (): Promise<void> => {
    setBusy(true);
    try {
      const selection = { ...(filter.trim() ? { filter: filter.trim() } : {}), keepSecrets };
      if (desktop.saveFileDialog) {
        const path = await desktop.saveFileDialog({ title: 'Export HAR', defaultPath: 'traffic.har' });
        if (!path) return;
        setDone(await api.call('export.har', { ...selection, path }));
        return;
      }
      const info = await api.call('export.har', selection);
      if (!info.download || !api.download) throw new Error('this window cannot download the export');
      saveBlob(await api.download(info.download), info.download);
      setDone(info);
    } catch (err) {
      reportError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form
        className="modal export-dialog"
        data-testid="export-dialog"
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <h3>Export HAR</h3>
        <label>
          <span>
            Filter <span className="muted">(empty = every exchange)</span>
          </span>
          <input data-testid="export-filter" value={filter} spellCheck={false} onChange={(e) => setFilter(e.target.value)} placeholder="host = api.shop.example and status >= 400" />
        </label>
        <label className="export-keep">
          <input type="checkbox" data-testid="export-keep-secrets" checked={keepSecrets} onChange={(e) => setKeepSecrets(e.target.checked)} /> Keep secrets
          (Authorization, cookies, API keys and tokens are replaced by REDACTED unless ticked)
        </label>
        {keepSecrets && <div className="error">The file will hold credentials exactly as captured.</div>}
        {done && (
          <div data-testid="export-result">
            Exported <strong>{done.entries.toLocaleString()}</strong> exchange{done.entries === 1 ? '' : 's'} ({formatBytes(done.bytes)}){done.redacted ? ', secrets redacted' : ', secrets kept'}
            {done.download === null && <div className="mono muted">{done.path}</div>}
          </div>
        )}
        <div className="modal-actions">
          <button type="button" className="ghost" onClick={onClose}>
            {done ? 'Close' : 'Cancel'}
          </button>
          <button type="submit" data-testid="export-start" disabled={busy}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </form>
    </div>
  );
}
