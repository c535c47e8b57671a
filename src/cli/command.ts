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
