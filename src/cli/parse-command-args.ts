import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../common';
import { UsageError } from './usage-error';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util's parseArgs with the settings every subcommand uses (positionals allowed, unknown
 * options refused, tokens kept: they say how each option was written, `-n` or `--count`). Mistakes get our own one-line messages, with the closest option name for a
 * misspelt one, as UsageErrors (exit 2); parseArgs's own wording is kept only for what is not
 * foreseen here.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T) {
  const problem = firstProblem(args, options);
  if (problem !== undefined) throw new UsageError(problem);
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

/** The first mistake in `args`, read leniently so that every kind of mistake can be named. */
function firstProblem(args: string[], options: Options): string | undefined {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    if (option === undefined) {
      const suggestion = token.rawName.startsWith('--') ? closestName(token.name, Object.keys(options)) : undefined;
      return `unknown option ${token.rawName}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`;
    }
    const shown = token.rawName;
    if (option.type === 'boolean' && token.inlineValue) return `${shown} takes no value (got "${token.value}")`;
    if (option.type === 'string') {
      if (token.value === undefined) return `${shown} needs a value`;
      // A lone "-" is a value (stdout, as in `generate -o -`), as parseArgs itself takes it.
      if (!token.inlineValue && token.value.startsWith('-') && token.value !== '-') {
        return `${shown} needs a value, but is followed by "${token.value}"; for a value that starts with "-", write --${token.name}=${token.value}`;
      }
    }
  }
  return undefined;
}
