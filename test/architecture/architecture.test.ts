// The shape of src/ as README.md's "## Architecture" section draws it: folders import one way,
// only along the arrows the README allows, through each folder's index.ts, and no function
// grows past 100 lines. Reads the sources, runs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  allowedCycleProblems,
  disallowedImportProblems,
  folderCycleProblems,
  indexCycleProblems,
  longFunctionProblems,
  pastIndexProblems,
  unresolvedImports,
} from './checks';
import { allowedImports } from './readme-graph';
import { readSourceTree } from './source-tree';

const ROOT = join(__dirname, '..', '..');
const tree = readSourceTree(ROOT);
const allowed = allowedImports(readFileSync(join(ROOT, 'README.md'), 'utf8'));

const MAX_FUNCTION_LINES = 100;

function assertNone(problems: readonly string[], what: string): void {
  assert.equal(problems.length, 0, `${what}:\n${problems.join('\n')}`);
}

test('every relative import in src/ resolves to a file under src/', () => {
  assert.ok(tree.imports.length > 100, `only ${tree.imports.length} imports found: the parser no longer sees them`);
  assertNone(unresolvedImports(tree), 'imports the other checks cannot follow');
});

test('(a) the folders under src/ import each other in no cycle, and README.md allows none', () => {
  assertNone(folderCycleProblems(tree), 'a folder cycle');
  assertNone(allowedCycleProblems(allowed), "a cycle in README.md's allowed graph");
});

test("(b) each folder imports only the folders README.md's architecture section allows", () => {
  assertNone(disallowedImportProblems(tree, allowed), 'imports README.md does not allow (fix the import, or the README if the design changed)');
});

test(`(c) no function in src/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  assertNone(longFunctionProblems(tree, MAX_FUNCTION_LINES), 'functions to split');
});

test('(d) imports into another folder go through its index.ts, unless the line says why not', () => {
  assertNone(pastIndexProblems(tree), 'imports past an index.ts');
});

test('(d) no index.ts takes part in a cycle of modules', () => {
  assertNone(indexCycleProblems(tree), 'module cycles through an index');
});
