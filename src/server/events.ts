/**
 * Server-sent events: every Api event of the service goes to every connected page as
 * `event: <name>` / `data: <json>`. Comments keep idle connections (and proxies) alive.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiEventName, ApiEvents } from '../shared/api.ts';
import type { ServiceHost } from '../core/service/host.ts';

export interface EventHub {
  attach(req: IncomingMessage, res: ServerResponse): void;
  /** Number of connected event streams. */
  size(): number;
  close(): void;
}

export function createEventHub(host: Pick<ServiceHost, 'onEvent'>, keepAliveMs: number): EventHub {
  const clients = new Set<ServerResponse>();
  const off = host.onEvent(<E extends ApiEventName>(event: E, payload: ApiEvents[E]) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of clients) res.write(frame);
  });
  const timer = setInterval(() => {
    for (const res of clients) res.write(': keepalive\n\n');
  }, keepAliveMs);
  timer.unref();

  return {
    attach(req, res) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 2000\n: connected\n\n');
      clients.add(res);
      const drop = (): void => {
        clients.delete(res);
      };
      req.on('close', drop);
      res.on('close', drop);
      res.on('error', drop);
    },
    size: () => clients.size,
    close() {
      off();
      clearInterval(timer);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
