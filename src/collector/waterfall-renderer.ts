import { formatMs } from '../common';
import type { AssembledTrace, SpanNode } from './trace-assembler';
import type { ReceivedSpan } from './received-span';

/**
 * Draws one assembled trace as a waterfall tree for a terminal:
 *
 *   ━━ trace 4bf92f3577b34da6a3ce929d0e0e4736 · 36 spans ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
 *   frontend  GET /checkout               +0ms ████████████████████  152ms
 *             ├ verify session            +0ms █                       5ms
 *             ├ load products             +5ms  ████                  31ms
 *   catalog   │ └ list products           +6ms  ███                   29ms
 *
 * One row per step. The gRPC hop between services is folded into the row of the callee's
 * method: the CLIENT span and the callee's SERVER span add nothing a reader needs beyond the
 * service name, which the first column shows where the work moves to another service.
 * Failures are marked ✗; the message is printed once, under the deepest step where it began.
 */

interface RenderOptions {
  /** Total width in columns; 80 is the design width. */
  readonly width: number;
  /** ANSI colours; off for files, pipes and NO_COLOR. */
  readonly colour: boolean;
  /** Colour index per service, so a service keeps its colour across traces. */
  readonly serviceColours?: ReadonlyMap<string, number>;
}

interface Row {
  readonly service: string | undefined;
  readonly prefix: string;
  readonly label: string;
  readonly failed: boolean;
  readonly message: string | undefined;
  readonly messagePrefix: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly colourOf: string;
}

const SERVICE_PALETTE = [36, 35, 33, 34, 32, 96, 95, 93, 94, 92];
const RED = 31;
const DIM = 2;
const BOLD = 1;

export function renderTrace(trace: AssembledTrace, options: RenderOptions): string[] {
  const width = Math.max(50, options.width);
  const paint = (code: number, text: string) => (options.colour && text ? `\u001b[${code}m${text}\u001b[0m` : text);
  const colourOf = (service: string) => {
    const index = options.serviceColours?.get(service) ?? hash(service);
    return SERVICE_PALETTE[index % SERVICE_PALETTE.length];
  };

  const rows: Row[] = [];
  trace.trees.forEach((tree) => collectRows(tree, undefined, '', '', rows, tree.span.parentSpanId !== ''));
  const lines = [header(trace, width, paint)];
  if (rows.length === 0) return lines;

  const serviceWidth = Math.min(12, Math.max(...rows.map((row) => (row.service ?? '').length), 4));
  const barWidth = Math.max(10, Math.min(40, Math.floor(width / 4)));
  const durationWidth = 7;
  const offsetWidth = 7;
  const labelWidth = width - serviceWidth - 1 - 1 - offsetWidth - 1 - barWidth - 1 - durationWidth;
  const total = Math.max(trace.endMs - trace.startMs, 1e-6);

  for (const row of rows) {
    const service = fit(row.service ?? '', serviceWidth);
    const treeAndLabel = fit(`${row.prefix}${row.failed ? '✗ ' : ''}${row.label}`, labelWidth);
    const offset = `+${formatMs(row.startMs - trace.startMs)}`.padStart(offsetWidth);
    const duration = formatMs(row.endMs - row.startMs).padStart(durationWidth);
    const from = Math.min(barWidth - 1, Math.floor(((row.startMs - trace.startMs) / total) * barWidth));
    const to = Math.max(from + 1, Math.min(barWidth, Math.round(((row.endMs - trace.startMs) / total) * barWidth)));
    const bar = ' '.repeat(from) + paint(row.failed ? RED : colourOf(row.colourOf), '█'.repeat(to - from)) + ' '.repeat(barWidth - to);
    const label = row.failed ? colourLabel(treeAndLabel, row.prefix.length, paint) : treeAndLabel;
    const serviceText = row.service ? paint(colourOf(row.service), service) : service;
    lines.push(`${serviceText} ${label} ${paint(DIM, offset)} ${bar} ${duration}`);
    if (row.message) {
      const indent = ' '.repeat(serviceWidth + 1) + row.messagePrefix;
      for (const text of wrap(row.message, width - indent.length, 2)) lines.push(`${indent}${paint(RED, text)}`);
    }
  }
  return lines;
}

/** "━━ ✗ failed · trace 4bf9…(all 32) · 36 spans ━━━━": the id in full, since it finds the trace in --json output or a backend. */
function header(trace: AssembledTrace, width: number, paint: (code: number, text: string) => string): string {
  const facts = [
    ...(trace.failed ? ['✗ failed'] : []),
    ...(trace.root ? [] : ['no root span']),
    `trace ${trace.traceId}`,
    `${trace.spans.length} span${trace.spans.length === 1 ? '' : 's'}`,
    ...(trace.orphans > 0 ? [`${trace.orphans} without parent`] : []),
  ];
  const text = `━━ ${facts.join(' · ')} `;
  const line = text.length >= width ? fit(text, width) : text + '━'.repeat(width - text.length);
  return trace.failed ? paint(RED, line) : paint(BOLD, line);
}

/**
 * Depth-first rows. `service` is the service of the row above in the tree, so a row names its
 * service only where the work moves to another one.
 */
function collectRows(node: SpanNode, parentService: string | undefined, prefix: string, childPrefix: string, rows: Row[], orphan: boolean): void {
  const shown = foldHop(node);
  const { span, label, children, spans } = shown;
  const failed = spans.some((s) => s.status.code === 'ERROR');
  const origin = spans.find(hasException);
  // The message goes under the deepest step it began at; the steps above only get ✗.
  const message = origin && !children.some(hasExceptionBelow) ? failureMessage(origin) : undefined;
  rows.push({
    service: span.service !== parentService ? span.service : undefined,
    prefix: orphan ? `${prefix}? ` : prefix,
    label,
    failed,
    message,
    messagePrefix: `${childPrefix}${children.length > 0 ? '│ ' : '  '}`,
    startMs: span.startMs,
    endMs: span.startMs + span.durationMs,
    colourOf: span.service,
  });
  children.forEach((child, index) => {
    const last = index === children.length - 1;
    collectRows(child, span.service, `${childPrefix}${last ? '└ ' : '├ '}`, `${childPrefix}${last ? '  ' : '│ '}`, rows, false);
  });
}

interface ShownNode {
  /** The span whose timing and service the row shows. */
  readonly span: ReceivedSpan;
  readonly label: string;
  readonly children: SpanNode[];
  /** Every span folded into this row. */
  readonly spans: ReceivedSpan[];
}

/**
 * CLIENT → SERVER → the method's Function becomes one row: the callee's service, the Function's
 * name, the SERVER span's timing, and the Function's children below it.
 */
function foldHop(node: SpanNode): ShownNode {
  let server = node;
  const spans: ReceivedSpan[] = [];
  if (node.span.kind === 'CLIENT' && node.children.length === 1 && node.children[0].span.kind === 'SERVER') {
    spans.push(node.span);
    server = node.children[0];
  }
  spans.push(server.span);
  if (server.span.kind === 'SERVER') {
    if (server.children.length === 1 && server.children[0].span.kind === 'INTERNAL') {
      const fn = server.children[0];
      spans.push(fn.span);
      return { span: server.span, label: fn.span.name, children: fn.children, spans };
    }
    return { span: server.span, label: methodOf(server.span), children: server.children, spans };
  }
  return { span: server.span, label: server.span.name, children: server.children, spans };
}

function hasException(span: ReceivedSpan): boolean {
  return span.events.some((event) => event.name === 'exception');
}

function hasExceptionBelow(node: SpanNode): boolean {
  return hasException(node.span) || node.children.some(hasExceptionBelow);
}

/** The exception's message without the "service/A › step › step: " trail the tree already shows. */
function failureMessage(span: ReceivedSpan): string {
  const event = span.events.find((candidate) => candidate.name === 'exception');
  const raw = event?.attributes['exception.message'];
  const text = typeof raw === 'string' && raw ? raw : span.status.message || 'failed';
  const separator = text.indexOf(': ');
  return separator > 0 && text.slice(0, separator).includes(' › ') ? text.slice(separator + 2) : text;
}

/** "grpc.thespian.Thespian/A" → "A"; other names as they are. */
function methodOf(span: ReceivedSpan): string {
  const method = span.attributes['rpc.method'];
  if (typeof method === 'string' && method) return method;
  const slash = span.name.lastIndexOf('/');
  return slash >= 0 ? span.name.slice(slash + 1) : span.name;
}

/** Colours the label after the tree prefix red. */
function colourLabel(text: string, prefixLength: number, paint: (code: number, text: string) => string): string {
  return text.slice(0, prefixLength) + paint(RED, text.slice(prefixLength).trimEnd()) + ' '.repeat(text.length - text.trimEnd().length);
}

/** Pads or cuts to exactly `width` columns, marking a cut with "…". */
function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, width - 1).join('')}…`;
}

function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest && lines.length < maxLines) {
    if (rest.length <= width) {
      lines.push(rest);
      rest = '';
      break;
    }
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > width / 2 ? cut : width;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest) lines[lines.length - 1] = fit(`${lines[lines.length - 1]} ${rest}`, width);
  return lines;
}

function hash(text: string): number {
  let value = 0;
  for (const char of text) value = (value * 31 + char.charCodeAt(0)) >>> 0;
  return value;
}
