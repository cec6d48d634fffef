import type { CliCommand } from '../command.ts';
import { UsageError } from '../command.ts';
import { DB_OPTION, dbPath, openCliWorkspace, parse } from '../args.ts';
import { ApiError } from '../../shared/api.ts';
import { addScope, listScope, removeScope } from '../../core/replay/store.ts';

export const scopeCommand: CliCommand = {
  name: 'scope',
  summary: "Manage the workspace's replay scope: the hosts replays may reach (default: loopback only).",
  usage: 'scope add|remove|list [HOST[:PORT]] [--db FILE]',
  async run(argv, io) {
    const { values, positionals } = parse(argv, DB_OPTION, true);
    const [action, entry, ...extra] = positionals;
    if (action !== 'add' && action !== 'remove' && action !== 'list') throw new UsageError(`expected add, remove or list, got ${JSON.stringify(action ?? '')}`);
    if (action === 'list' ? entry !== undefined : entry === undefined || extra.length > 0) {
      throw new UsageError(action === 'list' ? 'scope list takes no host' : `scope ${action} takes one HOST[:PORT] (e.g. api.example.com:443, *.staging.example, loopback)`);
    }
    const db = openCliWorkspace(dbPath(values, io));
    try {
      let list: string[];
      try {
        list = action === 'list' ? listScope(db) : action === 'add' ? addScope(db, entry!) : removeScope(db, entry!);
      } catch (err) {
        if (err instanceof ApiError) throw new UsageError(err.message);
        throw err;
      }
      if (action !== 'list') io.err(`${action === 'add' ? 'added' : 'removed'} ${entry}\n`);
      io.out(list.map((e) => `${e}\n`).join(''));
      if (list.length === 0) io.err('the replay scope is empty: nothing can be replayed\n');
      return 0;
    } finally {
      db.close();
    }
  },
};
