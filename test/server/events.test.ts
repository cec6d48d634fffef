import { describe, expect, it, vi } from 'vitest';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventHub } from '../../src/server/events.ts';
import { fakeHost } from './fake-host.ts';

describe('event hub', () => {
  it('forgets a stream when its client disconnects, and unsubscribes from the host on close', async () => {
    const host = fakeHost();
    const hub = createEventHub(host, 10_000);
    expect(host.listenerCount()).toBe(1);
    const server = createServer((req, res) => hub.attach(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;

    const req = request({ host: '127.0.0.1', port, path: '/' });
    const firstBytes = new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())));
    req.end();
    await firstBytes;
    expect(hub.size()).toBe(1);
    req.destroy();
    await vi.waitFor(() => expect(hub.size()).toBe(0));
    // Emitting to nobody is fine.
    host.emit('workspace.changed', { tables: ['x'] });

    hub.close();
    expect(host.listenerCount()).toBe(0);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
