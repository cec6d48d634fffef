/**
 * The filter language input: checked as you type (error and a caret under the column), applied on
 * Enter, with a history of recent filters. Ctrl/Cmd+F or "/" focuses it; Esc clears it.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import { useStore } from '../../state/store.ts';

export function FilterBar() {
  const applied = useStore((s) => s.filter);
  const error = useStore((s) => s.filterError);
  const history = useStore((s) => s.filterHistory);
  const applyFilter = useStore((s) => s.applyFilter);
  const setFilterError = useStore((s) => s.setFilterError);
  const [draft, setDraft] = useState(applied);
  const input = useRef<HTMLInputElement>(null);
  const seq = useRef(0);
  // Another view may set the filter (showTraffic): show it in the box.
  useEffect(() => setDraft(applied), [applied]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      const typing = target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable;
      if (((e.ctrlKey || e.metaKey) && e.key === 'f') || (e.key === '/' && !typing)) {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Check as the user types (debounced); the error shows without applying anything.
  useEffect(() => {
    const id = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const r = await api.call('filter.check', { expr: draft });
        if (id === seq.current) setFilterError(r.ok ? null : { message: r.message, column: r.column });
      } catch {
        // The check is advisory; applying reports real errors.
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [draft, setFilterError]);

  const apply = async (expr: string) => {
    const r = await api.call('filter.check', { expr });
    seq.current++;
    if (!r.ok) setFilterError({ message: r.message, column: r.column });
    else applyFilter(expr);
  };

  return (
    <div className="filter-bar">
      <span className="filter-label">Filter</span>
      <div className="filter-field">
        <input
          ref={input}
          data-testid="filter-input"
          className={error ? 'invalid' : ''}
          value={draft}
          spellCheck={false}
          list="filter-history"
          placeholder='e.g.  status >= 400 and host ~ "api\."   ·   path contains /admin   ·   resp.body contains password'
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void apply(draft);
            if (e.key === 'Escape') {
              setDraft('');
              void apply('');
              input.current?.blur();
            }
          }}
        />
        <datalist id="filter-history">
          {history.map((h) => (
            <option key={h} value={h} />
          ))}
        </datalist>
        {error && (
          <div className="filter-error" data-testid="filter-error" role="status">
            <pre className="filter-caret">
              {draft}
              {'\n'}
              {' '.repeat(Math.max(0, error.column - 1))}^
            </pre>
            <span>
              column {error.column}: {error.message}
            </span>
          </div>
        )}
      </div>
      {applied && (
        <button
          className="ghost"
          data-testid="filter-clear"
          onClick={() => {
            setDraft('');
            void apply('');
          }}
        >
          Clear
        </button>
      )}
    </div>
  );
}
