import type { FlagTable } from './flag-table';
import { usageText, type UsageLayout } from './usage-text';

/** One `thespian` subcommand. Each lives in its own file and is listed once in commands.ts. */
export interface Command {
  name: string;
  /** One line for `thespian --help`. */
  summary: string;
  /** Full usage text for `thespian <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A command as its file declares it: its flag table beside, its help and its run here. */
export interface CommandSpec<T extends FlagTable> extends UsageLayout<T> {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

/** The command, its usage made from its flag table and the hand-written parts of its help. */
export function defineCommand<T extends FlagTable>(flags: T, spec: CommandSpec<T>): Command {
  return { name: spec.name, summary: spec.summary, usage: usageText(flags, spec), run: spec.run };
}
