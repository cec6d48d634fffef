/**
 * The pieces both schema-driven YAML editors (rules, policy) complete with: where the cursor is,
 * enum values for a key, and the property names still missing from the current mapping.
 */
import * as monaco from 'monaco-editor';
import { siblingKeys } from './yamlContext.ts';

export interface YamlCursor {
  lines: string[];
  /** The text of the cursor's line before the cursor. */
  before: string;
  /** The word being typed: what a suggestion replaces. */
  range: monaco.Range;
  /** Where keys of the cursor's mapping start (indentation plus a list dash). */
  indent: number;
  /** Keys the cursor's mapping already has. */
  present: Set<string>;
}

export function yamlCursor(model: monaco.editor.ITextModel, position: monaco.Position): YamlCursor {
  const lines = model.getLinesContent();
  const line = lines[position.lineNumber - 1] ?? '';
  const word = model.getWordUntilPosition(position);
  const indent = /^(\s*)(- )?/.exec(line)![0].length;
  return {
    lines,
    before: line.slice(0, position.column - 1),
    range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
    indent,
    present: siblingKeys(lines, position.lineNumber, indent),
  };
}

export function valueItems(values: readonly string[], cursor: YamlCursor, detail: string): monaco.languages.CompletionItem[] {
  return values.map((v) => ({ label: v, kind: monaco.languages.CompletionItemKind.EnumMember, insertText: v, range: cursor.range, detail }));
}

/** Property names not yet present; nested ones open an indented block, enum-valued ones re-trigger suggest for their values. */
export function propertyItems(props: readonly string[], cursor: YamlCursor, detail: string, opts: { nested(p: string): boolean; hasValues(p: string): boolean }): monaco.languages.CompletionItem[] {
  return props
    .filter((p) => !cursor.present.has(p))
    .map((p) => ({
      label: p,
      kind: monaco.languages.CompletionItemKind.Property,
      insertText: opts.nested(p) ? `${p}:\n${' '.repeat(cursor.indent + 2)}` : `${p}: `,
      range: cursor.range,
      detail,
      command: opts.hasValues(p) ? { id: 'editor.action.triggerSuggest', title: 'values' } : undefined,
    }));
}
