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
