/** UI state shared across views. Rows are not here: the table pages them from the engine. */
import { create } from 'zustand';
import type { JobDone, JobProgress, SortColumn, WorkspaceInfo } from '../../../shared/api.ts';
import { api } from '../api/client.ts';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

interface State {
  info: WorkspaceInfo | null;
  /** The active view (see views/index.ts). */
  view: string;
  filter: string;
  filterError: { message: string; column: number } | null;
  sort: SortColumn;
  dir: 'asc' | 'desc';
  /** Matching exchanges under the applied filter. */
  total: number;
  /** Bumped whenever the engine reports a write, so views refetch. */
  version: number;
  selectedId: number | null;
  jobs: Record<string, JobProgress>;
  results: JobDone[];
  toasts: Toast[];
  filterHistory: string[];
  setInfo(info: WorkspaceInfo): void;
  setView(view: string): void;
  /** Switches to the traffic view showing what `filter` matches (e.g. a finding's or a node's exchanges). */
  showTraffic(filter: string): void;
  /** Exchange open in the replay view's editor. */
  replayExchangeId: number | null;
  /** Switches to the replay view with this exchange in the editor. */
  openReplay(id: number): void;
  applyFilter(filter: string): void;
  setFilterError(e: State['filterError']): void;
  setSort(column: SortColumn): void;
  setTotal(total: number): void;
  select(id: number | null): void;
  bump(): void;
  progress(p: JobProgress): void;
  done(d: JobDone): void;
  dismissResult(jobId: string): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
}

let toastId = 0;
const HISTORY_KEY = 'cartograph.filterHistory';
const loadHistory = (): string[] => {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 20) : [];
  } catch {
    return [];
  }
};

export const useStore = create<State>((set) => ({
  info: null,
  view: 'traffic',
  filter: '',
  filterError: null,
  sort: 'id',
  dir: 'asc',
  total: 0,
  version: 0,
  selectedId: null,
  jobs: {},
  results: [],
  toasts: [],
  filterHistory: loadHistory(),
  setInfo: (info) => set({ info }),
  setView: (view) => set({ view }),
  showTraffic: (filter) => set({ view: 'traffic', filter, filterError: null, selectedId: null }),
  replayExchangeId: null,
  openReplay: (id) => set({ view: 'replay', replayExchangeId: id }),
  applyFilter: (filter) =>
    set((s) => {
      const history = filter.trim() ? [filter, ...s.filterHistory.filter((h) => h !== filter)].slice(0, 20) : s.filterHistory;
      localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
      return { filter, filterError: null, filterHistory: history };
    }),
  setFilterError: (filterError) => set({ filterError }),
  setSort: (column) => set((s) => ({ sort: column, dir: s.sort === column && s.dir === 'asc' ? 'desc' : 'asc' })),
  setTotal: (total) => set({ total }),
  select: (selectedId) => set({ selectedId }),
  bump: () => set((s) => ({ version: s.version + 1 })),
  progress: (p) => set((s) => ({ jobs: { ...s.jobs, [p.jobId]: p } })),
  done: (d) =>
    set((s) => {
      const jobs = { ...s.jobs };
      delete jobs[d.jobId];
      return { jobs, results: [d, ...s.results.filter((r) => r.jobId !== d.jobId)].slice(0, 5) };
    }),
  dismissResult: (jobId) => set((s) => ({ results: s.results.filter((r) => r.jobId !== jobId) })),
  toast: (kind, text) => set((s) => ({ toasts: [...s.toasts, { id: ++toastId, kind, text }].slice(-4) })),
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

/** Reports an Api failure to the user instead of letting it vanish. */
export function reportError(err: unknown): void {
  useStore.getState().toast('error', err instanceof Error ? err.message : String(err));
}

export async function refreshInfo(): Promise<void> {
  try {
    useStore.getState().setInfo(await api.call('workspace.info', {}));
  } catch (err) {
    reportError(err);
  }
}
