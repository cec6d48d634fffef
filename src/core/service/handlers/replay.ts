/**
 * The replay slice of the Api (src/shared/api-replay.ts) over the open workspace. Sends go through
 * the scope-checked undici sender unless the service was given another (tests never need to: they
 * run a real local target).
 */
import { ApiError } from '../../../shared/api.ts';
import type { ReplayResults, replayInputs } from '../../../shared/api-replay.ts';
import { exportReplay, listPrincipals, prepareReplay, replayActorSession, replayDetail, sendReplay, swapIdentities } from '../../replay/engine.ts';
import { undiciSender, type HttpSender } from '../../replay/sender.ts';
import { activateEnvironment, addScope, deleteEnvironment, listEnvironments, listReplays, listScope, listVerdicts, removeScope, saveEnvironment } from '../../replay/store.ts';
import type { FeatureHandlers, ServiceContext } from '../service.ts';

export function replayHandlers(ctx: ServiceContext, sender: HttpSender = undiciSender): FeatureHandlers<typeof replayInputs, ReplayResults> {
  const running = new Map<string, AbortController>();
  /** Runs `fn` with a signal `replay.cancel` can trip when the caller named the run. */
  const cancellable = async <T>(runKey: string | undefined, fn: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> => {
    if (runKey === undefined) return fn(undefined);
    if (running.has(runKey)) throw new ApiError('bad-input', `a replay run named ${runKey} is already running`);
    const controller = new AbortController();
    running.set(runKey, controller);
    try {
      return await fn(controller.signal);
    } finally {
      running.delete(runKey);
    }
  };
  return {
    'replay.prepare': ({ exchangeId }) => prepareReplay(ctx.db(), exchangeId),
    'replay.send': async (input) => {
      const detail = await cancellable(input.runKey, (signal) => sendReplay(ctx.db(), sender, { ...input, signal }));
      ctx.changed('replays');
      return detail;
    },
    'replay.list': (q) => listReplays(ctx.db(), q),
    'replay.get': ({ id }) => replayDetail(ctx.db(), id),
    'replay.export': (input) => exportReplay(ctx.db(), input),
    'replay.principals': () => listPrincipals(ctx.db()),
    'replay.swap': async (input) => {
      const result = await cancellable(input.runKey, (signal) => swapIdentities(ctx.db(), sender, { ...input, signal }));
      ctx.changed('replays', 'finding_verdicts');
      return result;
    },
    'replay.verdicts': ({ findingId }) => listVerdicts(ctx.db(), findingId),
    'replay.session': async (input) => {
      const result = await cancellable(input.runKey, (signal) => replayActorSession(ctx.db(), sender, { ...input, signal }));
      ctx.changed('replays');
      return result;
    },
    'replay.cancel': ({ runKey }) => {
      const controller = running.get(runKey);
      controller?.abort();
      return controller !== undefined;
    },
    'scope.list': () => listScope(ctx.db()),
    'scope.add': ({ entry }) => {
      const list = addScope(ctx.db(), entry);
      ctx.changed('replay_scope');
      return list;
    },
    'scope.remove': ({ entry }) => {
      const list = removeScope(ctx.db(), entry);
      ctx.changed('replay_scope');
      return list;
    },
    'env.list': () => listEnvironments(ctx.db()),
    'env.save': (env) => {
      const saved = saveEnvironment(ctx.db(), env);
      ctx.changed('replay_environments');
      return saved;
    },
    'env.delete': ({ id }) => {
      deleteEnvironment(ctx.db(), id);
      ctx.changed('replay_environments');
    },
    'env.activate': ({ id }) => {
      activateEnvironment(ctx.db(), id);
      ctx.changed('replay_environments');
    },
  };
}
