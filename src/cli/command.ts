/**
 * One module per command in src/cli/commands/, registered in src/cli/commands/index.ts.
 * Exit codes (cli-contract.md): 0 success; 1 ran but found/failed what it gates on; 2 bad usage or
 * unreadable input, with a one-line reason on stderr.
 */
export interface CliIO {
  /** stdout: results only (with --json exactly one JSON document). */
  out(text: string): void;
  /** stderr: progress, warnings, errors. */
  err(text: string): void;
  readonly cwd: string;
  /** True when stderr is a terminal (progress bars redraw in place). */
  readonly isTTY: boolean;
}

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** One or more usage lines, e.g. "import FILE… [--format F] [--db FILE] [--json]". */
  readonly usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Thrown for bad usage or unreadable input: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
