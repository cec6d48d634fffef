/** The workspace's suppressions: what each one silences, its note, and a way to lift it. */
import { useEffect, useState } from 'react';
import type { SuppressionInfo } from '../../../../shared/api-detect.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';

function describe(s: SuppressionInfo): string {
  const parts = [s.rule && `rule ${s.rule}`, s.actor && `actor ${s.actor}`, (s.host || s.path) && `${s.method ?? ''} ${s.host ?? ''}${s.path ?? ''}`.trim()].filter(Boolean);
  return parts.join(' · ');
}

export function Suppressions() {
  const version = useStore((s) => s.version);
  const [list, setList] = useState<SuppressionInfo[]>([]);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    let live = true;
    api.call('suppressions.list', {}).then(
      (l) => live && setList(l),
      (err: unknown) => live && reportError(err),
    );
    return () => {
      live = false;
    };
  }, [version]);

  const remove = async (id: number) => {
    try {
      await api.call('suppressions.remove', { id });
    } catch (err) {
      reportError(err);
    }
  };

  return (
    <div className="suppressions">
      <button className="ghost" data-testid="suppressions-button" aria-expanded={open} onClick={() => setOpen(!open)} title="Rules that mark similar findings suppressed, now and in later runs">
        Suppressions <span className="count">{list.length}</span>
      </button>
      {open && (
        <div className="suppressions-panel" data-testid="suppressions-panel">
          {list.length === 0 && <p className="muted">None. “Suppress similar” on a finding adds one.</p>}
          <ul>
            {list.map((s) => (
              <li key={s.id} data-testid="suppression">
                <span className="mono">{describe(s)}</span>
                {s.note && <span className="muted"> — {s.note}</span>}
                <button className="link" data-testid="suppression-remove" onClick={() => void remove(s.id)}>
                  remove
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
