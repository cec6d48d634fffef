/**
 * The import dialog: for each chosen file, the format Cartograph detected (and the runners-up),
 * a choice to read it as another format or with a pasted NGINX/Apache log format, the first
 * records as that reader sees them, and, once imported, what each file gave (imported, skipped,
 * errors with their line or offset). Detection and preview read only the file's first 64 KiB.
 */
import { useEffect, useRef, useState } from 'react';
import type { FormatSummary, JobDone } from '../../../shared/api.ts';
import type { FormatPreview } from '../../../shared/api-ingest.ts';
import { api } from '../api/client.ts';
import { reportError, useStore } from '../state/store.ts';
import { formatBytes } from '../state/format.ts';
import { fileHead, startFileImport } from './importFiles.ts';

/** Formats that read a user-supplied log format string. */
const LOG_FORMAT_READERS = new Set(['access-log']);
/** The generic JSON-lines reader takes a field mapping (exchange field → dotted path). */
const MAPPING_READERS = new Set(['jsonlines']);
const PREVIEW_RECORDS = 8;

interface Chosen {
  key: string;
  file: File;
  head: string | null;
  preview: FormatPreview | null;
  loading: boolean;
  /** '' = as detected. */
  format: string;
  logFormat: string;
  logKind: '' | 'nginx' | 'apache';
  mapping: string;
  jobId: string | null;
}

function choiceOf(c: Chosen): { format?: string; options?: Record<string, string> } {
  const options: Record<string, string> = {};
  if (c.logFormat.trim()) {
    options.logFormat = c.logFormat.trim();
    if (c.logKind) options.logFormatKind = c.logKind;
  }
  if (c.mapping.trim()) options.mapping = c.mapping.trim();
  return { ...(c.format ? { format: c.format } : {}), ...(Object.keys(options).length ? { options } : {}) };
}

const percent = (c: number): string => `${Math.round(c * 100)}%`;

function Preview({ preview }: { preview: FormatPreview }) {
  if (preview.container === 'zip') return <p className="muted" data-testid="import-preview-zip">A zip archive: each file inside is detected and imported on its own.</p>;
  return (
    <>
      {preview.error && (
        <div className="error" data-testid="import-preview-error">
          {preview.error}
        </div>
      )}
      {preview.records.length > 0 && (
        <table className="import-preview" data-testid="import-preview">
          <thead>
            <tr>
              <th>#</th>
              <th>time</th>
              <th>method</th>
              <th>URL</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {preview.records.map((r) =>
              r.kind === 'exchange' ? (
                <tr key={r.index} data-testid="import-preview-row">
                  <td className="muted">{r.index}</td>
                  <td className="mono muted">{r.time?.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? '—'}</td>
                  <td className="mono">{r.method}</td>
                  <td className="mono url" title={r.url}>
                    {r.url}
                  </td>
                  <td className="mono">{r.status ?? '—'}</td>
                </tr>
              ) : (
                <tr key={r.index} className="skip" data-testid="import-preview-skip">
                  <td className="muted">{r.index}</td>
                  <td colSpan={4}>
                    skipped at <span className="mono">{r.at}</span>: {r.message}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
      {preview.partial && preview.records.length > 0 && <p className="muted small">First records of the file's first 64 KiB.</p>}
    </>
  );
}

function Result({ jobId, done }: { jobId: string; done: JobDone | undefined }) {
  const progress = useStore((s) => s.jobs[jobId]);
  if (!done) return <div className="muted" data-testid="import-file-running">{progress ? `importing… ${progress.entries.toLocaleString()} entries` : 'importing…'}</div>;
  return (
    <div className={`import-file-result result-${done.state}`} data-testid="import-file-result">
      {done.files.map((f, i) => (
        <div key={`${f.file}-${i}`}>
          <span className="mono">{f.file}</span> <span className="muted">({f.format})</span>:{' '}
          {f.duplicate ? 'already imported, nothing added' : (
            <>
              <strong>{f.imported.toLocaleString()}</strong> imported, {f.skipped.toLocaleString()} skipped, {f.errors.length} error{f.errors.length === 1 ? '' : 's'}
            </>
          )}
          {f.fatal && <div className="error">{f.fatal}</div>}
          {f.errors.length > 0 && (
            <ul className="errors" data-testid="import-file-errors">
              {f.errors.slice(0, 50).map((e, j) => (
                <li key={j}>
                  <span className="mono">{e.at}</span>: {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
      {done.error && !done.files.some((f) => f.fatal) && <div className="error">{done.error}</div>}
    </div>
  );
}

export function ImportDialog({ onClose }: { onClose(): void }) {
  const [formats, setFormats] = useState<FormatSummary[]>([]);
  const [chosen, setChosen] = useState<Chosen[]>([]);
  const [importing, setImporting] = useState(false);
  // Outcomes by job, kept here: the global list holds only the latest few.
  const [outcomes, setOutcomes] = useState<Record<string, JobDone>>({});
  const input = useRef<HTMLInputElement>(null);
  const seq = useRef(0);

  useEffect(() => {
    api.call('formats.list', {}).then(setFormats, reportError);
    return api.on('job.done', (d) => setOutcomes((o) => ({ ...o, [d.jobId]: d })));
  }, []);

  const update = (key: string, patch: Partial<Chosen>): void => setChosen((cs) => cs.map((c) => (c.key === key ? { ...c, ...patch } : c)));

  /** Detects and previews one file as it is now configured. */
  const preview = async (c: Chosen): Promise<void> => {
    update(c.key, { loading: true });
    try {
      const head = c.head ?? (await fileHead(c.file));
      const p = await api.call('formats.sniff', { name: c.file.name, head, size: c.file.size, limit: PREVIEW_RECORDS, ...choiceOf(c) });
      // A mapping saved in the workspace for this kind of file is shown, ready to edit.
      update(c.key, { head, preview: p, loading: false, ...(p.savedMapping && !c.mapping.trim() ? { mapping: p.savedMapping } : {}) });
    } catch (err) {
      update(c.key, { loading: false, preview: null });
      reportError(err);
    }
  };

  const add = (files: File[]): void => {
    const added = files.map((file): Chosen => ({ key: `f${++seq.current}`, file, head: null, preview: null, loading: true, format: '', logFormat: '', logKind: '', mapping: '', jobId: null }));
    setChosen((cs) => [...cs, ...added]);
    for (const c of added) void preview(c);
  };

  const startAll = async (): Promise<void> => {
    setImporting(true);
    for (const c of chosen) {
      if (c.jobId) continue;
      try {
        const jobId = await startFileImport([c.file], choiceOf(c));
        update(c.key, { jobId });
      } catch (err) {
        reportError(err);
      }
    }
    setImporting(false);
  };

  const pending = chosen.filter((c) => !c.jobId);
  const unreadable = pending.filter((c) => !c.loading && !c.format && c.preview && !c.preview.format && !c.preview.container);

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal import-dialog" data-testid="import-dialog" role="dialog" aria-label="Import captures and logs" onClick={(e) => e.stopPropagation()}>
        <div className="import-dialog-head">
          <h3>Import captures and logs</h3>
          <button className="ghost" aria-label="Close" data-testid="import-dialog-close" onClick={onClose}>
            ×
          </button>
        </div>
        <p className="muted">
          Formats are detected from content. HAR, mitmproxy, Burp, ZAP, Charles, Fiddler, Postman, Insomnia, pcap and gateway/server logs; gzip and zip are opened transparently.
        </p>
        <div>
          <button className="ghost" data-testid="import-dialog-choose" onClick={() => input.current?.click()}>
            Choose files…
          </button>
          <input
            ref={input}
            type="file"
            multiple
            hidden
            data-testid="import-dialog-files"
            onChange={(e) => {
              add([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
        </div>
        <ul className="import-files">
          {chosen.map((c) => {
            const p = c.preview;
            const effective = c.format || p?.format || '';
            const best = p?.candidates[0];
            return (
              <li key={c.key} className="import-file" data-testid="import-file">
                <div className="import-file-line">
                  <strong className="mono" data-testid="import-file-name">
                    {c.file.name}
                  </strong>
                  <span className="muted">
                    {' '}
                    {formatBytes(c.file.size)}
                    {p && p.compression !== 'none' ? ` · ${p.compression}` : ''}
                  </span>
                  <span className="detected" data-testid="import-file-detected">
                    {c.loading ? 'detecting…' : p?.container === 'zip' ? 'zip archive of captures' : best ? `detected: ${best.label} (${percent(best.confidence)})` : c.format ? 'not recognised: read as chosen' : 'not recognised'}
                  </span>
                </div>
                {!c.jobId && (
                  <div className="import-file-choice">
                    <label>
                      Read as{' '}
                      <select
                        data-testid="import-file-format"
                        value={c.format}
                        onChange={(e) => {
                          const next = { ...c, format: e.target.value };
                          update(c.key, { format: e.target.value });
                          void preview(next);
                        }}
                      >
                        <option value="">{best ? `${best.label} (detected)` : 'choose a format'}</option>
                        {(p?.candidates ?? []).slice(1).map((k) => (
                          <option key={k.id} value={k.id}>
                            {k.label} ({percent(k.confidence)})
                          </option>
                        ))}
                        <optgroup label="All formats">
                          {formats.map((f) => (
                            <option key={f.id} value={f.id}>
                              {f.label}
                            </option>
                          ))}
                        </optgroup>
                      </select>
                    </label>
                    <button className="ghost" aria-label={`Remove ${c.file.name}`} onClick={() => setChosen((cs) => cs.filter((x) => x.key !== c.key))}>
                      Remove
                    </button>
                    {LOG_FORMAT_READERS.has(effective) && (
                      <div className="log-format">
                        <label>
                          Log format <span className="muted">(NGINX log_format or Apache LogFormat; empty = common/combined and their usual variants)</span>
                          <textarea
                            data-testid="import-file-log-format"
                            rows={2}
                            spellCheck={false}
                            value={c.logFormat}
                            placeholder={'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'}
                            onChange={(e) => update(c.key, { logFormat: e.target.value })}
                          />
                        </label>
                        <div className="log-format-actions">
                          <select data-testid="import-file-log-kind" value={c.logKind} onChange={(e) => update(c.key, { logKind: e.target.value as Chosen['logKind'] })}>
                            <option value="">syntax: detect</option>
                            <option value="nginx">NGINX ($variables)</option>
                            <option value="apache">Apache (%directives)</option>
                          </select>
                          <button className="ghost" data-testid="import-file-apply" onClick={() => void preview(c)}>
                            Preview with this format
                          </button>
                        </div>
                      </div>
                    )}
                    {MAPPING_READERS.has(effective) && (
                      <div className="log-format">
                        <label>
                          Field mapping <span className="muted">(JSON: exchange field → dotted path in each record; unmapped fields are guessed)</span>
                          <textarea
                            data-testid="import-file-mapping"
                            rows={2}
                            spellCheck={false}
                            value={c.mapping}
                            placeholder={'{"time": "ts", "method": "req.method", "url": "req.url", "status": "res.status", "clientIp": "remote"}'}
                            onChange={(e) => update(c.key, { mapping: e.target.value })}
                          />
                        </label>
                        <div className="log-format-actions">
                          <button className="ghost" data-testid="import-file-apply-mapping" onClick={() => void preview(c)}>
                            Preview with this mapping
                          </button>
                        </div>
                      </div>
                    )}
                  </div>
                )}
                {p && !c.jobId && <Preview preview={p} />}
                {c.jobId && <Result jobId={c.jobId} done={outcomes[c.jobId]} />}
              </li>
            );
          })}
        </ul>
        <div className="modal-actions">
          {unreadable.length > 0 && <span className="error">{unreadable.length} file{unreadable.length === 1 ? '' : 's'} not recognised: choose a format or remove</span>}
          <button type="button" className="ghost" onClick={onClose}>
            {pending.length === 0 && chosen.length > 0 ? 'Close' : 'Cancel'}
          </button>
          <button data-testid="import-dialog-start" disabled={importing || pending.length === 0 || unreadable.length > 0 || pending.some((c) => c.loading)} onClick={() => void startAll()}>
            Import {pending.length > 0 ? `${pending.length} file${pending.length === 1 ? '' : 's'}` : ''}
          </button>
        </div>
      </div>
    </div>
  );
}
