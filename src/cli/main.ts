#!/usr/bin/env node
/**
 * cli/ — the `thespian` command: one binary, one subcommand per file, listed in commands.ts.
 */
import { COMMANDS } from './commands';
import { ConfigError, CONFIG_ERROR_EXIT_CODE } from '../config/config-error';
import { UsageError } from './usage-error';

export { UsageError };

const USAGE_EXIT_CODE = 2;

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: thespian <command> [options]

Thespian acts out configured microservice behaviour over gRPC and reports it as traces and logs.

Commands:
${lines.join('\n')}

Run \`thespian <command> --help\` for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : USAGE_EXIT_CODE;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`thespian: unknown command "${name}"\n\n${help()}\n`);
    return USAGE_EXIT_CODE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    // Bad input never shows a stack trace: usage and config errors print their lines and exit 2.
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`${problem}\n`);
      return CONFIG_ERROR_EXIT_CODE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`thespian ${name}: ${error.message}\n\n${command.usage}\n`);
      return USAGE_EXIT_CODE;
    }
    throw error;
  }
}


if (require.main === module) {
  // `thespian ... | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`thespian: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
