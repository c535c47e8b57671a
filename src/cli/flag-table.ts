import type { ParseArgsConfig } from 'node:util';
import { Refusal, type ValueReader } from './option-readers';
import { parseCommandArgs } from './parse-command-args';

/**
 * One option of a command, declared once: the parser, the typed value and the usage line all
 * come from it. The option's long name is its key in the command's table.
 */
export interface Flag<T = unknown> {
  /** A one-letter alias: `o` for `-o`. */
  readonly short?: string;
  /** The value's name in the usage (`--requests N`). Without one, the option is a switch. */
  readonly value?: string;
  /** Given again, it adds a value instead of replacing it. */
  readonly repeatable?: true;
  /** What it does, for the usage; one paragraph, wrapped there. */
  readonly help: string;
  /** Its value when not given, as a user would write it: read like a given one, and shown in the usage. */
  readonly default?: string;
  /** How the text becomes the value; without one, the text as given. */
  readonly read?: ValueReader<T>;
}

export type FlagTable = Readonly<Record<string, Flag>>;

type ReadType<F> = F extends { read: (text: string) => infer R } ? Exclude<R, Refusal> : string;
type FlagValue<F> = F extends { value: string }
  ? F extends { repeatable: true }
    ? ReadType<F>[]
    : F extends { default: string }
      ? ReadType<F>
      : ReadType<F> | undefined
  : boolean;

/** The typed values of a table's options: a switch is a boolean, a repeatable option a list. */
export type FlagValues<T extends FlagTable> = { [K in keyof T]: FlagValue<T[K]> };

export interface ReadFlags<T extends FlagTable> {
  /** Meaningful where `problems` is empty; a refused value is left undefined. */
  values: FlagValues<T>;
  /** The options that were on the command line (a default does not count). */
  given: ReadonlySet<keyof T>;
  positionals: string[];
  /** One line per refused value, in the table's order, each starting with the option as written. */
  problems: string[];
}

/**
 * Reads `args` against a command's table: mistakes of form (an unknown option, a missing value)
 * are a UsageError at once; every refused value is a line in `problems`, so that a command can
 * add its own and report them all together.
 */
export function readFlags<T extends FlagTable>(args: string[], table: T): ReadFlags<T> {
  const { positionals, tokens } = parseCommandArgs(args, parserOptions(table));
  const values: Record<string, unknown> = {};
  const given = new Set<keyof T>();
  const problems: string[] = [];
  const read = (flag: Flag, text: string, shown: string): unknown => {
    const value = flag.read ? flag.read(text) : text;
    if (!(value instanceof Refusal)) return value;
    problems.push(`${shown} ${value.problem}`);
    return undefined;
  };
  for (const [name, flag] of Object.entries(table)) {
    const uses = tokens.filter((token) => token.kind === 'option' && token.name === name).map((token) => token as { rawName: string; value?: string });
    if (uses.length > 0) given.add(name);
    if (flag.value === undefined) values[name] = uses.length > 0;
    else if (flag.repeatable) values[name] = uses.map((use) => read(flag, use.value!, use.rawName)).filter((value) => value !== undefined);
    // As in parseArgs, the last of several wins.
    else if (uses.length > 0) values[name] = read(flag, uses[uses.length - 1].value!, uses[uses.length - 1].rawName);
    else values[name] = flag.default === undefined ? undefined : readDefault(name, flag);
  }
  return { values: values as FlagValues<T>, given, positionals, problems };
}

function readDefault(name: string, flag: Flag): unknown {
  const value = flag.read ? flag.read(flag.default!) : flag.default;
  if (value instanceof Refusal) throw new Error(`the default of --${name}, "${flag.default}", ${value.problem}`);
  return value;
}

type ParserOptions = NonNullable<ParseArgsConfig['options']>;

function parserOptions(table: FlagTable): ParserOptions {
  const options: ParserOptions = {};
  for (const [name, flag] of Object.entries(table)) {
    // parseArgs refuses a `short` or `multiple` that is there but undefined.
    options[name] = { type: flag.value === undefined ? 'boolean' : 'string' };
    if (flag.short !== undefined) options[name].short = flag.short;
    if (flag.repeatable) options[name].multiple = true;
  }
  return options;
}
