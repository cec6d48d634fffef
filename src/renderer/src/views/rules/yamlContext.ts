/**
 * Where the cursor is in a YAML rule, read from indentation alone (the text being typed is often
 * not valid YAML yet): the keys enclosing a line and the keys its mapping already has.
 */

/** Where a line's keys start: its indentation, plus two for a list dash. */
function keyColumn(l: string): { col: number; dash: boolean; key: string | undefined } {
  const m = /^(\s*)(- )?(?:([A-Za-z0-9_.-]+):(?:\s|$))?/.exec(l)!;
  return { col: m[1].length + (m[2] ? 2 : 0), dash: Boolean(m[2]), key: m[3] };
}

const skip = (l: string): boolean => !l.trim() || l.trimStart().startsWith('#');

/** The YAML keys enclosing `line` (1-based), outermost first, read from indentation; `inList` when its mapping is a list item. */
export function enclosingKeys(lines: readonly string[], line: number): { keys: string[]; inList: boolean } {
  let { col, dash: inList } = keyColumn(lines[line - 1] ?? '');
  const keys: string[] = [];
  for (let i = line - 2; i >= 0 && col > 0; i--) {
    if (skip(lines[i])) continue;
    const k = keyColumn(lines[i]);
    if (k.col >= col) {
      if (k.dash && k.col === col && keys.length === 0) inList = true;
      continue;
    }
    if (k.key && /:\s*(#.*)?$/.test(lines[i])) keys.unshift(k.key);
    col = k.col;
  }
  return { keys, inList };
}

/** Keys already in the mapping whose keys start at column `col` around `line` (1-based). */
export function siblingKeys(lines: readonly string[], line: number, col: number): Set<string> {
  const keys = new Set<string>();
  const walk = (from: number, step: 1 | -1) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      if (skip(lines[i])) continue;
      const k = keyColumn(lines[i]);
      if (k.col < col || (step === 1 && k.dash && k.col === col)) return;
      if (k.col === col && k.key) keys.add(k.key);
      if (k.dash && k.col === col) return; // the item's first line: its mapping starts here
    }
  };
  // A cursor on a new list item has no siblings above it.
  if (!keyColumn(lines[line - 1] ?? '').dash) walk(line - 2, -1);
  walk(line, 1);
  return keys;
}
