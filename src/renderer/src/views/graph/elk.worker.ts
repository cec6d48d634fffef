/**
 * Runs ELK off the UI thread. elk.bundled.js lays out in-process (no nested worker); importing it
 * in a worker also makes it claim `self.onmessage`, so ours is assigned after the import.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';

export interface LayoutRequest {
  id: number;
  graph: ElkNode;
}
export type LayoutResponse = { id: number; graph: ElkNode; error?: undefined } | { id: number; error: string; graph?: undefined };

const elk = new ELK();

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const { id, graph } = event.data;
  elk.layout(graph).then(
    (laid) => self.postMessage({ id, graph: laid } satisfies LayoutResponse),
    (err: unknown) => self.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies LayoutResponse),
  );
};
