/** Each view's own keys by view id, listed in the keyboard reference (`?`); a view adds its entry here. */
export type Shortcut = readonly [keys: string, what: string];

export const VIEW_SHORTCUTS: Readonly<Record<string, readonly Shortcut[]>> = {
  traffic: [
    ['↑ ↓ PgUp PgDn Home End', 'Move through exchanges'],
    ['Enter', 'Open the selected exchange'],
    ['Ctrl/Cmd+F or /', 'Edit the filter'],
    ['Esc', 'Clear the filter'],
  ],
};
