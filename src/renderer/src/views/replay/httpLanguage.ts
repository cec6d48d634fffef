/**
 * Syntax highlighting for raw HTTP requests in Monaco: request line, header names and values,
 * {{variables}}, and a JSON-ish body. Registered once, when the replay view is first loaded.
 */
import * as monaco from 'monaco-editor';

export const HTTP_LANGUAGE = 'http-request';

let registered = false;

export function registerHttpLanguage(): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: HTTP_LANGUAGE });
  // Token names the inherited vs-dark theme already colours, so every editor theme shows them.
  monaco.languages.setMonarchTokensProvider(HTTP_LANGUAGE, {
    defaultToken: '',
    tokenizer: {
      root: [
        [/^([A-Za-z]+)(\s+)(\S*)(.*)$/, ['keyword', '', 'attribute.value', { token: 'number', next: '@headers' }]],
        [/^.*$/, { token: 'invalid', next: '@headers' }],
      ],
      headers: [
        [/^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(:)/, ['attribute.name', 'delimiter']],
        // A line that is not a header starts the body (the blank line before it has no tokens).
        [/^.+/, { token: '@rematch', next: '@body' }],
        [/\{\{[^}]*\}\}/, 'type'],
        [/[^{]+/, 'string'],
        [/\{/, 'string'],
      ],
      body: [
        [/\{\{[^}]*\}\}/, 'type'],
        [/"(?:[^"\\{]|\\.)*"(?=\s*:)/, 'attribute.name'],
        [/"/, 'string', '@string'],
        [/-?\d+(\.\d+)?([eE][+-]?\d+)?/, 'number'],
        [/\b(true|false|null)\b/, 'keyword'],
      ],
      // Strings are walked piece by piece so a {{variable}} inside one still stands out.
      string: [
        [/\{\{[^}]*\}\}/, 'type'],
        [/[^"\\{]+/, 'string'],
        [/\\./, 'string.escape'],
        [/\{/, 'string'],
        [/"/, 'string', '@pop'],
      ],
    },
  });
}
