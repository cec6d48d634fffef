/**
 * The workbench's views, in tab order. Each feature adds its view here (one line) and keeps its
 * components in its own folder under views/. Views move to the traffic view with a filter through
 * the store's `showTraffic`.
 */
import type { ComponentType } from 'react';
import { TrafficView } from './traffic/TrafficView.tsx';
import { GraphView } from './graph/GraphView.tsx';
import { ReplayView } from './replay/ReplayView.tsx';
import { FindingsView } from './findings/FindingsView.tsx';
import { RulesView } from './rules/RulesView.tsx';
import { SpecDiffView } from './spec-diff/SpecDiffView.tsx';
import { InventoryView } from './inventory/InventoryView.tsx';
import { PolicyView } from './policy/PolicyView.tsx';

export interface ViewDef {
  id: string;
  label: string;
  component: ComponentType;
}

export const VIEWS: readonly ViewDef[] = [
  { id: 'traffic', label: 'Traffic', component: TrafficView },
  { id: 'inventory', label: 'Inventory', component: InventoryView },
  { id: 'spec-diff', label: 'Spec diff', component: SpecDiffView },
  { id: 'graph', label: 'Graph', component: GraphView },
  { id: 'findings', label: 'Findings', component: FindingsView },
  { id: 'rules', label: 'Rules', component: RulesView },
  { id: 'replay', label: 'Replay', component: ReplayView },
  { id: 'policy', label: 'Policy', component: PolicyView },
];
