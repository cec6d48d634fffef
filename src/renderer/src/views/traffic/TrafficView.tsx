import { useStore } from '../../state/store.ts';
import { FilterBar } from './FilterBar.tsx';
import { TrafficTable } from './TrafficTable.tsx';
import { DetailPane } from './DetailPane.tsx';

/** Traffic: the filter, the table and the selected exchange. */
export function TrafficView() {
  const selectedId = useStore((s) => s.selectedId);
  return (
    <div className="traffic-view">
      <FilterBar />
      <main className={`workbench${selectedId !== null ? ' with-detail' : ''}`}>
        <TrafficTable compact={selectedId !== null} />
        <DetailPane />
      </main>
    </div>
  );
}
