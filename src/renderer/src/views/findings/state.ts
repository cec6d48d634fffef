/** Findings-view state other views reach too (the traffic view's Explain opens a finding here). */
import { create } from 'zustand';
import type { FindingGrouping, FindingStatus, Severity, Category, DetectRunResult } from '../../../../shared/api-detect.ts';

interface FindingsState {
  selectedId: string | null;
  groupBy: FindingGrouping;
  status: FindingStatus | '';
  severity: Severity | '';
  category: Category | '';
  lastRun: DetectRunResult | null;
  set(patch: Partial<Omit<FindingsState, 'set'>>): void;
}

export const useFindings = create<FindingsState>((set) => ({
  selectedId: null,
  groupBy: 'category',
  status: '',
  severity: '',
  category: '',
  lastRun: null,
  set: (patch) => set(patch),
}));
