/**
 * The traffic table: virtualised rows paged from the engine on demand, so a million exchanges
 * scroll smoothly while only the pages near the viewport are held in memory.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ExchangeRow, SortColumn } from '../../../../shared/api.ts';
import { api } from '../../api/client.ts';
import { reportError, useStore } from '../../state/store.ts';
import { formatBytes, formatDuration, formatTime, statusClass } from '../../state/format.ts';

const PAGE = 200;
const KEEP_PAGES = 24;
const ROW_HEIGHT = 24;
/** Writes during an import arrive many times a second; refresh at most this often. */
const REFRESH_MS = 700;

interface Column {
  id: string;
  /** Hidden while the detail pane takes half the window. */
  wide?: boolean;
  label: string;
  sort?: SortColumn;
  width: string;
  render(r: ExchangeRow): React.ReactNode;
}

const COLUMNS: Column[] = [
  { id: 'id', label: '#', sort: 'id', width: '64px', render: (r) => r.id },
  { id: 'time', label: 'Time', sort: 'time', width: '178px', render: (r) => formatTime(r.time) },
  { id: 'method', label: 'Method', sort: 'method', width: '68px', render: (r) => <span className={`method m-${r.method.toLowerCase()}`}>{r.method}</span> },
  { id: 'host', label: 'Host', sort: 'host', width: 'minmax(0, 1fr)', render: (r) => `${r.host}${r.port ? `:${r.port}` : ''}` },
  { id: 'path', label: 'Path', sort: 'path', width: 'minmax(0, 2.4fr)', render: (r) => (<span className="mono">{r.path}<span className="query">{r.query}</span></span>) },
  { id: 'status', label: 'Status', sort: 'status', width: '58px', render: (r) => <span className={statusClass(r.status)}>{r.status ?? '—'}</span> },
  { id: 'size', label: 'Size', sort: 'size', width: '76px', render: (r) => formatBytes(r.size) },
  { id: 'duration', label: 'Duration', sort: 'duration', width: '76px', wide: true, render: (r) => formatDuration(r.duration) },
  { id: 'ip', label: 'Client IP', sort: 'ip', width: '118px', wide: true, render: (r) => r.ip ?? '' },
  { id: 'principal', label: 'Principal', sort: 'principal', width: 'minmax(0, 0.8fr)', render: (r) => r.principal ?? '' },
  { id: 'source', label: 'Source', width: 'minmax(0, 0.6fr)', wide: true, render: (r) => r.source },
  {
    id: 'marks',
    label: '',
    width: '64px',
    render: (r) => (
      <span className="marks">
        {r.hasComment && <span title="has a comment">✎</span>}
        {r.tags.length > 0 && <span className="tag-count" title={r.tags.join(', ')}>{r.tags.length}</span>}
      </span>
    ),
  },
];

export function TrafficTable({ compact = false }: { compact?: boolean }) {
  const columns = compact ? COLUMNS.filter((c) => !c.wide) : COLUMNS;
  const GRID = columns.map((c) => c.width).join(' ');
  const filter = useStore((s) => s.filter);
  const sort = useStore((s) => s.sort);
  const dir = useStore((s) => s.dir);
  const version = useStore((s) => s.version);
  const total = useStore((s) => s.total);
  const selectedId = useStore((s) => s.selectedId);
  const setTotal = useStore((s) => s.setTotal);
  const setSort = useStore((s) => s.setSort);
  const select = useStore((s) => s.select);
  const [pages, setPages] = useState<Map<number, ExchangeRow[]>>(new Map());
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const selectedIndex = useRef<number | null>(null);

  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 30 });
  const items = virtualizer.getVirtualItems();

  const fetchPage = useCallback(
    async (page: number, gen: number) => {
      if (inflight.current.has(page)) return;
      inflight.current.add(page);
      try {
        const r = await api.call('traffic.page', { filter, sort, dir, offset: page * PAGE, limit: PAGE });
        if (gen !== generation.current) return;
        setTotal(r.total);
        setPages((prev) => {
          const next = new Map(prev);
          next.set(page, r.rows);
          // Keep memory bounded: drop the pages farthest from this one.
          if (next.size > KEEP_PAGES) {
            const far = [...next.keys()].sort((a, b) => Math.abs(b - page) - Math.abs(a - page));
            for (const p of far.slice(0, next.size - KEEP_PAGES)) next.delete(p);
          }
          return next;
        });
      } catch (err) {
        if (gen === generation.current) reportError(err);
      } finally {
        inflight.current.delete(page);
      }
    },
    [filter, sort, dir, setTotal],
  );

  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const inView = useRef({ first, last });
  inView.current = { first, last };

  // A new filter or sort starts over from the top. A write (an import, an annotation) refetches the
  // pages in view in place: their rows stay on screen, and clickable, until the fresh ones arrive.
  const lastRefresh = useRef(0);
  const lastQuery = useRef(fetchPage);
  useEffect(() => {
    const run = () => {
      lastRefresh.current = performance.now();
      generation.current++;
      inflight.current.clear();
      if (lastQuery.current !== fetchPage) {
        lastQuery.current = fetchPage;
        setPages(new Map());
        void fetchPage(0, generation.current);
        return;
      }
      const from = Math.floor(inView.current.first / PAGE);
      const to = Math.floor(inView.current.last / PAGE);
      setPages((prev) => new Map([...prev].filter(([p]) => p >= from && p <= to)));
      for (let p = from; p <= to; p++) void fetchPage(p, generation.current);
    };
    const wait = REFRESH_MS - (performance.now() - lastRefresh.current);
    if (wait <= 0) run();
    else {
      const t = setTimeout(run, wait);
      return () => clearTimeout(t);
    }
  }, [fetchPage, version]);

  // Scroll to the top when the query itself changes (not on writes).
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [filter, sort, dir]);

  useEffect(() => {
    if (total === 0) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) if (!pages.has(p)) void fetchPage(p, generation.current);
  }, [first, last, total, pages, fetchPage]);

  const rowAt = (index: number): ExchangeRow | undefined => pages.get(Math.floor(index / PAGE))?.[index % PAGE];

  const moveTo = async (index: number) => {
    const i = Math.max(0, Math.min(total - 1, index));
    if (total === 0) return;
    selectedIndex.current = i;
    virtualizer.scrollToIndex(i, { align: 'auto' });
    let row = rowAt(i);
    if (!row) {
      const r = await api.call('traffic.page', { filter, sort, dir, offset: i, limit: 1 });
      row = r.rows[0];
    }
    if (row) select(row.id);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 480) / ROW_HEIGHT) - 1);
    const current = selectedIndex.current ?? -1;
    const keys: Record<string, number> = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page, PageUp: current - page, Home: 0, End: total - 1 };
    if (e.key in keys) {
      e.preventDefault();
      void moveTo(keys[e.key]);
    } else if (e.key === 'Escape') select(null);
    else if (e.key === 'Enter' && selectedId !== null) document.querySelector<HTMLElement>('[data-testid="detail-pane"]')?.focus();
  };

  return (
    <div className="traffic" data-testid="traffic-table">
      <div className="traffic-head" style={{ gridTemplateColumns: GRID }} role="row">
        {columns.map((c) => (
          <div
            key={c.id}
            role="columnheader"
            data-testid={`sort-${c.id}`}
            className={c.sort ? 'sortable' : ''}
            aria-sort={c.sort && sort === c.sort ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
            onClick={() => c.sort && setSort(c.sort)}
          >
            {c.label}
            {c.sort && sort === c.sort && <span className="sort-mark">{dir === 'asc' ? '▲' : '▼'}</span>}
          </div>
        ))}
      </div>
      <div className="traffic-body" ref={scroller} tabIndex={0} onKeyDown={onKeyDown} data-testid="traffic-scroller">
        {total === 0 ? (
          <div className="empty" data-testid="traffic-empty">
            {filter ? 'No exchange matches this filter.' : 'No traffic yet. Drop a HAR, proxy capture or access log here, or press Import.'}
          </div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const row = rowAt(v.index);
              if (!row) {
                return <div key={v.key} className="traffic-row loading" style={{ top: v.start, height: ROW_HEIGHT, gridTemplateColumns: GRID }} />;
              }
              return (
                <div
                  key={v.key}
                  role="row"
                  data-testid="traffic-row"
                  data-id={row.id}
                  aria-selected={row.id === selectedId}
                  className={`traffic-row${row.id === selectedId ? ' selected' : ''}${row.highlight ? ` hl-${row.highlight}` : ''}`}
                  style={{ top: v.start, height: ROW_HEIGHT, gridTemplateColumns: GRID }}
                  onClick={() => {
                    selectedIndex.current = v.index;
                    select(row.id);
                  }}
                >
                  {columns.map((c) => (
                    <div key={c.id} className={`cell cell-${c.id}`}>
                      {c.render(row)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
