/**
 * The workbench's views, in tab order. Each feature adds its view here (one line) and keeps its
 * components in its own folder under views/. Views move to the traffic view with a filter through
 * the store's `showTraffic`.
 */
import type { ComponentType } from 'react';
import { TrafficView } from './traffic/TrafficView.tsx';

export interface ViewDef {
  id: string;
  label: string;
  component: ComponentType;
}

export const VIEWS: readonly ViewDef[] = [{ id: 'traffic', label: 'Traffic', component: TrafficView }];
