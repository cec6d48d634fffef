/** Running imports (progress, entries/s, Cancel) and the per-file results afterwards. */
import { api } from '../api/client.ts';
import { reportError, useStore } from '../state/store.ts';
import { formatBytes } from '../state/format.ts';

export function ImportPanel() {
  const jobs = useStore((s) => s.jobs);
  const results = useStore((s) => s.results);
  const dismiss = useStore((s) => s.dismissResult);
  const running = Object.values(jobs);
  if (running.length === 0 && results.length === 0) return null;
  return (
    <div className="import-panel" data-testid="progress-panel">
      {running.map((p) => {
        const pct = p.bytesTotal ? Math.min(100, (100 * p.bytesDone) / p.bytesTotal) : null;
        return (
          <div key={p.jobId} className="job" data-testid="import-progress">
            <div className="job-line">
              <strong>{p.file}</strong>
              {p.fileCount > 1 && <span className="muted"> ({p.fileIndex + 1} of {p.fileCount})</span>}
              <span className="muted">
                {' '}
                · {p.entries.toLocaleString()} entries · {p.entriesPerSecond.toLocaleString()}/s
                {p.skipped > 0 && ` · ${p.skipped} skipped`} · {formatBytes(p.bytesDone)}
                {p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}
                {p.phase === 'indexing' && ' · building sort indexes…'}
              </span>
              <button className="ghost" data-testid="progress-cancel" onClick={() => api.call('job.cancel', { jobId: p.jobId }).catch(reportError)}>
                Cancel
              </button>
            </div>
            <div className="bar">
              <div className={pct === null ? 'indeterminate' : ''} style={{ width: pct === null ? '30%' : `${pct}%` }} />
            </div>
          </div>
        );
      })}
      {results.map((d) => (
        <div key={d.jobId} className={`result result-${d.state}`} data-testid="import-result">
          <div className="job-line">
            <strong>Import {d.state === 'done' ? 'finished' : d.state}</strong>
            <button className="ghost" aria-label="Dismiss" data-testid="import-result-dismiss" onClick={() => dismiss(d.jobId)}>
              ×
            </button>
          </div>
          <ul>
            {d.files.map((f, i) => (
              <li key={`${f.file}-${i}`}>
                <span className="mono">{f.file}</span> <span className="muted">({f.format})</span>:{' '}
                {f.duplicate ? (
                  'already imported, nothing added'
                ) : (
                  <>
                    <strong>{f.imported}</strong> imported, {f.skipped} skipped in {f.seconds.toFixed(1)} s
                  </>
                )}
                {f.fatal && <div className="error">{f.fatal}; what came before it was kept.</div>}
                {f.errors.length > 0 && (
                  <details>
                    <summary>{f.errors.length} problem{f.errors.length === 1 ? '' : 's'}</summary>
                    <ul className="errors">
                      {f.errors.slice(0, 200).map((e, j) => (
                        <li key={j}>
                          <span className="mono">{e.at}</span>: {e.message}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ul>
          {d.error && !d.files.some((f) => f.fatal) && <div className="error">{d.error}</div>}
        </div>
      ))}
    </div>
  );
}
