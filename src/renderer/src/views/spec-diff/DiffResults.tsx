/** The diff grouped by class, with counts; a row opens its traffic in the traffic view. */
import { useState } from 'react';
import { DIFF_CLASSES, type DiffClass, type DiffItem, type DiffResult } from '../../../../shared/api-spec.ts';

const LABELS: Record<DiffClass, { title: string; help: string }> = {
  shadow: { title: 'Shadow', help: 'served, but not in the spec' },
  zombie: { title: 'Zombie', help: 'deprecated or superseded, still served' },
  orphan: { title: 'Orphan', help: 'documented, never seen in the traffic' },
  'undocumented-param': { title: 'Undocumented parameters', help: 'query parameters the spec does not list' },
  'undocumented-field': { title: 'Undocumented fields', help: 'body fields the spec does not list' },
  'type-mismatch': { title: 'Type mismatches', help: 'values of another type than documented' },
};

/** Rows shown per class before "show all": a class can hold thousands of orphans. */
const PAGE = 100;

function what(i: DiffItem): string | null {
  if (i.name === null) return null;
  const where = i.location === 'request-body' ? 'request' : i.location === 'response-body' ? 'response' : i.location;
  return i.observed ? `${where} ${i.name}: ${i.expected} ≠ ${i.observed}` : `${where} ${i.name}`;
}

function Row({ item, onShow }: { item: DiffItem; onShow(filter: string): void }) {
  const detail = what(item);
  const body = (
    <>
      <span className="specdiff-row-line">
        <span className={`method m-${item.method.toLowerCase()}`}>{item.method}</span>
        <span className="mono specdiff-path">{item.path}</span>
        {detail && <span className="mono specdiff-what">{detail}</span>}
        <span className="muted specdiff-count">{item.class === 'orphan' ? 'never seen' : `${item.count} req`}</span>
      </span>
      <span className="muted specdiff-reason">
        {item.host ? `${item.host} · ` : ''}
        {item.reason}
      </span>
    </>
  );
  return (
    <li>
      {item.filter ? (
        <button className="specdiff-row" data-testid="specdiff-row" data-class={item.class} title={`Show in the traffic view: ${item.filter}`} onClick={() => onShow(item.filter!)}>
          {body}
        </button>
      ) : (
        <div className="specdiff-row static" data-testid="specdiff-row" data-class={item.class}>
          {body}
        </div>
      )}
    </li>
  );
}

function Group({ cls, items, onShow }: { cls: DiffClass; items: DiffItem[]; onShow(filter: string): void }) {
  const [all, setAll] = useState(false);
  const [open, setOpen] = useState(cls !== 'orphan' || items.length <= 20);
  const shown = all ? items : items.slice(0, PAGE);
  return (
    <section className={`specdiff-group c-${cls}`} data-testid={`specdiff-group-${cls}`}>
      <button className="specdiff-group-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="specdiff-caret">{open ? '▾' : '▸'}</span>
        <strong>{LABELS[cls].title}</strong>
        <span className="specdiff-badge" data-testid={`specdiff-count-${cls}`}>
          {items.length}
        </span>
        <span className="muted">{LABELS[cls].help}</span>
      </button>
      {open && (
        <ul className="specdiff-rows">
          {shown.map((i, k) => (
            <Row key={`${i.method} ${i.path} ${i.host ?? ''} ${i.location ?? ''} ${i.name ?? ''} ${i.observed ?? ''} ${k}`} item={i} onShow={onShow} />
          ))}
          {items.length > shown.length && (
            <li>
              <button className="ghost" onClick={() => setAll(true)}>
                Show all {items.length}
              </button>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

export function DiffResults({ result, onShow }: { result: DiffResult; onShow(filter: string): void }) {
  const { spec } = result;
  return (
    <div className="specdiff-result" data-testid="specdiff-result">
      <p data-testid="specdiff-summary">
        <strong>{spec.title}</strong> {spec.version} <span className="muted">({spec.source}, {spec.openapi === '2.0' ? 'Swagger 2.0' : `OpenAPI ${spec.openapi}`}, {spec.operations} operations)</span> against{' '}
        {result.exchanges.toLocaleString()} exchanges: {result.matched.toLocaleString()} documented
        {result.notServed > 0 && <span className="muted"> · {result.notServed} unserved probes (404s) not counted as shadow</span>}
        {result.ignored > 0 && <span className="muted"> · {result.ignored} ignored (assets, preflights, other hosts)</span>}
        <span className="muted"> · {result.seconds.toFixed(2)} s</span>
      </p>
      <div className="specdiff-chips">
        {DIFF_CLASSES.map((c) => (
          <span key={c} className={`specdiff-chip c-${c}${result.counts[c] ? '' : ' zero'}`}>
            {LABELS[c].title} <strong>{result.counts[c]}</strong>
          </span>
        ))}
      </div>
      {result.warnings.length > 0 && (
        <details className="specdiff-warnings" data-testid="specdiff-warnings">
          <summary className="warn">
            {result.warnings.length} problem{result.warnings.length === 1 ? '' : 's'} in the spec did not stop the diff
          </summary>
          <ul>
            {result.warnings.map((w, i) => (
              <li key={i} className="mono">
                {w}
              </li>
            ))}
          </ul>
        </details>
      )}
      {DIFF_CLASSES.map((c) => {
        const items = result.items.filter((i) => i.class === c);
        return items.length > 0 ? <Group key={c} cls={c} items={items} onShow={onShow} /> : null;
      })}
      {result.items.length === 0 && <p className="specdiff-ok">The traffic matches the spec: nothing undocumented, nothing unused.</p>}
    </div>
  );
}
