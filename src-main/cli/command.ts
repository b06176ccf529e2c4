/** A `molecule` sub-command. Commands live in commands/<name>.ts (exporting `run`) and are registered in commands/index.ts. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export interface CliCommand {
  name: string;
  /** One line for `molecule help`. */
  summary: string;
  /** Usage text (lines) for `molecule help <name>` and usage errors. */
  usage: string;
  /** Imports the command's module on demand and returns its `run`. */
  load(): Promise<CommandRun>;
}

/** Returns the exit code. Throw UsageError for bad arguments, any Error for failures (one line is printed). */
export type CommandRun = (argv: string[], io: CliIO) => Promise<number>;
