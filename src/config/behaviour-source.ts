import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse } from 'jsonc-parser';
import { ConfigError } from './config-error';
import { readConfigFile } from './read-config-file';
import { configFileType, type ConfigFileType } from './config-file-type';
import { EXAMPLES_DIR } from './package-root';

export interface BehaviourText {
  readonly text: string;
  /** Names the source in error messages: `CONFIG_JSON` or `CONFIG_FILE (path)`. */
  readonly source: string;
  readonly allowComments: boolean;
}

/**
 * Names of the bundled examples (example_configs/*.json[c]) of one type: behaviours, for
 * CONFIG_FILE=name, or topologies (which have "services"), for the commands that take one.
 * The JSON Schema lives there too and is left out.
 */
export function bundledExampleNames(type: ConfigFileType = 'behaviour'): string[] {
  if (!existsSync(EXAMPLES_DIR)) return [];
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => /\.jsonc?$/.test(file) && !file.endsWith('.schema.json') && isTopology(join(EXAMPLES_DIR, file)) === (type === 'topology'))
    .map((file) => basename(file, extname(file)))
    .sort();
}

function isTopology(path: string): boolean {
  return configFileType(parse(readFileSync(path, 'utf8'))) === 'topology';
}

/**
 * Reads CONFIG_FILE: a path (contains a slash or ends in .json/.jsonc) is a file; a bare name is a
 * bundled example such as `standalone`. Comments are allowed in files, as in any .jsonc.
 */
export function readBehaviourFile(value: string): BehaviourText {
  const looksLikePath = value.includes('/') || value.includes('\\') || /\.jsonc?$/i.test(value);
  const path = looksLikePath ? value : findBundledExample(value);
  const source = `CONFIG_FILE (${value})`;
  return { text: readConfigFile(path, source), source, allowComments: true };
}

function findBundledExample(name: string): string {
  // Reading the folder once: listing the examples opens each file to tell topologies apart.
  const names = bundledExampleNames();
  if (names.includes(name)) {
    for (const extension of ['.json', '.jsonc']) {
      const candidate = join(EXAMPLES_DIR, name + extension);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new ConfigError(`CONFIG_FILE (${name})`, [
    `is neither a path nor a bundled example; bundled examples are: ${names.join(', ')} (a path needs a / or a .json/.jsonc ending)`,
  ]);
}
