/** Leaving the detection views for the traffic view with exactly the requests in question. */
import { useStore } from '../../state/store.ts';
import { idFilter } from './model.ts';

/** Switches to the traffic view showing these exchanges (`id in (…)`); with one id, opens it too. */
export function showExchanges(ids: readonly number[]): void {
  const { filter, covered } = idFilter(ids);
  if (!filter) return;
  const store = useStore.getState();
  store.showTraffic(filter);
  if (ids.length === 1) store.select(ids[0]);
  const total = new Set(ids).size;
  if (covered < total) store.toast('info', `Showing the first ${covered} of ${total} requests: a filter naming them all would be too long.`);
}
