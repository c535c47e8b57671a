// Shared helpers for the kit tests: paths into the repository and tolerant readers for the
// YAML, JSONC and JSON files around the instance. Not a test file itself (no .test.ts suffix).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseDocument, type Document } from 'yaml';

export const root = resolve(__dirname, '..', '..');

export function repoPath(...parts: string[]): string {
  return join(root, ...parts);
}

export function readText(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

export function exists(relative: string): boolean {
  return existsSync(repoPath(relative));
}

/** Parses a YAML file, failing with the parser's messages when it is not clean YAML. */
export function readYamlDocument(relative: string): Document.Parsed {
  const doc = parseDocument(readText(relative), { prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`${relative} does not parse:\n${problems.join('\n')}`);
  return doc;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export function readYaml(relative: string): Loose {
  return readYamlDocument(relative).toJS();
}

/** Parses JSON with comments and trailing commas, as VS Code does for its settings files. */
export function readJsonc(relative: string): Loose {
  const errors: ParseError[] = [];
  const value = parseJsonc(readText(relative), errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const list = errors.map((e) => `${printParseErrorCode(e.error)} at offset ${e.offset}`);
    throw new Error(`${relative} does not parse:\n${list.join('\n')}`);
  }
  return value;
}

export function readJson(relative: string): Loose {
  return JSON.parse(readText(relative));
}

/** Every value under `key` anywhere in a parsed tree (objects and arrays). */
export function collect(tree: Loose, key: string): Loose[] {
  const found: Loose[] = [];
  const walk = (node: Loose): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === key) found.push(v);
        walk(v);
      }
    }
  };
  walk(tree);
  return found;
}

/** Every string in a parsed tree, with its dotted path. */
export function strings(tree: Loose, path = ''): Array<[string, string]> {
  if (typeof tree === 'string') return [[path, tree]];
  if (Array.isArray(tree)) return tree.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (tree && typeof tree === 'object') {
    return Object.entries(tree).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** The package.json scripts, to check that recipes and tasks name scripts that exist. */
export function npmScripts(): Record<string, string> {
  return readJson('package.json').scripts ?? {};
}
