/**
 * Completion for the policy editor from the policy JSON Schema (no monaco-yaml): property names
 * that fit where the cursor is (the document, a rule, or a nested object such as scope, source,
 * an endpoint or an operation) and the allowed values of enum-valued keys. Validation markers
 * come from the engine (policy.validate), which knows more than the schema.
 */
import * as monaco from 'monaco-editor';
import type { PolicyProblemInfo } from '../../../../shared/api-policy.ts';
import { enclosingKeys } from '../rules/yamlContext.ts';
import { propertyItems, valueItems, yamlCursor } from '../rules/yamlCompletion.ts';

export const POLICY_MODEL_PATH = 'cartograph-policy/policy.yaml';
export const POLICY_MARKER_OWNER = 'cartograph-policy';

type Schema = { [k: string]: unknown };

export interface PolicyHints {
  /** Property names by context: 'root', 'rule', or the name of the key holding a nested object. */
  props: Record<string, string[]>;
  /** Allowed values by property name. */
  values: Record<string, string[]>;
}

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

export function policyHints(root: Schema): PolicyHints {
  const defs = (isObject(root.definitions) ? root.definitions : {}) as Record<string, Schema>;
  const resolve = (s: unknown): Schema => {
    let r = isObject(s) ? s : {};
    for (let i = 0; i < 10 && typeof r.$ref === 'string'; i++) r = defs[(r.$ref as string).replace('#/definitions/', '')] ?? {};
    return r;
  };
  const element = (s: unknown): Schema => {
    const r = resolve(s);
    return r.type === 'array' ? resolve(r.items) : r;
  };
  const hints: PolicyHints = { props: { root: [], rule: [] }, values: {} };
  const seen = new Set<Schema>();
  const walk = (context: string, s: Schema) => {
    if (seen.has(s)) return;
    seen.add(s);
    const props = isObject(s.properties) ? (s.properties as Record<string, unknown>) : {};
    hints.props[context] = [...new Set([...(hints.props[context] ?? []), ...Object.keys(props)])];
    for (const [name, sub] of Object.entries(props)) {
      const e = element(sub);
      if (Array.isArray(e.enum)) hints.values[name] = [...new Set([...(hints.values[name] ?? []), ...e.enum.map(String)])];
      if (e.type === 'boolean') hints.values[name] = ['true', 'false'];
      if (isObject(e.properties)) walk(name === 'rules' ? 'rule' : name, e);
    }
  };
  walk('root', root);
  return hints;
}

let hints: PolicyHints | null = null;
let registered = false;

export function registerPolicyCompletion(schema: Schema): void {
  hints = policyHints(schema);
  if (registered) return;
  registered = true;
  monaco.languages.registerCompletionItemProvider('yaml', {
    triggerCharacters: [' ', ':', '-'],
    provideCompletionItems(model, position) {
      if (!hints || !model.uri.toString().includes(POLICY_MODEL_PATH)) return { suggestions: [] };
      const h = hints;
      const cursor = yamlCursor(model, position);
      const { before } = cursor;
      // After `key: ` or inside `key: [a, `: the key's allowed values.
      const valueOf = /^\s*(?:- )?\{?\s*(?:[\w-]+:\s*[^,]*,\s*)*([\w-]+):\s*\[?(?:[^\]]*,\s*)?[\w.-]*$/.exec(before);
      if (valueOf) return { suggestions: valueItems(h.values[valueOf[1]] ?? [], cursor, valueOf[1]) };
      const { keys, inList } = enclosingKeys(cursor.lines, position.lineNumber);
      const parent = keys[keys.length - 1];
      if (/^\s*- [\w.-]*$/.test(before) && parent && h.values[parent]) return { suggestions: valueItems(h.values[parent], cursor, parent) };
      if (!/^\s*(?:- )?[\w-]*$/.test(before)) return { suggestions: [] };
      const context = parent === undefined ? 'root' : parent === 'rules' && inList ? 'rule' : parent;
      return { suggestions: propertyItems(h.props[context] ?? [], cursor, context, { nested: (p) => Boolean(h.props[p]), hasValues: (p) => Boolean(h.values[p]) }) };
    },
  });
}

/** The engine's problems as markers on the model (an empty list clears them). */
export function setPolicyMarkers(model: monaco.editor.ITextModel, problems: readonly PolicyProblemInfo[]): void {
  monaco.editor.setModelMarkers(
    model,
    POLICY_MARKER_OWNER,
    problems.map((p) => ({
      severity: monaco.MarkerSeverity.Error,
      message: p.message.replace(/^policy: /, ''),
      startLineNumber: p.line,
      startColumn: p.column,
      endLineNumber: p.endLine,
      endColumn: Math.max(p.endColumn, p.endLine === p.line ? p.column + 1 : p.endColumn),
    })),
  );
}
