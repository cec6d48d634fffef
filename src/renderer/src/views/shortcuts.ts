/** Each view's own keys by view id, listed in the keyboard reference (`?`); a view adds its entry here. */
export type Shortcut = readonly [keys: string, what: string];

export const VIEW_SHORTCUTS: Readonly<Record<string, readonly Shortcut[]>> = {
  traffic: [
    ['↑ ↓ PgUp PgDn Home End', 'Move through exchanges'],
    ['Enter', 'Open the selected exchange'],
    ['Ctrl/Cmd+F or /', 'Edit the filter'],
    ['Esc', 'Clear the filter'],
  ],
  findings: [
    ['j k (↓ ↑)', 'Next / previous finding'],
    ['o c x s', 'Mark open / confirmed / false positive / suppressed'],
    ['e', "Show the finding's requests in the traffic view"],
  ],
  rules: [['Ctrl/Cmd+Enter', 'Run the rule on this workspace'], ['Ctrl+Space', 'Complete keys and values']],
};
