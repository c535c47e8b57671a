// The architecture rules as functions of a parsed source tree, each returning one line per
// problem (none when the rule holds), so that a failure says where to look. Not a test file.
import { folderOf, type SourceImport, type SourceTree } from './source-tree';

/** Folder → folder it imports → the first import that makes that edge. */
export function folderEdges(tree: SourceTree): Map<string, Map<string, SourceImport>> {
  const edges = new Map<string, Map<string, SourceImport>>(tree.files.map((file) => [folderOf(file), new Map()]));
  for (const found of tree.imports) {
    if (found.target === undefined) continue;
    const [from, to] = [folderOf(found.file), folderOf(found.target)];
    if (from !== to && !edges.get(from)!.has(to)) edges.get(from)!.set(to, found);
  }
  return edges;
}

function where(found: SourceImport): string {
  return `${found.file}:${found.line} imports '${found.specifier}'`;
}

/** Imports that resolve to no file under src/ (the other rules could not see where they lead). */
export function unresolvedImports(tree: SourceTree): string[] {
  return tree.imports.filter((found) => found.target === undefined).map((found) => `${where(found)}, which is no .ts file under src/`);
}

/** (a) The first cycle between folders, as the folders and the import that makes each step. */
export function folderCycleProblems(tree: SourceTree): string[] {
  const edges = folderEdges(tree);
  const cycle = firstCycle(new Map([...edges].map(([folder, to]) => [folder, [...to.keys()]])));
  if (!cycle) return [];
  const steps = cycle.slice(1).map((to, i) => `  ${cycle[i]} → ${to}: ${where(edges.get(cycle[i])!.get(to)!)}`);
  return [`folders import each other in a cycle: ${cycle.join(' → ')}`, ...steps];
}

/** (a) A cycle in the allowed graph itself: it would let the code grow one. */
export function allowedCycleProblems(allowed: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const cycle = firstCycle(new Map([...allowed].map(([folder, to]) => [folder, [...to]])));
  return cycle ? [`the allowed graph has a cycle: ${cycle.join(' → ')}`] : [];
}

/** The first cycle found by a depth-first walk (in name order, so the same one each run), from and back to its first node. */
function firstCycle(next: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const walk = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const to of [...(next.get(node) ?? [])].sort()) {
      if (state.get(to) === 'open') return [...path.slice(path.indexOf(to)), to];
      const cycle = state.has(to) ? undefined : walk(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...next.keys()].sort()) {
    const cycle = state.has(node) ? undefined : walk(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** (b) Imports between folders that the allowed graph does not list, and folders it does not know. */
export function disallowedImportProblems(tree: SourceTree, allowed: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const folders = new Set(tree.files.map(folderOf));
  const problems = [...folders].filter((folder) => !allowed.has(folder)).map((folder) => `src/${folder === '(root)' ? '*.ts' : folder} has no line in the allowed graph`);
  for (const folder of allowed.keys()) if (!folders.has(folder)) problems.push(`the allowed graph names ${folder}, which is no folder under src/`);
  for (const found of tree.imports) {
    if (found.target === undefined) continue;
    const [from, to] = [folderOf(found.file), folderOf(found.target)];
    const permitted = allowed.get(from);
    if (from === to || !permitted || permitted.has(to)) continue;
    problems.push(`${where(found)}: ${from} → ${to} is not allowed (${from} → ${[...permitted].join(', ') || '(none)'})`);
  }
  return problems;
}

/** (c) Functions longer than `maxLines`, longest first. */
export function longFunctionProblems(tree: SourceTree, maxLines: number): string[] {
  return tree.functions
    .filter((fn) => fn.lines > maxLines)
    .sort((a, b) => b.lines - a.lines)
    .map((fn) => `${fn.file}:${fn.line} ${fn.name} is ${fn.lines} lines long (at most ${maxLines})`);
}

/**
 * (d) Imports into another folder that do not go through that folder's index.ts and do not say
 * why (`// not through the index: <reason>`).
 */
export function pastIndexProblems(tree: SourceTree): string[] {
  const problems: string[] = [];
  for (const found of tree.imports) {
    if (found.target === undefined || found.notThroughIndex !== undefined) continue;
    const to = folderOf(found.target);
    const index = `src/${to}/index.ts`;
    if (to === folderOf(found.file) || to === '(root)' || found.target === index) continue;
    problems.push(`${where(found)}, past ${index}: import the folder, or say why at the import with // not through the index: <reason>`);
  }
  return problems;
}

/**
 * (d) Module cycles through an index.ts, counting only imports that load a module at run time:
 * an index that re-exports a module which imports the index (or a module in a cycle with it)
 * hands out half-built exports while the cycle loads.
 */
export function indexCycleProblems(tree: SourceTree): string[] {
  const next = new Map<string, string[]>(tree.files.map((file) => [file, []]));
  for (const found of tree.imports) if (!found.typeOnly && found.target !== undefined) next.get(found.file)!.push(found.target);
  return stronglyConnected(tree.files, next)
    .filter((component) => component.length > 1 && component.some((file) => file.endsWith('/index.ts')))
    .map((component) => `these modules import each other in a cycle through an index.ts: ${component.sort().join(', ')}`);
}

/** Tarjan's strongly connected components. */
function stronglyConnected(nodes: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[][] {
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string): void => {
    order.set(node, order.size);
    low.set(node, order.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!order.has(to)) connect(to);
      if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, low.get(to)!));
    }
    if (low.get(node) !== order.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    components.push(component);
  };
  for (const node of nodes) if (!order.has(node)) connect(node);
  return components;
}
