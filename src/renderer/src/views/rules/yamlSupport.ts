/**
 * The rule editor's YAML smarts without monaco-yaml: the text is parsed with `yaml` and checked
 * against the published rule-pack schema (schemaCheck.ts), problems become Monaco markers on the
 * exact key or value; completion offers the property names that fit where the cursor is and the
 * allowed values of enum-valued keys, all read from the schema.
 */
import * as monaco from 'monaco-editor';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { RuleTestError } from '../../../../shared/api-detect.ts';
import { SchemaChecker, schemaHints, type JsonSchema, type Path, type SchemaHints } from './schemaCheck.ts';
import { enclosingKeys } from './yamlContext.ts';
import { propertyItems, valueItems, yamlCursor } from './yamlCompletion.ts';

export const MARKER_OWNER = 'cartograph-rules';
/** The rule editor's model path: completion only serves this model, not every YAML editor. */
export const RULE_MODEL_PATH = 'cartograph-rules/draft.yaml';

type Range = [number, number];

/** Source offsets of the node at `path` (its key when `atKey`, or when it is a mapping/list). */
function locate(doc: ReturnType<typeof parseDocument>, path: Path, atKey: boolean, textLength: number): Range {
  let node: unknown = doc.contents;
  let keyRange: Range | null = null;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      keyRange = isScalar(pair.key) && pair.key.range ? [pair.key.range[0], pair.key.range[1]] : keyRange;
      if (i === path.length - 1 && atKey) return keyRange ?? [0, 1];
      node = pair.value;
      if (!node) return keyRange ?? [0, 1];
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      keyRange = null;
    } else break;
  }
  if (isScalar(node) && node.range) return [node.range[0], node.range[1]];
  if (keyRange) return keyRange;
  // A whole mapping or list without a key of its own (the root, a list item): its first line.
  const r = (node as { range?: number[] } | null)?.range;
  if (r) return [r[0], Math.min(r[1], r[0] + 1)];
  return [0, Math.min(1, textLength)];
}

function marker(model: monaco.editor.ITextModel, [from, to]: Range, message: string, severity = monaco.MarkerSeverity.Error): monaco.editor.IMarkerData {
  const a = model.getPositionAt(from);
  const b = model.getPositionAt(Math.max(to, from + 1));
  return { severity, message, startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column };
}

/** Checks the model's text; sets and returns its markers. */
export function validateModel(model: monaco.editor.ITextModel, checker: SchemaChecker | null): monaco.editor.IMarkerData[] {
  const text = model.getValue();
  const markers: monaco.editor.IMarkerData[] = [];
  if (text.trim()) {
    const doc = parseDocument(text, { prettyErrors: false });
    for (const e of [...doc.errors, ...doc.warnings]) markers.push(marker(model, [e.pos[0], e.pos[1]], e.message.split('\n')[0], doc.errors.includes(e) ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning));
    if (doc.errors.length === 0 && checker) {
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        markers.push(marker(model, [0, 1], err instanceof Error ? err.message : String(err)));
      }
      if (value !== undefined) for (const issue of checker.check(value)) markers.push(marker(model, locate(doc, issue.path, issue.atKey ?? false, text.length), issue.message));
    }
  }
  monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
  return markers;
}

/** Adds the engine's errors (from "Run") to the model's markers, on the field they name. */
export function markEngineErrors(model: monaco.editor.ITextModel, errors: readonly RuleTestError[]): void {
  const text = model.getValue();
  const doc = parseDocument(text, { prettyErrors: false });
  const value = doc.errors.length ? null : (doc.toJS({ maxAliasCount: 100 }) as unknown);
  const rules = value && typeof value === 'object' && Array.isArray((value as { rules?: unknown }).rules) ? ((value as { rules: { id?: unknown }[] }).rules) : null;
  const markers = errors.map((e) => {
    const inRule: Path = (e.field ?? '').split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
    const index = rules && e.rule ? rules.findIndex((r) => r && r.id === e.rule) : -1;
    const path = rules ? (index >= 0 ? ['rules', index, ...inRule] : ['rules']) : inRule;
    return marker(model, locate(doc, path, false, text.length), e.message);
  });
  monaco.editor.setModelMarkers(model, MARKER_OWNER, [...monaco.editor.getModelMarkers({ owner: MARKER_OWNER, resource: model.uri }), ...markers]);
}

let registered = false;
let hints: SchemaHints | null = null;

/** Registers completion for YAML models once; later calls only refresh the schema hints. */
export function registerRuleCompletion(schema: JsonSchema): void {
  hints = schemaHints(schema);
  if (registered) return;
  registered = true;
  monaco.languages.registerCompletionItemProvider('yaml', {
    triggerCharacters: [' ', ':', '-'],
    provideCompletionItems(model, position) {
      if (!hints || !model.uri.toString().includes(RULE_MODEL_PATH)) return { suggestions: [] };
      const h = hints;
      const cursor = yamlCursor(model, position);
      const { before } = cursor;
      // After `key: ` (or inside `key: [a, `): the key's allowed values.
      const valueOf = /^\s*(?:- )?([A-Za-z0-9_]+):\s*\[?(?:[^\]]*,\s*)?[\w.-]*$/.exec(before);
      if (valueOf) return { suggestions: valueItems(h.values[valueOf[1]] ?? [], cursor, valueOf[1]) };
      // A list item under an enum-valued list key (`targets:` then `- path`).
      const { keys, inList } = enclosingKeys(cursor.lines, position.lineNumber);
      const parent = keys[keys.length - 1];
      if (/^\s*- [\w.-]*$/.test(before) && parent && h.values[parent]) return { suggestions: valueItems(h.values[parent], cursor, parent) };
      if (!/^\s*(?:- )?[\w]*$/.test(before)) return { suggestions: [] };
      // Property names for where the cursor is: a rule, a predicate, or a nested object.
      let props: string[];
      let detail: string;
      if (parent === undefined || (parent === 'rules' && inList)) [props, detail] = [parent === undefined ? [...h.props.rule, ...h.props.pack.filter((p) => !h.props.rule.includes(p))] : h.props.rule, 'rule'];
      else if (h.predicateKeys.includes(parent)) [props, detail] = [h.props.predicate, 'predicate'];
      else if (h.props[parent]) [props, detail] = [h.props[parent], parent];
      else [props, detail] = [[], ''];
      return { suggestions: propertyItems(props, cursor, detail, { nested: (p) => h.predicateKeys.includes(p) || Boolean(h.props[p]), hasValues: (p) => Boolean(h.values[p]) }) };
    },
  });
}

export { SchemaChecker };
