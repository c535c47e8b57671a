/**
 * The files in example_configs/, sorted into their kinds: behaviour examples (CONFIG_FILE=<name>),
 * topologies (`thespian up <file>`), the generated JSON Schema, and the original's two files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse } from 'jsonc-parser';
import { ROOT } from '../support/instance-process';

export const EXAMPLES_DIR = join(ROOT, 'example_configs');

/** The original Rust project's examples: kept byte for byte, so they have no comment. */
export const ORIGINAL_EXAMPLES = ['standalone.json', 'call_service.json'];
export const SCHEMA_FILE = 'thespian.schema.json';

export interface ExampleFile {
  readonly file: string;
  readonly path: string;
  /** The bare name CONFIG_FILE takes (behaviours) or the file name without extension. */
  readonly name: string;
  readonly kind: 'behaviour' | 'topology' | 'schema';
  readonly text: string;
}

export function exampleFiles(): ExampleFile[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => /\.(jsonc?|ya?ml)$/.test(file))
    .sort()
    .map((file) => {
      const path = join(EXAMPLES_DIR, file);
      const text = readFileSync(path, 'utf8');
      const kind = file === SCHEMA_FILE ? 'schema' : isTopology(file, text) ? 'topology' : 'behaviour';
      return { file, path, name: basename(file, extname(file)), kind, text };
    });
}

function isTopology(file: string, text: string): boolean {
  // YAML is only read as a topology; JSON(C) is a topology when it has "services".
  if (/\.ya?ml$/.test(file)) return true;
  const data: unknown = parse(text);
  return typeof data === 'object' && data !== null && 'services' in data;
}

/** The comment lines a file opens with (before its first non-comment line), without markers. */
export function leadingComment(text: string): string | null {
  const lines = text.split('\n');
  const comment: string[] = [];
  for (const line of lines) {
    const match = /^\s*(?:\/\/|#)\s?(.*)$/.exec(line);
    if (!match) break;
    comment.push(match[1]);
  }
  if (comment.length > 0) return comment.join('\n');
  const block = /^\s*\/\*([\s\S]*?)\*\//.exec(text);
  return block ? block[1] : null;
}
