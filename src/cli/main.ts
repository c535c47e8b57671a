#!/usr/bin/env node
/**
 * cli/ — the `thespian` command: one binary, one subcommand per file, listed in commands.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from './commands';
import { closestName } from '../common';
// not through the index: config/index loads the engine and its zod schemas, which commands that read no behaviour (poke, health, load) should not wait for
import { ConfigError, CONFIG_ERROR_EXIT_CODE } from '../config/config-error';
// not through the index: config/index loads the engine and its zod schemas, which commands that read no behaviour (poke, health, load) should not wait for
import { PACKAGE_ROOT } from '../config/package-root';
// not through the index: config/index loads the engine and its zod schemas, which every command would wait for before its first line
import { warnIfNodeUnsupported } from '../config/supported-node';
import { UsageError } from './usage-error';

const USAGE_EXIT_CODE = 2;

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: thespian <command> [options]

Thespian acts out configured microservice behaviour over gRPC and reports it as traces and logs.

Commands:
${lines.join('\n')}

Run \`thespian <command> --help\` for a command's options; \`thespian --version\` prints the version.`;
}

/** The version in package.json, the one source of it. */
function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : USAGE_EXIT_CODE;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`thespian ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const what = name.startsWith('-') ? 'option' : 'command';
    const suggestion = closestName(name, COMMANDS.map((candidate) => candidate.name));
    process.stderr.write(`thespian: unknown ${what} "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; see \`thespian --help\`\n`);
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
      // The problems, and where to read more: the whole usage would bury them.
      process.stderr.write(`thespian ${name}: ${error.message}\nsee \`thespian ${name} --help\`\n`);
      return USAGE_EXIT_CODE;
    }
    throw error;
  }
}


if (require.main === module) {
  // Before anything else, so that every command (and `thespian up`'s services, which it silences) says it once.
  warnIfNodeUnsupported();
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
