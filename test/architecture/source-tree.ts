// What the architecture tests read: every .ts file under src/, parsed with @babel/parser (the
// TypeScript 7 in node_modules has no JS compiler API), with its relative imports and its
// functions. Not a test file itself (no .test.ts suffix).
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
// Version 7 on purpose: 8 is an ES module that declares Node 22.18+, and the project supports 22.15+.
import { parse } from '@babel/parser';

/** One relative import: `import … from`, `export … from`, `import type`, `require()`, `import()`, `typeof import()`. */
export interface SourceImport {
  /** Repository-relative path of the importing file, e.g. `src/engine/actions/sleep.ts`. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  /** Repository-relative path of the file it resolves to; undefined when none of src/ matches. */
  readonly target: string | undefined;
  /** Erased at compile time (`import type`, `typeof import(…)`): no module is loaded for it. */
  readonly typeOnly: boolean;
  /** The reason given on the line or the line above as `// not through the index: <reason>`. */
  readonly notThroughIndex?: string;
}

export interface SourceFunction {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

export interface SourceTree {
  readonly files: readonly string[];
  readonly imports: readonly SourceImport[];
  readonly functions: readonly SourceFunction[];
}

/** The top folder under src/ that a repository-relative path belongs to; `(root)` for src/*.ts. */
export function folderOf(path: string): string {
  const parts = path.split('/');
  return parts.length <= 2 ? '(root)' : parts[1];
}

/** Reads and parses every .ts file under `repoRoot`/src. */
export function readSourceTree(repoRoot: string): SourceTree {
  const texts = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) texts.set(relative(repoRoot, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(join(repoRoot, 'src'));
  return parseSourceTree(texts);
}

/** Parses files given as repository-relative path → text (the tests of the checks give made-up trees). */
export function parseSourceTree(texts: ReadonlyMap<string, string>): SourceTree {
  const files = [...texts.keys()].sort();
  const known = new Set(files);
  const imports: SourceImport[] = [];
  const functions: SourceFunction[] = [];
  for (const file of files) {
    // attachComment: false keeps comments in ast.comments only, which is all that is read and halves the time.
    const ast = parse(texts.get(file)!, { sourceType: 'module', plugins: ['typescript'], attachComment: false });
    const reasons = notThroughIndexReasons(ast.comments ?? []);
    // Read generically (type, loc and the children under any key), so @babel/types' node union is not needed.
    visit(ast.program as unknown as AstNode, [], (node, ancestors) => {
      const found = importOf(node);
      if (found && found.specifier.startsWith('.')) {
        const { start, end } = node.loc!;
        const reason = [start.line - 1, start.line, end.line].map((line) => reasons.get(line)).find((text) => text !== undefined);
        const target = resolveImport(file, found.specifier, known);
        imports.push({ file, line: start.line, specifier: found.specifier, target, typeOnly: found.typeOnly, ...(reason ? { notThroughIndex: reason } : {}) });
      }
      if (FUNCTION_TYPES.has(node.type)) {
        const { start, end } = node.loc!;
        functions.push({ file, line: start.line, name: functionName(node, ancestors), lines: end.line - start.line + 1 });
      }
    });
  }
  return { files, imports, functions };
}

// Babel's nodes, as far as these tests look at them.
interface AstNode {
  readonly type: string;
  readonly loc?: { readonly start: { readonly line: number }; readonly end: { readonly line: number } } | null;
  readonly [key: string]: unknown;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ClassMethod', 'ClassPrivateMethod', 'ObjectMethod']);
const SKIPPED_KEYS = new Set(['loc', 'leadingComments', 'trailingComments', 'innerComments', 'extra']);

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Calls `onNode` for `node` and every node below it; `ancestors` is the path down to it (shared, so copy it to keep it). */
function visit(node: AstNode, ancestors: AstNode[], onNode: (node: AstNode, ancestors: readonly AstNode[]) => void): void {
  onNode(node, ancestors);
  ancestors.push(node);
  for (const key in node) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (isNode(child)) visit(child, ancestors, onNode);
    } else if (isNode(value)) visit(value, ancestors, onNode);
  }
  ancestors.pop();
}

function stringValue(node: unknown): string | undefined {
  return isNode(node) && node.type === 'StringLiteral' ? (node.value as string) : undefined;
}

/** The module a node imports, if it is one of the forms that import. */
function importOf(node: AstNode): { specifier: string; typeOnly: boolean } | undefined {
  const specifiers = (node.specifiers as AstNode[] | undefined) ?? [];
  const allTyped = (kind: string) => node[kind] === 'type' || (specifiers.length > 0 && specifiers.every((s) => s[kind] === 'type'));
  let specifier: string | undefined;
  let typeOnly = false;
  switch (node.type) {
    case 'ImportDeclaration':
      [specifier, typeOnly] = [stringValue(node.source), allTyped('importKind')];
      break;
    case 'ExportNamedDeclaration':
    case 'ExportAllDeclaration':
      [specifier, typeOnly] = [stringValue(node.source), allTyped('exportKind')];
      break;
    case 'ImportExpression':
      specifier = stringValue(node.source);
      break;
    case 'CallExpression': {
      const callee = node.callee as AstNode;
      const isRequire = callee.type === 'Identifier' && callee.name === 'require';
      if (isRequire || callee.type === 'Import') specifier = stringValue((node.arguments as unknown[])[0]);
      break;
    }
    case 'TSImportType':
      [specifier, typeOnly] = [stringValue(node.source ?? node.argument), true];
      break;
    case 'TSImportEqualsDeclaration':
      specifier = stringValue((node.moduleReference as AstNode).expression);
      break;
  }
  return specifier === undefined ? undefined : { specifier, typeOnly };
}

/** Line → reason, for each `// not through the index: <reason>` comment. */
function notThroughIndexReasons(comments: readonly { value: string; loc?: { start: { line: number } } | null }[]): Map<number, string> {
  const reasons = new Map<number, string>();
  for (const comment of comments) {
    const reason = /^\s*not through the index:\s*(\S.*?)\s*$/.exec(comment.value)?.[1];
    if (reason && comment.loc) reasons.set(comment.loc.start.line, reason);
  }
  return reasons;
}

function resolveImport(file: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '');
  return [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => known.has(candidate));
}

function keyName(key: unknown): string {
  if (!isNode(key)) return '(computed)';
  if (key.type === 'Identifier') return key.name as string;
  if (key.type === 'PrivateName') return `#${(key.id as AstNode).name as string}`;
  return stringValue(key) ?? '(computed)';
}

/** A name a person can find the function by: `runUp`, `TraceTally.countTrace`, `options.onLine`. */
function functionName(node: AstNode, ancestors: readonly AstNode[]): string {
  const parent = ancestors[ancestors.length - 1];
  const className = () => {
    const owner = [...ancestors].reverse().find((ancestor) => ancestor.type === 'ClassDeclaration' || ancestor.type === 'ClassExpression');
    return isNode(owner?.id) ? `${owner.id.name as string}.` : '';
  };
  if (isNode(node.id)) return node.id.name as string;
  if (node.type === 'ObjectMethod') return keyName(node.key);
  if (node.type !== 'FunctionExpression' && node.type !== 'ArrowFunctionExpression') return `${className()}${keyName(node.key)}`;
  if (parent?.type === 'VariableDeclarator' && isNode(parent.id) && parent.id.type === 'Identifier') return parent.id.name as string;
  if (parent?.type === 'ObjectProperty') return keyName(parent.key);
  if (parent?.type === 'ClassProperty' || parent?.type === 'ClassPrivateProperty') return `${className()}${keyName(parent.key)}`;
  if (parent?.type === 'ExportDefaultDeclaration') return '(default export)';
  if (parent?.type === 'CallExpression') return `(function passed to ${calleeName(parent.callee)})`;
  const outer = ancestors.map((ancestor) => FUNCTION_TYPES.has(ancestor.type)).lastIndexOf(true);
  if (outer >= 0) return `(function in ${functionName(ancestors[outer], ancestors.slice(0, outer))})`;
  return '(anonymous function)';
}

function calleeName(callee: unknown): string {
  if (!isNode(callee)) return '?';
  if (callee.type === 'Identifier') return callee.name as string;
  if (callee.type === 'MemberExpression') return `${calleeName(callee.object)}.${keyName(callee.property)}`;
  return '?';
}
