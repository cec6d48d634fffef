/**
 * The policy view: the workspace's policy as YAML in Monaco (engine-checked markers, completion
 * from the policy schema), "Draft from findings", a dry-run per rule that follows every edit
 * (what it would block or throttle, which actors, traffic from actors behind findings versus
 * clean traffic, with drill-down to the requests), and export to enforcer bundles.
 */
import { useEffect, useRef, useState } from 'react';
import Editor, { type OnMount } from '@monaco-editor/react';
import type * as monaco from 'monaco-editor';
import { POLICY_EXPORT_FORMATS, type PolicyExportFormat, type PolicySimulation, type PolicyValidation } from '../../../../shared/api-policy.ts';
import { api, desktop } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { SCHEMA_YAML_OPTIONS } from '../../components/monaco.ts';
import { showExchanges } from '../findings/navigate.ts';
import { POLICY_MODEL_PATH, registerPolicyCompletion, setPolicyMarkers } from './completion.ts';

const EDITOR_OPTIONS = { ...SCHEMA_YAML_OPTIONS, stickyScroll: { enabled: false } };

/** Edits settle this long before the policy is checked and dry-run again. */
const DEBOUNCE_MS = 500;

const FORMAT_LABELS: Record<PolicyExportFormat, string> = {
  openapi: 'OpenAPI 3.1 (positive model)',
  kong: 'Kong declarative config',
  nginx: 'NGINX include',
  modsecurity: 'ModSecurity v3 rules',
  opa: 'OPA bundle',
  'aws-waf': 'AWS WAFv2 JSON',
  cartograph: 'Cartograph rule pack',
};

function saveDownload(name: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/gzip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function PolicyView() {
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [initial, setInitial] = useState<string | null>(null);
  const [validation, setValidation] = useState<PolicyValidation | null>(null);
  const [sim, setSim] = useState<PolicySimulation | null>(null);
  const [simulating, setSimulating] = useState(false);
  const [drafting, setDrafting] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [format, setFormat] = useState<PolicyExportFormat>('nginx');
  // Only the latest check's answers land (edits overtake slower dry-runs).
  const generation = useRef(0);

  useEffect(() => {
    api.call('policy.schema', {}).then(registerPolicyCompletion, reportError);
    api.call('policy.get', {}).then((r) => setInitial(r.text ?? ''), reportError);
  }, []);

  const check = async () => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model) return;
    const text = model.getValue();
    const gen = ++generation.current;
    if (!text.trim()) {
      setPolicyMarkers(model, []);
      setValidation(null);
      setSim(null);
      return;
    }
    try {
      const v = await api.call('policy.validate', { text });
      if (gen !== generation.current) return;
      setValidation(v);
      setPolicyMarkers(model, v.problems);
      if (!v.ok) return;
      setSimulating(true);
      const s = await api.call('policy.simulate', { text });
      if (gen === generation.current) setSim(s);
    } catch (err) {
      if (gen === generation.current) reportError(err);
    } finally {
      if (gen === generation.current) setSimulating(false);
    }
  };
  const checkRef = useRef(check);
  checkRef.current = check;

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    let timer: ReturnType<typeof setTimeout> | undefined;
    editor.onDidChangeModelContent(() => {
      setDirty(true);
      clearTimeout(timer);
      timer = setTimeout(() => void checkRef.current(), DEBOUNCE_MS);
    });
    void checkRef.current();
  };

  const draft = async () => {
    setDrafting(true);
    try {
      const d = await api.call('policy.draft', {});
      editorRef.current?.setValue(d.text);
      useStore.getState().toast('info', `Drafted ${d.rules} rule${d.rules === 1 ? '' : 's'} from ${d.findings} finding${d.findings === 1 ? '' : 's'} and the traffic.`);
    } catch (err) {
      reportError(err);
    } finally {
      setDrafting(false);
    }
  };

  const save = async () => {
    const text = editorRef.current?.getValue();
    if (text === undefined) return;
    try {
      const r = await api.call('policy.save', { text });
      setDirty(false);
      if (!r.validation.ok) useStore.getState().toast('info', 'Saved, but the policy has problems: fix them before exporting.');
    } catch (err) {
      reportError(err);
    }
  };

  const exportBundle = async () => {
    const text = editorRef.current?.getValue();
    if (!text) return;
    try {
      const path = desktop.saveFileDialog ? await desktop.saveFileDialog({ title: `Folder for the ${FORMAT_LABELS[format]} bundle`, defaultPath: `policy-${format}` }) : undefined;
      if (path === null) return;
      const r = await api.call('policy.export', { text, format, ...(path ? { path } : {}) });
      if (r.download) saveDownload(r.download.name, r.download.base64);
      const skipped = r.manifest.skipped.length;
      useStore.getState().toast('info', `${FORMAT_LABELS[format]}: ${r.manifest.exported.length} rule(s) exported${skipped ? `, ${skipped} part(s) not expressible (see manifest.json)` : ''}${r.path ? ` to ${r.path}` : ''}.`);
    } catch (err) {
      reportError(err);
    }
  };

  const problems = validation?.problems.length ?? 0;
  return (
    <div className="policy-view" data-testid="policy-view">
      <div className="policy-toolbar">
        <button data-testid="policy-draft" disabled={drafting} onClick={() => void draft()} title="Propose a policy from the workspace's findings and traffic (replaces the editor's text)">
          {drafting ? 'Drafting…' : 'Draft from findings'}
        </button>
        <button className="ghost" data-testid="policy-save" onClick={() => void save()} disabled={!dirty}>
          {dirty ? 'Save' : 'Saved'}
        </button>
        <span className={problems ? 'error' : 'muted'} data-testid="policy-status">
          {validation === null ? 'no policy yet' : problems ? validation.problems[0].message.replace(/^policy: /, '') : `valid · ${validation.rules} rules · revision ${validation.revision}`}
        </span>
        <span className="policy-export">
          <select data-testid="policy-format" value={format} onChange={(e) => setFormat(e.target.value as PolicyExportFormat)} aria-label="Export format">
            {POLICY_EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
          <button data-testid="policy-export" disabled={!validation?.ok} onClick={() => void exportBundle()}>
            Export
          </button>
        </span>
      </div>
      <div className="policy-body">
        <div className="policy-monaco" data-testid="policy-editor">
          {initial !== null && <Editor path={POLICY_MODEL_PATH} defaultValue={initial} language="yaml" theme="cartograph" options={EDITOR_OPTIONS} onMount={onMount} height="100%" />}
        </div>
        <section className="policy-sim" data-testid="policy-sim">
          {sim ? <SimulationTable sim={sim} busy={simulating} /> : <p className="muted policy-hint">{initial === '' && validation === null ? 'Draft a policy from the findings, or write one: Ctrl+Space completes keys and values.' : simulating ? 'Dry-running…' : 'The dry-run appears here once the policy is valid.'}</p>}
        </section>
      </div>
    </div>
  );
}

function SimulationTable({ sim, busy }: { sim: PolicySimulation; busy: boolean }) {
  const t = sim.totals;
  return (
    <>
      <p className={`policy-totals${busy ? ' muted' : ''}`} data-testid="policy-totals">
        Dry-run over {sim.exchanges.toLocaleString()} requests in {sim.seconds.toFixed(2)} s: <b>{t.blocked.toLocaleString()}</b> blocked ({t.blockedFlagged.toLocaleString()} from actors behind findings, {t.blockedClean.toLocaleString()} clean), {t.throttled.toLocaleString()} throttled, {t.logged.toLocaleString()} logged only, {t.passed.toLocaleString()} passed.
      </p>
      <table className="policy-rules" data-testid="policy-results">
        <thead>
          <tr>
            <th>Rule</th>
            <th>Action</th>
            <th className="num">In scope</th>
            <th className="num">Acts on</th>
            <th className="num">Actors</th>
            <th className="num" title="Requests from actors behind findings (likely true positives)">Likely TP</th>
            <th className="num" title="Requests from actors behind no finding (likely false positives)">Likely FP</th>
            <th>Top actor · example</th>
          </tr>
        </thead>
        <tbody>
          {sim.rules.map((r) => {
            const top = r.actors.top[0];
            return (
              <tr key={r.id} data-testid="policy-rule-row" data-rule={r.id}>
                <td className="mono">{r.id}</td>
                <td>
                  <span className={`policy-action ${r.action}`}>{r.action}</span>
                </td>
                <td className="num">{r.evaluated.toLocaleString()}</td>
                <td className="num" data-testid="policy-rule-matched">{r.matched.toLocaleString()}</td>
                <td className="num">{r.actors.distinct.toLocaleString()}</td>
                <td className="num">
                  {r.samples.flagged.length ? (
                    <button className="link" data-testid="policy-tp-drill" title="Show sample requests in the traffic view" onClick={() => showExchanges(r.samples.flagged)}>
                      {r.likelyTruePositives.requests.toLocaleString()}
                    </button>
                  ) : (
                    r.likelyTruePositives.requests.toLocaleString()
                  )}
                </td>
                <td className={`num${r.likelyFalsePositives.requests ? ' policy-fp' : ''}`}>
                  {r.samples.clean.length ? (
                    <button className="link" data-testid="policy-fp-drill" title="Show sample requests in the traffic view" onClick={() => showExchanges(r.samples.clean)}>
                      {r.likelyFalsePositives.requests.toLocaleString()}
                    </button>
                  ) : (
                    r.likelyFalsePositives.requests.toLocaleString()
                  )}
                </td>
                <td className="policy-example" title={r.example ?? ''}>
                  {top ? `${top.actor} (${top.requests})${top.flagged ? ' ⚑' : ''}` : '—'}
                  {r.example ? <span className="muted"> · {r.example}</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
