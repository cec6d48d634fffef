import { commands } from './commands/index.ts';
import { UsageError, type CliIO } from './command.ts';

export function usage(): string {
  const lines = commands.map((c) => `  cartograph ${c.usage.split('\n').join('\n  cartograph ')}\n      ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n\nEvery workspace command takes --db FILE (default ./cartograph.sqlite); --json prints one JSON document.\n`;
}

export function consoleIO(): CliIO {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** Runs one command line; returns the exit code (0 ok, 1 gate failed, 2 bad usage/input). */
export async function main(argv: string[], io: CliIO = consoleIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.out : io.err)(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out('cartograph 0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`cartograph: unknown command '${name}' (try cartograph --help)\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const e = err as Error;
    // One line for people and scripts; the stack only when asked for.
    const detail = process.env.CARTOGRAPH_DEBUG && !(e instanceof UsageError) ? `\n${e.stack}` : '';
    io.err(`cartograph ${name}: ${(e.message ?? String(err)).split('\n')[0]}${detail}\n`);
    return 2;
  }
}
