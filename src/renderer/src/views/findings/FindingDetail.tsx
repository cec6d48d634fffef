/**
 * One finding: what it means (the engine's explanation and the rule's doc), who and where, when,
 * how sure; its evidence requests (each opens in the traffic view); the analyst's verdict with a
 * note; suppressions for similar findings (by actor, endpoint or rule) that later runs respect;
 * and the actor's timeline.
 */
import { useEffect, useState } from 'react';
import type { FindingDetail as Detail, FindingStatus } from '../../../../shared/api-detect.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { formatTime, statusClass } from '../../state/format.ts';
import { ActorTimeline } from './ActorTimeline.tsx';
import { Markdown } from './Markdown.tsx';
import { SeverityBadge, StatusBadge } from './badges.tsx';
import { actorLabel, endpointLabel } from './model.ts';
import { showExchanges } from './navigate.ts';

const TRIAGE: { status: FindingStatus; label: string; key: string }[] = [
  { status: 'open', label: 'Open', key: 'o' },
  { status: 'confirmed', label: 'Confirmed', key: 'c' },
  { status: 'false-positive', label: 'False positive', key: 'x' },
  { status: 'suppressed', label: 'Suppressed', key: 's' },
];

export function FindingDetail({ id }: { id: string }) {
  const version = useStore((s) => s.version);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [note, setNote] = useState('');

  useEffect(() => {
    let live = true;
    api.call('findings.get', { id }).then(
      (d) => {
        if (!live) return;
        setDetail(d);
        setNote(d.finding.note ?? '');
      },
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [id, version]);

  const triage = async (status: FindingStatus) => {
    try {
      const finding = await api.call('findings.triage', { id, status, ...(note.trim() ? { note } : {}) });
      setDetail((d) => (d ? { ...d, finding } : d));
    } catch (err) {
      reportError(err);
    }
  };

  // Triage keys while the findings view has focus (not while typing the note).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey || !(t instanceof HTMLElement) || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable) return;
      if (!t.closest('[data-testid="findings-view"]')) return;
      const hit = TRIAGE.find((x) => x.key === e.key);
      if (hit) void triage(hit.status);
      else if (e.key === 'e' && detail) showExchanges(detail.finding.requestIds);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (!detail || detail.finding.id !== id) return <div className="findings-detail" data-testid="finding-detail" />;
  const f = detail.finding;
  const actor = f.actor.principal ?? f.actor.ip;
  const wholeHost = f.endpoint.method === '*' && f.endpoint.path === '*';

  const suppress = async (by: 'actor' | 'endpoint' | 'rule') => {
    const input =
      by === 'actor' ? { actor: actor! } : by === 'rule' ? { rule: f.rule } : wholeHost ? { host: f.endpoint.host } : { host: f.endpoint.host, method: f.endpoint.method, path: f.endpoint.path };
    try {
      await api.call('suppressions.add', { ...input, ...(note.trim() ? { note } : {}) });
      useStore.getState().toast('info', `Suppressed findings ${by === 'actor' ? `of ${actor}` : by === 'rule' ? `of rule ${f.rule}` : `on ${endpointLabel(f.endpoint)}`}; later runs keep them suppressed.`);
    } catch (err) {
      reportError(err);
    }
  };

  return (
    <aside className="findings-detail" data-testid="finding-detail" data-id={f.id}>
      <header className="finding-head">
        <div className="finding-head-line">
          <SeverityBadge severity={f.severity} />
          <h3 data-testid="finding-title">{f.title}</h3>
          <StatusBadge status={f.status} />
        </div>
        <p className="finding-evidence" data-testid="finding-explanation">{f.evidence}</p>
        <dl className="finding-facts">
          <dt>actor</dt>
          <dd data-testid="finding-actor">{actorLabel(f.actor)}</dd>
          <dt>endpoint</dt>
          <dd className="mono">{endpointLabel(f.endpoint)}</dd>
          <dt>seen</dt>
          <dd>
            {formatTime(Date.parse(f.firstSeen))} → {formatTime(Date.parse(f.lastSeen))}
          </dd>
          <dt>rule</dt>
          <dd className="mono">
            {f.rule} · {f.category} · {f.owasp}
          </dd>
          <dt>severity</dt>
          <dd>
            {f.severity} · confidence {Math.round(f.confidence * 100)}%
          </dd>
        </dl>
      </header>

      <section className="finding-section triage" data-testid="triage">
        <h4>Verdict</h4>
        <div className="seg">
          {TRIAGE.map((t) => (
            <button key={t.status} className={f.status === t.status ? 'on' : 'ghost'} data-testid={`triage-${t.status}`} title={`${t.label} (${t.key})`} onClick={() => void triage(t.status)}>
              {t.label}
            </button>
          ))}
        </div>
        <textarea data-testid="triage-note" placeholder="Note (saved with the verdict or suppression)" value={note} onChange={(e) => setNote(e.target.value)} />
        <div className="finding-suppress">
          <span className="muted">Suppress similar:</span>
          <button className="ghost" data-testid="suppress-actor" disabled={!actor} title={actor ? `Every finding of ${actor}` : 'This finding has no single actor'} onClick={() => void suppress('actor')}>
            by actor
          </button>
          <button className="ghost" data-testid="suppress-endpoint" onClick={() => void suppress('endpoint')} title={`Every finding on ${endpointLabel(f.endpoint)}`}>
            by endpoint
          </button>
          <button className="ghost" data-testid="suppress-rule" onClick={() => void suppress('rule')} title={`Every finding of ${f.rule}`}>
            by rule
          </button>
        </div>
      </section>

      <section className="finding-section" data-testid="evidence">
        <h4>
          Evidence <span className="count">{detail.evidence.length} request{detail.evidence.length === 1 ? '' : 's'}</span>
          <button className="ghost small" data-testid="show-in-traffic" title="Open these requests in the traffic view (e)" onClick={() => showExchanges(f.requestIds)}>
            Show in traffic
          </button>
        </h4>
        <ol className="evidence-list">
          {detail.evidence.slice(0, 500).map((e) => (
            <li key={e.id}>
              <button className="evidence-row" data-testid="evidence-row" data-id={e.id} onClick={() => showExchanges([e.id])}>
                <span className="muted mono">#{e.id}</span>
                <span className="muted mono">{formatTime(e.time).slice(11)}</span>
                <span className={`method m-${e.method.toLowerCase()}`}>{e.method}</span>
                <span className="mono evidence-path">
                  {e.path}
                  <span className="query">{e.query}</span>
                </span>
                <span className={statusClass(e.status)}>{e.status ?? '—'}</span>
                <span className="muted">{e.principal ?? e.ip ?? ''}</span>
              </button>
            </li>
          ))}
        </ol>
        {detail.evidence.length > 500 && <p className="muted">…and {detail.evidence.length - 500} more (Show in traffic lists them all).</p>}
      </section>

      <ActorTimeline actor={f.actor} highlight={f.id} />

      {detail.rule?.doc && (
        <section className="finding-section">
          <h4>About this rule</h4>
          <Markdown text={detail.rule.doc} testid="finding-rule-doc" />
        </section>
      )}
    </aside>
  );
}
