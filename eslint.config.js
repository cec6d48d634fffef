// Lint rules, including the layer rules of docs/architecture: core never imports electron/react or
// the front doors; the renderer never imports Node, Electron or core; shared imports neither side.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const frontDoors = ['**/renderer/**', '**/main/**', '**/server/**', '**/cli/**', '**/preload/**'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.bench/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['electron', 'react', 'react-dom'], patterns: [{ group: frontDoors, message: 'src/core is the headless engine: it must not import a front door.' }] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['electron', 'react', 'better-sqlite3'], patterns: [{ group: ['node:*', '**/core/**', ...frontDoors], message: 'src/shared is the contract: types and validation only.' }] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['electron', 'better-sqlite3'], patterns: [{ group: ['node:*', '**/core/**', '**/main/**', '**/server/**', '**/cli/**'], message: 'The renderer reaches the engine only through the Api.' }] }],
    },
  },
  {
    files: ['bin/**/*.js', '*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
);
