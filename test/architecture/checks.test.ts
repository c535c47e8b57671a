// The architecture checks on made-up source trees: each finds what it guards against, in every
// import form, so that a clean run on the real tree means something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
import { parseSourceTree } from './source-tree';

const treeOf = (files: Record<string, string>) => parseSourceTree(new Map(Object.entries(files)));

test('every import form is seen, and a type-only one is told apart', () => {
  const tree = treeOf({
    'src/a/index.ts': [
      "import { x } from '../b';",
      "import type { T } from '../b/t';",
      "export { y } from '../c/y';",
      "export * from '../d';",
      "const e = require('../e');",
      "const f = () => import('../f');",
      "type G = typeof import('../g');",
      "import h = require('../h');",
      "import { readFileSync } from 'node:fs';",
    ].join('\n'),
  });
  const seen = tree.imports.map((found) => `${found.specifier}${found.typeOnly ? ' (type)' : ''}`);
  assert.deepEqual(seen, ['../b', '../b/t (type)', '../c/y', '../d', '../e', '../f', '../g (type)', '../h']);
  assert.equal(unresolvedImports(tree).length, 8, 'none of them is a file of this tree');
});

test('(a) a folder cycle is found and printed with the imports that make it', () => {
  const tree = treeOf({
    'src/a/index.ts': "import { b } from '../b';\nexport const a = 1;",
    'src/b/index.ts': "export { c as b } from '../c/deep';",
    'src/c/deep.ts': "import { a } from '../a';\nexport const c = a;",
  });
  assert.deepEqual(folderCycleProblems(tree), [
    'folders import each other in a cycle: a → b → c → a',
    "  a → b: src/a/index.ts:1 imports '../b'",
    "  b → c: src/b/index.ts:1 imports '../c/deep'",
    "  c → a: src/c/deep.ts:1 imports '../a'",
  ]);
  const allowed = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
  assert.deepEqual(allowedCycleProblems(allowed), ['the allowed graph has a cycle: a → b → c → a']);
});

test("(b) the allowed graph is read from README's Architecture block; other imports and unknown folders are named", () => {
  const readme = ['# X', '## Architecture', 'Text.', '```', 'a      → b', 'b      → (none)', 'gone   → b', '```', '## Next'].join('\n');
  const allowed = allowedImports(readme);
  assert.deepEqual([...allowed].map(([folder, to]) => `${folder}:${[...to].join(',')}`), ['a:b', 'b:', 'gone:b']);
  const tree = treeOf({
    'src/a/x.ts': "import { y } from '../b/y';",
    'src/b/y.ts': "import type { Z } from '../c/z';\nexport const y = 1;",
    'src/c/z.ts': 'export type Z = 1;',
  });
  assert.deepEqual(disallowedImportProblems(tree, allowed), [
    'src/c has no line in the allowed graph',
    'the allowed graph names gone, which is no folder under src/',
    "src/b/y.ts:1 imports '../c/z': b → c is not allowed (b → (none))",
  ]);
  assert.throws(() => allowedImports('# X\n## Usage\n'), /no "## Architecture" section/);
});

test('(c) a long function is named with its file, line and length', () => {
  const body = Array.from({ length: 101 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const tree = treeOf({
    'src/a/x.ts': `export function short() {\n  return 1;\n}\n\nclass Session {\n  stop() {\n${body}\n  }\n}\nconst run = async () => {\n${body}\n};`,
  });
  assert.deepEqual(longFunctionProblems(tree, 100), [
    'src/a/x.ts:6 Session.stop is 103 lines long (at most 100)',
    'src/a/x.ts:110 run is 103 lines long (at most 100)',
  ]);
});

test('(d) an import past an index is named unless its line says why, from any folder', () => {
  const tree = treeOf({
    'src/a/x.ts': [
      "import { y } from '../b/y';",
      "import { z } from '../b/z'; // not through the index: b/index.ts loads grpc-js",
      '// not through the index: the same reason, on the line above',
      "import { w } from '../b/z';",
      "import { v } from '../b';",
    ].join('\n'),
    'src/b/index.ts': "export * from './y';",
    'src/b/y.ts': 'export const y = 1;',
    'src/b/z.ts': 'export const z = 1;',
    'src/c/x.ts': "import { y } from '../b/y';",
    'src/b/inner.ts': "import { y } from './y';",
    'src/main.ts': "import { x } from './a/x';",
  });
  assert.deepEqual(pastIndexProblems(tree), [
    "src/a/x.ts:1 imports '../b/y', past src/b/index.ts: import the folder, or say why at the import with // not through the index: <reason>",
    "src/c/x.ts:1 imports '../b/y', past src/b/index.ts: import the folder, or say why at the import with // not through the index: <reason>",
    "src/main.ts:1 imports './a/x', past src/a/index.ts: import the folder, or say why at the import with // not through the index: <reason>",
  ]);
});

test('(d) a module cycle through an index.ts is found; type-only imports do not make one', () => {
  const tree = treeOf({
    'src/a/index.ts': "export * from './x';",
    'src/a/x.ts': "import { b } from '../b';\nexport const x = 1;",
    'src/b/index.ts': "import { x } from '../a';\nimport type { Y } from './y';\nexport const b = x;",
    'src/b/y.ts': "import type { b } from '.';\nexport type Y = typeof b;",
  });
  assert.deepEqual(indexCycleProblems(tree), ['these modules import each other in a cycle through an index.ts: src/a/index.ts, src/a/x.ts, src/b/index.ts']);
});
