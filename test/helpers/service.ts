/**
 * The service for slice tests, set up for the calling suite (beforeAll/afterAll): either the
 * service host (the service in its worker thread, as the apps run it) or the service in-process
 * (handlers called directly, events recorded). Both open the bundled sample workspace unless told
 * another one.
 */
import { afterAll, beforeAll } from 'vitest';
import { join } from 'node:path';
import { startServiceHost, type ServiceHost } from '../../src/core/service/host.ts';
import { createService, type Service } from '../../src/core/service/service.ts';
import { validateInput, type ApiInput, type ApiMethod, type ApiResults } from '../../src/shared/api.ts';
import { ROOT } from './paths.ts';
import { tempDir } from './tmp.ts';

/** The service host on the sample workspace; `detect` runs detection first (the views that read findings). */
export function useServiceHost(opts: { detect?: boolean } = {}): <M extends ApiMethod>(method: M, input: unknown) => Promise<ApiResults[M]> {
  let host: ServiceHost | undefined;
  beforeAll(async () => {
    host = await startServiceHost({ userDataDir: join(tempDir(), 'user-data') });
    if (opts.detect) await host.call('detect.run', {});
  });
  afterAll(() => host?.close());
  return <M extends ApiMethod>(method: M, input: unknown) => host!.call(method, input) as Promise<ApiResults[M]>;
}

export interface InProcessService {
  /** Validates the input as the transports do, then calls the handler. */
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]>;
  /** The tables of every `workspace.changed` event so far. */
  changed: string[][];
  service(): Service;
}

/** The service in-process; `workspace` (a function, as suites create it in their own beforeAll) opens another workspace than the sample. */
export function useService(opts: { workspace?: () => string } = {}): InProcessService {
  let service: Service | undefined;
  const changed: string[][] = [];
  beforeAll(async () => {
    service = await createService({
      userDataDir: join(tempDir(), 'user-data'),
      ...(opts.workspace ? { workspace: opts.workspace() } : {}),
      resourcesDir: join(ROOT, 'resources'),
      emit: (event, payload) => {
        if (event === 'workspace.changed') changed.push((payload as { tables: string[] }).tables);
      },
    });
  }, 60_000);
  afterAll(() => service?.close());
  return {
    call: async <M extends ApiMethod>(method: M, input: ApiInput<M>) => {
      const v = validateInput<M>(method, input);
      return service!.handle(v.method, v.input);
    },
    changed,
    service: () => service!,
  };
}
