/**
 * One endpoint: hits, statuses, latency, actors, auth schemes, parameters, sensitive data, the
 * merged request/response schemas (read-only Monaco), sample exchanges, and the analyst's
 * template decisions (rename or split a parameter, merge a segment with its siblings).
 */
import { useState } from 'react';
import Editor from '@monaco-editor/react';
import type { EndpointDetail, TemplateDecisionKind } from '../../../../shared/api-inventory.ts';
import { READ_ONLY_OPTIONS } from '../../components/monaco.ts';

export interface EndpointPageProps {
  detail: EndpointDetail;
  onTraffic(filter: string): void;
  onDecide(kind: TemplateDecisionKind, prefix: string, name?: string): void;
  onUndecide(id: number): void;
}

function statusClass(s: string): string {
  return s === 'none' ? 'none' : `s${s[0]}xx`;
}

export function EndpointPage({ detail, onTraffic, onDecide, onUndecide }: EndpointPageProps) {
  const e = detail.endpoint;
  const [names, setNames] = useState<Record<string, string>>({});
  const [schema, setSchema] = useState<string>('request');
  const segs = e.path.split('/').slice(1);
  const prefixOf = (i: number) => `/${segs.slice(0, i).join('/')}`;
  const statuses = Object.entries(e.statuses);
  const schemaTabs = [...(e.requestSchema ? ['request'] : []), ...Object.keys(e.responseSchemas)];
  const current = schemaTabs.includes(schema) ? schema : schemaTabs[0];
  const schemaValue = current === 'request' ? e.requestSchema : current ? e.responseSchemas[current] : null;
  const last = segs.length - 1;
  return (
    <div className="inv-endpoint" data-testid="inv-endpoint">
      <header className="inv-ep-head">
        <span className={`inv-method m-${e.method.toLowerCase()}`}>{e.method}</span>
        <span className="mono inv-ep-path" data-testid="inv-endpoint-path">{e.path}</span>
        <span className="muted">{e.host}</span>
        <button className="ghost" data-testid="inv-endpoint-traffic" onClick={() => onTraffic(detail.filter)} title={detail.filter}>
          Show {e.count.toLocaleString()} exchanges
        </button>
      </header>
      <div className="inv-stats">
        <div><label>hits</label><b>{e.count.toLocaleString()}</b></div>
        <div><label>latency p50 / p95</label><b>{e.latency ? `${e.latency.p50} / ${e.latency.p95} ms` : '—'}</b></div>
        <div><label>principals</label><b>{e.principals}</b></div>
        <div><label>client IPs</label><b>{e.ips}</b></div>
        <div><label>first seen</label><b className="mono">{e.firstSeen.replace('T', ' ').slice(0, 19)}</b></div>
        <div><label>last seen</label><b className="mono">{e.lastSeen.replace('T', ' ').slice(0, 19)}</b></div>
        <div><label>distinct paths</label><b>{e.distinctPaths}</b></div>
        <div><label>findings</label><b>{e.findings}</b></div>
      </div>
      <section>
        <h4>Status mix</h4>
        <div className="inv-statusbar">
          {statuses.map(([s, n]) => (
            <span key={s} className={`inv-status ${statusClass(s)}`} style={{ flexGrow: n }} title={`${s}: ${n}`}>
              {s} · {n}
            </span>
          ))}
        </div>
      </section>
      <section className="inv-two">
        <div>
          <h4>Auth</h4>
          <ul className="inv-list" data-testid="inv-auth">
            {e.authDetail.length === 0 && e.auth.map((a) => <li key={a}>{a}</li>)}
            {e.authDetail.map((a) => (
              <li key={`${a.scheme}${a.alg}${a.carrier}`}>
                <b>{a.scheme}</b>
                {a.alg && <span className={a.alg.toLowerCase() === 'none' ? 'error' : 'muted'}> alg {a.alg}</span>}
                {a.carrier && <span className="muted"> in {a.carrier}</span>} <span className="count">{a.count}</span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h4>Sensitive data</h4>
          {e.sensitiveDetail.length === 0 ? (
            <p className="muted">none seen in the sampled bodies, parameters and headers</p>
          ) : (
            <ul className="inv-list" data-testid="inv-sensitive">
              {e.sensitiveDetail.slice(0, 30).map((h) => (
                <li key={`${h.class}${h.direction}${h.location}${h.field}`}>
                  <span className="inv-badge b-sensitive">{h.class}</span> {h.direction} {h.location}
                  {h.field && <span className="mono muted"> {h.field}</span>} <span className="count">{h.count}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
      <section>
        <h4>Parameters</h4>
        {e.params.length === 0 ? (
          <p className="muted">none</p>
        ) : (
          <table className="inv-params" data-testid="inv-params">
            <thead>
              <tr><th>in</th><th>name</th><th>type</th><th>required</th><th>seen</th><th /></tr>
            </thead>
            <tbody>
              {e.params.map((p) => {
                const at = p.in === 'path' ? segs.indexOf(`{${p.name}}`) : -1;
                return (
                  <tr key={`${p.in}:${p.name}`}>
                    <td>{p.in}</td>
                    <td className="mono">{p.name}</td>
                    <td className="mono">{p.type}{p.format ? ` (${p.format})` : ''}</td>
                    <td>{p.required ? 'yes' : 'no'}</td>
                    <td>{p.count}</td>
                    <td className="inv-decide">
                      {at >= 0 && (
                        <>
                          <input
                            aria-label={`new name for ${p.name}`}
                            data-testid="inv-rename-input"
                            placeholder="new name"
                            value={names[p.name] ?? ''}
                            onChange={(ev) => setNames({ ...names, [p.name]: ev.target.value })}
                          />
                          <button className="ghost" data-testid="inv-rename" disabled={!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(names[p.name] ?? '')} onClick={() => onDecide('rename', prefixOf(at), names[p.name])}>
                            Rename
                          </button>
                          <button className="ghost" data-testid="inv-split" title="Keep the concrete values as separate endpoints" onClick={() => onDecide('split', prefixOf(at))}>
                            Split
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {last >= 0 && !segs[last].startsWith('{') && (
          <button className="ghost" data-testid="inv-merge" title={`Treat ${segs[last]} and its siblings under ${prefixOf(last)} as one parameter`} onClick={() => onDecide('merge', prefixOf(last))}>
            Merge “{segs[last]}” with its siblings
          </button>
        )}
        {detail.decisions.length > 0 && (
          <ul className="inv-list" data-testid="inv-decisions">
            {detail.decisions.map((d) => (
              <li key={d.id}>
                {d.kind} at <span className="mono">{d.prefix}</span>
                {d.name && <> → <span className="mono">{d.name}</span></>}{' '}
                <button className="ghost" onClick={() => onUndecide(d.id)}>undo</button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="inv-schema">
        <h4>
          Schemas{' '}
          {schemaTabs.map((t) => (
            <button key={t} className={`ghost inv-tab${t === current ? ' on' : ''}`} onClick={() => setSchema(t)}>
              {t === 'request' ? 'request' : `response ${t}`}
            </button>
          ))}
        </h4>
        {schemaValue ? (
          <div className="inv-monaco" data-testid="inv-schema">
            <Editor value={JSON.stringify(schemaValue, null, 2)} language="json" theme="cartograph" options={READ_ONLY_OPTIONS} height="100%" />
          </div>
        ) : (
          <p className="muted">no JSON bodies captured</p>
        )}
      </section>
      <section className="inv-two">
        <div>
          <h4>Sample exchanges</h4>
          <ul className="inv-list" data-testid="inv-samples">
            {detail.samples.map((s) => (
              <li key={s.id}>
                <button className="ghost inv-sample" onClick={() => onTraffic(`id = ${s.id}`)}>
                  #{s.id} <span className="mono">{s.method} {s.path}{s.query}</span> → {s.status ?? '—'}
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h4>Concrete paths</h4>
          <ul className="inv-list inv-paths">
            {detail.paths.slice(0, 50).map((p) => (
              <li key={p.path} className="mono">{p.path} <span className="count">{p.count}</span></li>
            ))}
          </ul>
        </div>
      </section>
    </div>
  );
}
