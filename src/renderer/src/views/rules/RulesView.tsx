/**
 * Rules: the built-in rule pack with each rule's explanation, and an editor for writing a rule in
 * YAML — checked against the published rule-pack schema while typing, completed from it — that
 * runs on this workspace in seconds ("Run", Ctrl/Cmd+Enter) and lists what it would find, each
 * match one click from its requests in the traffic view.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import Editor, { type OnMount } from '@monaco-editor/react';
import type * as monaco from 'monaco-editor';
import type { RuleInfo, RuleTestResult } from '../../../../shared/api-detect.ts';
import { api } from '../../api/client.ts';
import { reportError } from '../../state/store.ts';
import { SCHEMA_YAML_OPTIONS } from '../../components/monaco.ts';
import { SeverityBadge } from '../findings/badges.tsx';
import { Markdown } from '../findings/Markdown.tsx';
import { actorLabel, endpointLabel } from '../findings/model.ts';
import { showExchanges } from '../findings/navigate.ts';
import type { JsonSchema } from './schemaCheck.ts';
import { markEngineErrors, registerRuleCompletion, RULE_MODEL_PATH, SchemaChecker, validateModel } from './yamlSupport.ts';

const DRAFT_KEY = 'cartograph.ruleDraft';

const STARTER = `# A rule of your own: edit it, then Run (Ctrl/Cmd+Enter) to see what it finds here.
id: custom.admin-path-probe
kind: match
category: bfla
title: Requests to admin routes
severity: medium
confidence: 0.6
evidence: "{count} request(s) from {actor} to {endpoint} reached an admin route."
match:
  all:
    - field: path
      contains: /admin
    - field: status
      lt: 400
`;

const EDITOR_OPTIONS = { ...SCHEMA_YAML_OPTIONS, fixedOverflowWidgets: true };

function RuleList({ rules, selected, onSelect }: { rules: RuleInfo[]; selected: string | null; onSelect(id: string): void }) {
  const [q, setQ] = useState('');
  const shown = rules.filter((r) => !q || `${r.id} ${r.title} ${r.category}`.toLowerCase().includes(q.toLowerCase()));
  return (
    <div className="rules-list" data-testid="rules-list">
      <input placeholder={`Search ${rules.length} built-in rules`} value={q} onChange={(e) => setQ(e.target.value)} data-testid="rules-search" />
      <ul>
        {shown.map((r) => (
          <li key={r.id}>
            <button className={`rule-item${r.id === selected ? ' on' : ''}${r.enabled ? '' : ' disabled'}`} data-testid="rule-item" data-id={r.id} onClick={() => onSelect(r.id)}>
              <SeverityBadge severity={r.severity} />
              <span className="rule-item-title">{r.title}</span>
              <span className="muted mono rule-item-id">
                {r.id}
                {r.enabled ? '' : ' · off'}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Results({ result }: { result: RuleTestResult }) {
  if (!result.ok) {
    return (
      <div className="rules-results" data-testid="rule-errors">
        <h4 className="error">The engine refused the rule</h4>
        <ul className="rule-errors">
          {result.errors.map((e, i) => (
            <li key={i}>
              {e.rule && <span className="mono">{e.rule} </span>}
              {e.field && <span className="mono muted">{e.field}: </span>}
              {e.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div className="rules-results" data-testid="rule-results">
      <p data-testid="rule-results-summary">
        <strong>{result.total}</strong> finding{result.total === 1 ? '' : 's'} from {result.rules.join(', ')} over {result.exchanges.toLocaleString()} exchanges in {result.seconds.toFixed(2)} s
        {result.truncated && <span className="warn"> · stopped early: only part of the workspace was tried</span>}
      </p>
      {result.total > result.matches.length && <p className="muted">Showing the first {result.matches.length}.</p>}
      <ol className="rule-matches">
        {result.matches.map((m) => (
          <li key={m.id}>
            <button className="rule-match" data-testid="rule-match" title="Show its requests in the traffic view" onClick={() => showExchanges(m.requestIds)}>
              <span className="rule-match-line">
                <SeverityBadge severity={m.severity} /> <strong>{m.title}</strong>
                <span className="muted"> · {m.requestCount} req</span>
              </span>
              <span className="muted">
                {actorLabel(m.actor)} · <span className="mono">{endpointLabel(m.endpoint)}</span>
              </span>
              <span className="rule-match-evidence">{m.evidence}</span>
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function RulesView() {
  const [rules, setRules] = useState<RuleInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [checker, setChecker] = useState<SchemaChecker | null>(null);
  // The editor's change handler is bound once: it reads the checker through a ref.
  const checkerRef = useRef<SchemaChecker | null>(null);
  checkerRef.current = checker;
  const [problems, setProblems] = useState(0);
  const [result, setResult] = useState<RuleTestResult | null>(null);
  const [running, setRunning] = useState(false);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const runRef = useRef<() => void>(() => undefined);
  const initial = useMemo(() => localStorage.getItem(DRAFT_KEY) ?? STARTER, []);

  useEffect(() => {
    api.call('rules.list', {}).then(setRules, reportError);
    api.call('rules.schema', {}).then((text) => {
      const schema = JSON.parse(text) as JsonSchema;
      registerRuleCompletion(schema);
      setChecker(new SchemaChecker(schema));
    }, reportError);
  }, []);

  const validate = () => {
    const model = editorRef.current?.getModel();
    if (model) setProblems(validateModel(model, checkerRef.current).filter((m) => m.severity >= 8).length);
  };
  useEffect(validate, [checker]);

  const run = async () => {
    const model = editorRef.current?.getModel();
    if (!model || running) return;
    setRunning(true);
    try {
      const r = await api.call('rules.test', { yaml: model.getValue() });
      setResult(r);
      validate();
      if (!r.ok) markEngineErrors(model, r.errors);
    } catch (err) {
      reportError(err);
    } finally {
      setRunning(false);
    }
  };
  runRef.current = () => void run();

  const load = async (id: string) => {
    try {
      const text = await api.call('rules.source', { id });
      editorRef.current?.setValue(text);
      editorRef.current?.focus();
    } catch (err) {
      reportError(err);
    }
  };

  const onMount: OnMount = (editor, m) => {
    editorRef.current = editor;
    editor.addCommand(m.KeyMod.CtrlCmd | m.KeyCode.Enter, () => runRef.current());
    let timer: ReturnType<typeof setTimeout> | undefined;
    editor.onDidChangeModelContent(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        localStorage.setItem(DRAFT_KEY, editor.getValue());
        validate();
      }, 250);
    });
    validate();
  };

  const rule = rules.find((r) => r.id === selected) ?? null;

  return (
    <div className="rules-view" data-testid="rules-view">
      <aside className="rules-side">
        <RuleList rules={rules} selected={selected} onSelect={setSelected} />
        {rule && (
          <section className="rule-info" data-testid="rule-info">
            <h3>{rule.title}</h3>
            <p className="muted mono">
              {rule.id} · {rule.kind} · {rule.category} ({rule.owasp}) · confidence {Math.round(rule.confidence * 100)}%
            </p>
            {rule.description && <p>{rule.description}</p>}
            <button className="ghost" data-testid="rule-edit-copy" onClick={() => void load(rule.id)} title="Load this rule's YAML into the editor to change and try it">
              Edit a copy
            </button>
            {rule.doc ? <Markdown text={rule.doc} testid="rule-doc" /> : <p className="muted">No explanation was written for this rule.</p>}
          </section>
        )}
      </aside>
      <section className="rules-editor">
        <div className="rules-toolbar">
          <button data-testid="rule-run" disabled={running} onClick={() => void run()} title="Run the rule on this workspace (Ctrl/Cmd+Enter)">
            {running ? 'Running…' : 'Run on this workspace'}
          </button>
          <button className="ghost" data-testid="rule-new" onClick={() => editorRef.current?.setValue(STARTER)}>
            New rule
          </button>
          <span className={problems ? 'error' : 'muted'} data-testid="rule-problems">
            {checker ? (problems ? `${problems} problem${problems === 1 ? '' : 's'}` : 'valid against the rule-pack schema') : 'loading schema…'}
          </span>
        </div>
        <div className="rules-monaco" data-testid="rule-editor">
          <Editor path={RULE_MODEL_PATH} defaultValue={initial} language="yaml" theme="cartograph" options={EDITOR_OPTIONS} onMount={onMount} height="100%" />
        </div>
      </section>
      <section className="rules-output">
        {result ? <Results result={result} /> : <p className="muted rules-hint">Run the rule to see what it finds in this workspace. Ctrl+Space completes keys and values; problems are underlined as you type.</p>}
      </section>
    </div>
  );
}
