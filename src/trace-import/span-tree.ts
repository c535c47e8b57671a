import { ImportError } from './import-error';
import type { TraceSpan } from './trace-span';

/** A span with the spans whose parent it is, in start order. */
export interface SpanNode {
  readonly span: TraceSpan;
  readonly children: SpanNode[];
}

/** Health checks and reflection: traffic of the tooling, not of the system being copied. */
const TOOLING_SERVICES = /^grpc\.(health\.v1\.Health$|reflection\.)/;

/**
 * The traces in `spans` as trees, one root each, in the order the traces started. The root is
 * the one span whose parent is not in the trace (a request's first span often has a parent in a
 * client that exported nothing). Broken traces are refused, every problem on its line: spans
 * listed twice, parent links that loop, and traces in pieces (more than one span whose parent
 * is missing: a lost span would leave a hole in the copied shape). Traces of health checks and
 * reflection are left out.
 */
export function spanTrees(source: string, spans: readonly TraceSpan[]): SpanNode[] {
  const byTrace = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  const problems: string[] = [];
  const roots: SpanNode[] = [];
  for (const [traceId, traceSpans] of byTrace) {
    const root = treeOfTrace(traceSpans, (problem) => problems.push(`${source}: trace ${traceId}: ${problem}`));
    if (root && !TOOLING_SERVICES.test(String(root.span.attributes['rpc.service'] ?? ''))) roots.push(root);
  }
  if (problems.length > 0) throw new ImportError(problems);
  return roots.sort((a, b) => a.span.startMs - b.span.startMs);
}

function treeOfTrace(spans: readonly TraceSpan[], problem: (text: string) => void): SpanNode | undefined {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) {
    if (nodes.has(span.spanId)) return void problem(`span ${span.spanId} is listed twice`);
    nodes.set(span.spanId, { span, children: [] });
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(node.span.parentSpanId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const loop = findLoop(nodes);
  if (loop) return void problem(`parent links form a cycle (${loop.join(' → ')})`);
  if (roots.length > 1) {
    const orphans = roots.map((root) => `${root.span.service} "${root.span.name}" (parent ${root.span.parentSpanId || 'none'})`);
    return void problem(`${roots.length} spans whose parent is not in the trace, so it is in pieces: ${orphans.slice(0, 5).join(', ')}${orphans.length > 5 ? ', ...' : ''}`);
  }
  for (const node of nodes.values()) node.children.sort((a, b) => a.span.startMs - b.span.startMs);
  return roots[0];
}

/** Span ids around a parent loop, if the links have one (such spans reach no root). */
function findLoop(nodes: ReadonlyMap<string, SpanNode>): string[] | undefined {
  const settled = new Set<string>();
  for (const start of nodes.keys()) {
    const path: string[] = [];
    let id: string | undefined = start;
    while (id !== undefined && nodes.has(id) && !settled.has(id)) {
      if (path.includes(id)) return [...path.slice(path.indexOf(id)), id];
      path.push(id);
      id = nodes.get(id)?.span.parentSpanId;
    }
    for (const visited of path) settled.add(visited);
  }
  return undefined;
}
