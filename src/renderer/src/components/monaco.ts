/**
 * Monaco from the local package (never a CDN: the app works offline), with its workers bundled by
 * Vite. Only the editor and JSON workers are needed: every editor here is read-only or plain text.
 */
import * as monaco from 'monaco-editor';
import { loader } from '@monaco-editor/react';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';

self.MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    return label === 'json' ? new JsonWorker() : new EditorWorker();
  },
};
loader.config({ monaco });

monaco.editor.defineTheme('cartograph', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#14171c', 'editorGutter.background': '#14171c' },
});

export const READ_ONLY_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  readOnly: true,
  domReadOnly: true,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  wordWrap: 'on',
  fontSize: 12,
  lineNumbersMinChars: 3,
  renderLineHighlight: 'none',
  automaticLayout: true,
  editContext: false,
  folding: true,
  contextmenu: false,
};

/** The base of every editable editor (rules, policy, spec, replay). */
export const EDITABLE_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  fontSize: 12,
  lineNumbersMinChars: 3,
  automaticLayout: true,
  editContext: false,
  tabSize: 2,
  insertSpaces: true,
};

/** YAML documents completed from a schema (rule packs, policies): suggestions inside strings too. */
export const SCHEMA_YAML_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  ...EDITABLE_OPTIONS,
  quickSuggestions: { other: true, strings: true, comments: false },
};
