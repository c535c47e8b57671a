import { INJECTED_KIND_ATTRIBUTE, KIND_ATTRIBUTE, THESPIAN_RPC_SERVICE } from '../engine';
import { newStep, type ObservedModel, type Operation, type StepNode, type StepType } from './observed-model';
import type { SpanNode } from './span-tree';

/**
 * Adds one trace to the model: its entry operation (the root, or the SERVER span a root CLIENT
 * span reached), and every operation and step below it, matched to what earlier traces showed
 * by step type and name (the second "query db" under one parent is the second one again).
 */
export function addTrace(model: ObservedModel, root: SpanNode): void {
  model.traces += 1;
  const servers = root.span.kind === 'CLIENT' ? root.children.filter((child) => child.span.kind === 'SERVER') : [];
  const entry = visitOperation(model, servers.length === 1 ? servers[0] : root);
  model.entries.set(entry, (model.entries.get(entry) ?? 0) + 1);
}

function visitOperation(model: ObservedModel, server: SpanNode): Operation {
  const { service } = server.span;
  const letter = thespianMethod(server);
  // A Thespian method's span holds one Function span, the behaviour's own; elsewhere the SERVER span is the body.
  const functionSpan = letter ? server.children.find((child) => child.span.attributes[KIND_ATTRIBUTE] === 'Function') : undefined;
  const body = functionSpan ?? server;
  const key = letter ?? server.span.name;
  let operations = model.services.get(service);
  if (!operations) model.services.set(service, (operations = new Map()));
  let operation = operations.get(key);
  if (!operation) operations.set(key, (operation = { service, key, letter, body: newStep('function', body.span.name) }));
  mergeStep(model, operation.body, body, body.span.startMs);
  return operation;
}

function thespianMethod(server: SpanNode): 'A' | 'B' | 'C' | undefined {
  const method = server.span.attributes['rpc.method'];
  if (server.span.attributes['rpc.service'] !== THESPIAN_RPC_SERVICE) return undefined;
  return method === 'A' || method === 'B' || method === 'C' ? method : undefined;
}

function mergeStep(model: ObservedModel, step: StepNode, node: SpanNode, parentStartMs: number): void {
  const { span } = node;
  const start = span.startMs - parentStartMs;
  step.starts.push(start);
  step.ends.push(start + span.durationMs);
  step.traceNumbers.push(model.traces);
  if (span.attributes[KIND_ATTRIBUTE] !== undefined) step.madeByThespian = true;
  if (failureBeganAt(node)) step.failures += 1;
  if (step.type === 'function') {
    step.durations.push(ownTime(node));
    mergeChildren(model, step, node);
    return;
  }
  step.durations.push(span.durationMs);
  if (step.type === 'call') for (const server of calledServers(node)) step.target = visitOperation(model, server);
}

function mergeChildren(model: ObservedModel, step: StepNode, node: SpanNode): void {
  // The steps seen before under this one, by type and name, in order: the n-th span of a kind matches the n-th step.
  const known = new Map<string, StepNode[]>();
  for (const existing of step.children) {
    const key = `${existing.type} ${existing.name}`;
    const list = known.get(key);
    if (list) list.push(existing);
    else known.set(key, [existing]);
  }
  const seen = new Map<string, number>();
  for (const child of node.children) {
    const type = stepType(child);
    const key = `${type} ${child.span.name}`;
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    let match = known.get(key)?.[index];
    if (!match) step.children.push((match = newStep(type, child.span.name)));
    mergeStep(model, match, child, node.span.startMs);
  }
}

/** What a span stands for: Thespian's spans say (thespian.kind); others by kind and children. */
function stepType(node: SpanNode): StepType {
  const kind = node.span.attributes[KIND_ATTRIBUTE];
  if (kind === 'CallService') return 'call';
  if (kind === 'Compute') return 'compute';
  if (kind === 'Sleep') return 'sleep';
  if (kind === 'Function') return 'function';
  if (node.span.kind === 'SERVER') return 'call';
  // A CLIENT span that reached no traced server is a dependency outside the traces (a database): its time is all there is.
  if (node.span.kind === 'CLIENT') return calledServers(node).length > 0 ? 'call' : 'sleep';
  return node.children.length > 0 ? 'function' : 'sleep';
}

/** The SERVER spans a call reached: its CLIENT spans' (one per attempt), or its own, or itself when a server span has no client span above it. */
function calledServers(node: SpanNode): SpanNode[] {
  if (node.span.kind === 'SERVER') return [node];
  const clients = node.span.kind === 'CLIENT' ? [node] : node.children.filter((child) => child.span.kind === 'CLIENT');
  return clients.flatMap((client) => client.children.filter((child) => child.span.kind === 'SERVER'));
}

/**
 * True when a failure began at this span. Thespian marks where it injected one; a copy can
 * make only failure_chance ones again (timeouts follow from latencies). Other spans: it failed
 * and none of its children did.
 */
function failureBeganAt(node: SpanNode): boolean {
  if (!node.span.error) return false;
  const injected = node.span.attributes[INJECTED_KIND_ATTRIBUTE];
  if (node.span.attributes[KIND_ATTRIBUTE] !== undefined) return injected === 'failure_chance';
  return !node.children.some((child) => child.span.error);
}

/** The span's time not covered by any child's. */
function ownTime(node: SpanNode): number {
  const { startMs, durationMs } = node.span;
  let covered = 0;
  let reach = startMs;
  for (const child of node.children) {
    const from = Math.max(child.span.startMs, reach);
    const to = Math.min(child.span.startMs + child.span.durationMs, startMs + durationMs);
    if (to > from) covered += to - from;
    reach = Math.max(reach, to);
  }
  return Math.max(0, durationMs - covered);
}
