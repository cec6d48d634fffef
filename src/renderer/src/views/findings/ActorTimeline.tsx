/**
 * One actor's activity over time: requests per time bucket (the part that is evidence of a
 * finding in red), buckets holding evidence marked by their worst severity, the selected finding's
 * buckets outlined. Plain SVG; a bucket opens its requests in the traffic view. Another actor can
 * be picked by principal or IP.
 */
import { useEffect, useMemo, useState } from 'react';
import { SEVERITIES, type ActorTimeline as Timeline, type Severity } from '../../../../shared/api-detect.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { formatTime } from '../../state/format.ts';
import { SeverityBadge } from './badges.tsx';
import { actorLabel, bucketize, formatStep, SEVERITY_RANK } from './model.ts';
import { showExchanges } from './navigate.ts';
import { useFindings } from './state.ts';

type Actor = { ip: string | null; principal: string | null };
const W = 10;
const H = 100;
const MARK = 10;

export function ActorTimeline({ actor: initial, highlight }: { actor: Actor; highlight?: string }) {
  const version = useStore((s) => s.version);
  const [actor, setActor] = useState<Actor>(initial);
  const [draft, setDraft] = useState({ principal: initial.principal ?? '', ip: initial.ip ?? '' });
  const [timeline, setTimeline] = useState<Timeline | null>(null);

  useEffect(() => {
    setActor(initial);
    setDraft({ principal: initial.principal ?? '', ip: initial.ip ?? '' });
  }, [initial.ip, initial.principal]);

  useEffect(() => {
    if (!actor.ip && !actor.principal) return setTimeline(null);
    let live = true;
    api.call('actor.timeline', { ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.principal ? { principal: actor.principal } : {}), limit: 5000 }).then(
      (t) => live && setTimeline(t),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [actor.ip, actor.principal, version]);

  const { step, buckets } = useMemo(() => bucketize(timeline?.entries ?? [], 60, highlight), [timeline, highlight]);
  const severityOf = useMemo(() => new Map((timeline?.findings ?? []).map((f) => [f.id, f.severity])), [timeline]);
  const max = Math.max(1, ...buckets.map((b) => b.requests));

  const worst = (ids: string[]): Severity | null => {
    let w: Severity | null = null;
    for (const id of ids) {
      const s = severityOf.get(id);
      if (s && (w === null || SEVERITY_RANK[s] > SEVERITY_RANK[w])) w = s;
    }
    return w;
  };

  return (
    <section className="finding-section actor-timeline" data-testid="actor-timeline">
      <h4>
        Actor timeline <span className="count">{timeline ? `${timeline.total.toLocaleString()} request${timeline.total === 1 ? '' : 's'}` : ''}</span>
      </h4>
      <form
        className="timeline-pick"
        onSubmit={(e) => {
          e.preventDefault();
          setActor({ principal: draft.principal.trim() || null, ip: draft.ip.trim() || null });
        }}
      >
        <input aria-label="principal" data-testid="timeline-principal" placeholder="principal" value={draft.principal} onChange={(e) => setDraft({ ...draft, principal: e.target.value })} />
        <input aria-label="ip" data-testid="timeline-ip" placeholder="IP" value={draft.ip} onChange={(e) => setDraft({ ...draft, ip: e.target.value })} />
        <button className="ghost" type="submit" data-testid="timeline-show">
          Show
        </button>
      </form>
      {!actor.ip && !actor.principal && <p className="muted">This finding spans many actors: pick one by principal or IP to see its activity.</p>}
      {timeline && timeline.total === 0 && <p className="muted">No requests from {actorLabel(actor)} in this workspace.</p>}
      {buckets.length > 0 && (
        <>
          <svg className="timeline-chart" data-testid="timeline-chart" viewBox={`0 0 ${buckets.length * W} ${H + MARK}`} preserveAspectRatio="none" role="img" aria-label={`Requests of ${actorLabel(actor)} per ${formatStep(step)}`}>
            {buckets.map((b, i) => {
              const h = (b.requests / max) * (H - 4);
              const fh = (b.flagged / max) * (H - 4);
              const sh = (b.selected / max) * (H - 4);
              const sev = worst(b.findingIds);
              const mine = highlight !== undefined && b.findingIds.includes(highlight);
              return (
                <g key={b.start} className="timeline-bucket" data-testid="timeline-bucket" onClick={() => b.exchangeIds.length && showExchanges(b.exchangeIds)}>
                  <title>{`${formatTime(b.start)} · ${b.requests} request${b.requests === 1 ? '' : 's'}${b.flagged ? `, ${b.flagged} evidence of ${b.findingIds.length} finding${b.findingIds.length === 1 ? '' : 's'}` : ''}${b.selected ? `, ${b.selected} of this one` : ''}`}</title>
                  <rect className="timeline-hit" x={i * W} y={0} width={W} height={H + MARK} />
                  {mine && <rect className="timeline-mine" x={i * W} y={MARK} width={W} height={H} />}
                  {sev && <rect className={`timeline-mark sev-${sev}`} data-testid="timeline-mark" x={i * W + 1} y={1} width={W - 2} height={MARK - 3} />}
                  {h > 0 && <rect className="timeline-bar" x={i * W + 1.5} y={H + MARK - h} width={W - 3} height={h} />}
                  {fh > 0 && <rect className="timeline-flagged" x={i * W + 1.5} y={H + MARK - fh} width={W - 3} height={fh} />}
                  {sh > 0 && <rect className="timeline-selected" x={i * W + 1.5} y={H + MARK - sh} width={W - 3} height={sh} />}
                </g>
              );
            })}
          </svg>
          <div className="timeline-axis muted">
            <span>{formatTime(buckets[0].start).slice(0, 19)}</span>
            <span>
              {formatStep(step)} per bar · peak {max} · <span className="legend-flagged">■</span> evidence of a finding{highlight && <> · <span className="legend-selected">■</span> of this finding</>}
            </span>
            <span>{formatTime(buckets[buckets.length - 1].end).slice(0, 19)}</span>
          </div>
          {timeline && timeline.entries.length < timeline.total && <p className="muted">Showing the first {timeline.entries.length.toLocaleString()} requests.</p>}
        </>
      )}
      {timeline && timeline.findings.length > 0 && (
        <ul className="timeline-findings" data-testid="timeline-findings">
          {[...timeline.findings]
            .sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity))
            .map((f) => (
              <li key={f.id}>
                <button className={`link${f.id === highlight ? ' on' : ''}`} onClick={() => useFindings.getState().set({ selectedId: f.id })}>
                  <SeverityBadge severity={f.severity} /> {f.title} <span className="muted mono">{f.rule}</span>
                </button>
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
