/**
 * "Explain" for the traffic view's selected exchange: what every detection rule made of it —
 * which matched (and the finding they made), which looked at it and why they did not fire, and how
 * many rules are not about this kind of request at all.
 */
import { useEffect, useState } from 'react';
import type { RuleExplanationInfo } from '../../../../shared/api-detect.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { useFindings } from './state.ts';

export function Explain({ exchangeId }: { exchangeId: number }) {
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<RuleExplanationInfo[] | null>(null);

  useEffect(() => {
    setRows(null);
    if (!open) return;
    let live = true;
    api.call('detect.explain', { exchangeId }).then(
      (r) => live && setRows(r),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [exchangeId, open]);

  const matched = rows?.filter((r) => r.matched) ?? [];
  const looked = rows?.filter((r) => r.lookedAt && !r.matched) ?? [];
  const ignored = rows ? rows.length - matched.length - looked.length : 0;
  const openFinding = (id: string) => {
    useFindings.getState().set({ selectedId: id, status: '', severity: '', category: '' });
    useStore.getState().setView('findings');
  };

  return (
    <div className="explain" data-testid="explain">
      <button className="ghost small" data-testid="explain-button" aria-expanded={open} title="What the detection rules made of this exchange" onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} Explain detection
      </button>
      {open && !rows && <span className="muted"> asking the rules…</span>}
      {open && rows && (
        <div className="explain-body" data-testid="explain-body">
          <p className="muted">
            {matched.length} rule{matched.length === 1 ? '' : 's'} matched · {looked.length} looked and did not fire · {ignored} not about this kind of request
          </p>
          <ul>
            {matched.map((r) => (
              <li key={r.rule} className="explain-matched" data-testid="explain-matched">
                <span className="mono">{r.rule}</span> <span className="muted">{r.category}</span> — {r.reason}
                {r.findingId && (
                  <button className="link" data-testid="explain-finding" onClick={() => openFinding(r.findingId!)}>
                    open finding
                  </button>
                )}
              </li>
            ))}
            {looked.map((r) => (
              <li key={r.rule} className="explain-looked" data-testid="explain-looked">
                <span className="mono">{r.rule}</span> <span className="muted">— {r.reason}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
