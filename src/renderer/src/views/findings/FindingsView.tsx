/**
 * Findings: run the detection engine over the workspace, read its findings grouped by category,
 * actor or endpoint, narrow them by status, severity and category, and triage the selected one
 * (see FindingDetail). j/k move through the list.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { DETECTION_CATEGORIES, FINDING_GROUPINGS, FINDING_STATUSES, SEVERITIES, type Category, type DetectProgress, type FindingList, type FindingRecord, type FindingStatus, type Severity } from '../../../../shared/api-detect.ts';
import { ApiError } from '../../../../shared/api.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { FindingDetail } from './FindingDetail.tsx';
import { SeverityBadge, STATUS_LABEL, StatusBadge } from './badges.tsx';
import { Suppressions } from './Suppressions.tsx';
import { actorLabel, endpointLabel, groupLabel, SEVERITY_RANK } from './model.ts';
import { useFindings } from './state.ts';

/** Run detection: progress with exchanges/s and Cancel while it runs (it runs on its own thread). */
function RunButton() {
  const lastRun = useFindings((s) => s.lastRun);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<DetectProgress | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => api.on('detect.progress', setProgress), []);
  const run = async () => {
    setRunning(true);
    setProgress(null);
    setNote(null);
    try {
      useFindings.getState().set({ lastRun: await api.call('detect.run', {}) });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'cancelled') setNote('Detection cancelled: the findings of the last complete run are kept.');
      else reportError(err);
    } finally {
      setRunning(false);
    }
  };
  const pct = progress && progress.total > 0 ? Math.min(100, (100 * progress.exchanges) / progress.total) : null;
  return (
    <div className="findings-run">
      <button data-testid="detect-run" disabled={running} onClick={() => void run()} title="Run every enabled rule over the whole workspace">
        {running ? 'Running…' : 'Run detection'}
      </button>
      {running && (
        <>
          <div className="bar findings-run-bar" data-testid="detect-progress">
            <div className={pct === null ? 'indeterminate' : ''} style={{ width: pct === null ? '30%' : `${pct}%` }} />
          </div>
          {progress && (
            <span className="muted">
              {progress.exchanges.toLocaleString()} of {progress.total.toLocaleString()} · {progress.exchangesPerSecond.toLocaleString()}/s
            </span>
          )}
          <button className="ghost" data-testid="detect-cancel" onClick={() => api.call('detect.cancel', {}).catch(reportError)}>
            Cancel
          </button>
        </>
      )}
      {!running && note && (
        <span className="muted" data-testid="detect-note">
          {note}
        </span>
      )}
      {!running && !note && lastRun && (
        <span className="muted" data-testid="detect-result" title={lastRun.warning ?? undefined}>
          {lastRun.findings} finding{lastRun.findings === 1 ? '' : 's'} over {lastRun.exchanges.toLocaleString()} exchanges · {lastRun.seconds.toFixed(1)} s{lastRun.warning ? ' ⚠' : ''}
        </span>
      )}
    </div>
  );
}

function Toolbar({ list }: { list: FindingList | null }) {
  const { groupBy, status, severity, category, set } = useFindings();
  const counts = list?.counts;
  return (
    <div className="findings-toolbar">
      <RunButton />
      <div className="seg" role="group" aria-label="Group by">
        {FINDING_GROUPINGS.map((g) => (
          <button key={g} className={groupBy === g ? 'on' : 'ghost'} data-testid={`group-${g}`} onClick={() => set({ groupBy: g })}>
            {g}
          </button>
        ))}
      </div>
      <select aria-label="Status" data-testid="filter-status" value={status} onChange={(e) => set({ status: e.target.value as FindingStatus | '' })}>
        <option value="">any status</option>
        {FINDING_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABEL[s]} ({counts?.byStatus[s] ?? 0})
          </option>
        ))}
      </select>
      <select aria-label="Severity" data-testid="filter-severity" value={severity} onChange={(e) => set({ severity: e.target.value as Severity | '' })}>
        <option value="">any severity</option>
        {SEVERITIES.map((s) => (
          <option key={s} value={s}>
            {s} and above
          </option>
        ))}
      </select>
      <select aria-label="Category" data-testid="filter-category" value={category} onChange={(e) => set({ category: e.target.value as Category | '' })}>
        <option value="">any category</option>
        {(Object.keys(DETECTION_CATEGORIES) as Category[]).map((c) => (
          <option key={c} value={c}>
            {c} ({counts?.byCategory[c] ?? 0})
          </option>
        ))}
      </select>
      <Suppressions />
    </div>
  );
}

function FindingRow({ f, selected, onSelect }: { f: FindingRecord; selected: boolean; onSelect(): void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  return (
    <button ref={ref} className={`finding-row${selected ? ' on' : ''} st-${f.status}`} data-testid="finding-row" data-id={f.id} data-rule={f.rule} onClick={onSelect}>
      <SeverityBadge severity={f.severity} />
      <span className="finding-title">{f.title}</span>
      <span className="finding-sub muted">
        {actorLabel(f.actor)} · {endpointLabel(f.endpoint)} · {f.requestCount} req
      </span>
      {f.status !== 'open' && <StatusBadge status={f.status} />}
    </button>
  );
}

export function FindingsView() {
  const version = useStore((s) => s.version);
  const { groupBy, status, severity, category, selectedId, set } = useFindings();
  const [list, setList] = useState<FindingList | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());

  useEffect(() => {
    let live = true;
    api.call('findings.list', { groupBy, ...(status ? { status } : {}), ...(category ? { category } : {}) }).then(
      (l) => live && setList(l),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [version, groupBy, status, category]);

  // Severity narrows on this side: the list is small (findings, not exchanges).
  const { groups, order } = useMemo(() => {
    if (!list?.groups) return { groups: [], order: [] as FindingRecord[] };
    const byId = new Map(list.findings.filter((f) => !severity || SEVERITY_RANK[f.severity] >= SEVERITY_RANK[severity]).map((f) => [f.id, f]));
    const groups = list.groups
      .map((g) => ({ key: g.key, findings: g.findingIds.map((id) => byId.get(id)).filter((f): f is FindingRecord => f !== undefined).sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]) }))
      .filter((g) => g.findings.length > 0)
      // Worst first: a critical group outranks a crowd of low ones.
      .sort((a, b) => SEVERITY_RANK[b.findings[0].severity] - SEVERITY_RANK[a.findings[0].severity] || b.findings.length - a.findings.length);
    return { groups, order: groups.flatMap((g) => (collapsed.has(g.key) ? [] : g.findings)) };
  }, [list, severity, collapsed]);

  // Keep a selection while there are findings to show.
  useEffect(() => {
    if (order.length && (selectedId === null || !list?.findings.some((f) => f.id === selectedId))) set({ selectedId: order[0].id });
  }, [order, selectedId, list, set]);

  const listRef = useRef<HTMLDivElement>(null);
  const onKey = (e: KeyboardEvent) => {
    if (e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const i = order.findIndex((f) => f.id === selectedId);
    if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      if (order.length) set({ selectedId: order[Math.min(order.length - 1, i + 1)].id });
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (order.length) set({ selectedId: order[Math.max(0, i - 1)].id });
    }
  };

  return (
    <div className="findings-view" data-testid="findings-view" onKeyDown={onKey}>
      <Toolbar list={list} />
      <main className="findings-body">
        <div className="findings-list" ref={listRef} tabIndex={0} data-testid="findings-list" aria-label="Findings (j/k to move)">
          {list && list.counts.total > 0 && (
            <div className="findings-counts" data-testid="findings-counts">
              {list.counts.total} findings in the workspace ·{' '}
              {[...SEVERITIES].reverse().map((s) => (
                <span key={s} className={`sev-text-${s}`}>
                  {list.counts.bySeverity[s]} {s}{' '}
                </span>
              ))}
            </div>
          )}
          {list && list.counts.total === 0 && <div className="empty" data-testid="findings-empty">No findings yet. Run detection to look for abuse in this workspace.</div>}
          {list && list.counts.total > 0 && groups.length === 0 && <div className="empty">No finding matches these filters.</div>}
          {groups.map((g) => {
            const closed = collapsed.has(g.key);
            return (
              <section key={g.key} className="finding-group" data-testid="finding-group" data-key={g.key}>
                <button
                  className="finding-group-head"
                  data-testid="finding-group-head"
                  aria-expanded={!closed}
                  onClick={() => setCollapsed((c) => {
                    const next = new Set(c);
                    if (closed) next.delete(g.key);
                    else next.add(g.key);
                    return next;
                  })}
                >
                  <span className="caret">{closed ? '▸' : '▾'}</span>
                  <span className="finding-group-label">{groupLabel(g.key, groupBy)}</span>
                  {groupBy === 'category' && <span className="muted">{DETECTION_CATEGORIES[g.key as Category]}</span>}
                  <span className="finding-group-sev">
                    {[...SEVERITIES].reverse().map((s) => {
                      const n = g.findings.filter((f) => f.severity === s).length;
                      return n ? <span key={s} className={`sev-dot sev-${s}`} title={`${n} ${s}`}>{n}</span> : null;
                    })}
                  </span>
                </button>
                {!closed && g.findings.map((f) => <FindingRow key={f.id} f={f} selected={f.id === selectedId} onSelect={() => { set({ selectedId: f.id }); listRef.current?.focus(); }} />)}
              </section>
            );
          })}
        </div>
        {selectedId && list?.findings.some((f) => f.id === selectedId) ? <FindingDetail id={selectedId} /> : <div className="findings-detail empty">Select a finding.</div>}
      </main>
    </div>
  );
}
