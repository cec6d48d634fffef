/** The keyboard reference (`?` or F1): global keys, then each view's own, from the views registry. */
import { VIEWS } from '../views/index.ts';
import { VIEW_SHORTCUTS, type Shortcut } from '../views/shortcuts.ts';

const GLOBAL_SHORTCUTS: readonly Shortcut[] = [
  ['Ctrl/Cmd+I', 'Import captures and logs'],
  [`Alt+1…${VIEWS.length}`, `Switch view (${VIEWS.map((v) => v.label).join(', ')})`],
  ['? or F1', 'This reference'],
  ['Esc', 'Close a dialog'],
];

export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  const sections = [{ title: 'Everywhere', keys: GLOBAL_SHORTCUTS }, ...VIEWS.filter((v) => VIEW_SHORTCUTS[v.id]?.length).map((v) => ({ title: v.label, keys: VIEW_SHORTCUTS[v.id] ?? [] }))];
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal shortcuts" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-help" onClick={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        {sections.map((s) => (
          <section key={s.title}>
            <h4>{s.title}</h4>
            <dl>
              {s.keys.map(([keys, what]) => (
                <div key={keys}>
                  <dt>
                    <kbd>{keys}</kbd>
                  </dt>
                  <dd>{what}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <div className="modal-actions">
          <button type="button" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
