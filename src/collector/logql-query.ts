import type { ReceivedLogLine } from './loki-push-receiver';

/**
 * The part of LogQL that finding a trace's lines needs: a stream selector with label matchers
 * (`=`, `!=`, `=~`, `!~`), line filters (`|=`, `!=`, `|~`, `!~`), and label filters on a stream
 * label or structured metadata (`| trace_id="…"`, how Loki 3 finds OTLP-ingested lines), e.g.
 *   {service_name=~".+"} |= "4bf92f3577b34da6a3ce929d0e0e4736"
 *   {service_name=~".+"} | trace_id="4bf92f3577b34da6a3ce929d0e0e4736"
 * Anything else (parsers, formatters, metric queries) is refused with a message saying so.
 */
type LabelMatcher = { readonly label: string; readonly op: '=' | '!=' | '=~' | '!~'; readonly value: string };

interface LogQuery {
  readonly matchers: readonly LabelMatcher[];
  readonly filters: readonly { readonly op: '|=' | '!=' | '|~' | '!~'; readonly value: string }[];
  /** `| name="value"` after the selector: matched against the stream's labels and the line's structured metadata. */
  readonly labelFilters: readonly LabelMatcher[];
  /** A 32-hex-digit string that every matching line must contain, if a filter demands one: lets a store use its trace index. */
  readonly traceId?: string;
}

export class LogQueryError extends Error {}

export function parseLogQuery(text: string): LogQuery {
  let rest = text.trim();
  if (!rest.startsWith('{')) throw new LogQueryError('a query must start with a stream selector, e.g. {service_name=~".+"}');
  const close = findSelectorEnd(rest);
  const selector = rest.slice(1, close).trim();
  rest = rest.slice(close + 1).trim();
  const matchers: LogQuery['matchers'][number][] = [];
  let inner = selector;
  while (inner.length > 0) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*/.exec(inner);
    if (!match) throw new LogQueryError(`cannot read the label matcher at "${inner}"`);
    inner = inner.slice(match[0].length);
    const [value, after] = readString(inner);
    matchers.push({ label: match[1], op: match[2] as '=', value });
    inner = after.trim().replace(/^,\s*/, '');
  }
  if (matchers.length === 0) throw new LogQueryError('the stream selector needs at least one label matcher');
  const filters: LogQuery['filters'][number][] = [];
  const labelFilters: LabelMatcher[] = [];
  while (rest.length > 0) {
    const line = /^(\|=|!=|\|~|!~)\s*/.exec(rest);
    const label = line ? null : /^\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|==|=)\s*/.exec(rest);
    if (!line && !label) throw new LogQueryError(`only line filters (|= != |~ !~) and label filters (| name="value") are supported after the selector here, not "${rest}"`);
    const [value, after] = readString(rest.slice((line ?? label)![0].length));
    if (line) filters.push({ op: line[1] as '|=', value });
    else labelFilters.push({ label: label![1], op: (label![2] === '==' ? '=' : label![2]) as '=', value });
    rest = after.trim();
  }
  const isTraceId = (value: string) => /^[0-9a-fA-F]{32}$/.test(value);
  const traceId = (
    filters.find((filter) => filter.op === '|=' && isTraceId(filter.value)) ??
    labelFilters.find((filter) => filter.label === 'trace_id' && filter.op === '=' && isTraceId(filter.value))
  )?.value.toLowerCase();
  return { matchers, filters, labelFilters, ...(traceId ? { traceId } : {}) };
}

export function matchesLogQuery(query: LogQuery, line: ReceivedLogLine): boolean {
  if (!query.matchers.every((matcher) => matchesLabel(matcher, line.labels[matcher.label] ?? ''))) return false;
  if (!query.labelFilters.every((filter) => matchesLabel(filter, line.labels[filter.label] ?? line.metadata?.[filter.label] ?? ''))) return false;
  for (const filter of query.filters) {
    const ok =
      filter.op === '|=' ? line.line.includes(filter.value)
      : filter.op === '!=' ? !line.line.includes(filter.value)
      : filter.op === '|~' ? new RegExp(filter.value).test(line.line)
      : !new RegExp(filter.value).test(line.line);
    if (!ok) return false;
  }
  return true;
}

function matchesLabel(matcher: LabelMatcher, value: string): boolean {
  return matcher.op === '=' ? value === matcher.value
    : matcher.op === '!=' ? value !== matcher.value
    : matcher.op === '=~' ? fullMatch(matcher.value, value)
    : !fullMatch(matcher.value, value);
}

/** LogQL label regexes are anchored at both ends. */
function fullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    throw new LogQueryError(`not a valid regular expression: ${pattern}`);
  }
}

function findSelectorEnd(text: string): number {
  let quote: string | undefined;
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === '`') quote = char;
    else if (char === '}') return i;
  }
  throw new LogQueryError('the stream selector is not closed with }');
}

/** A Go-style "double quoted" string (with escapes) or `raw` one; returns it and the rest. */
function readString(text: string): [string, string] {
  if (text.startsWith('`')) {
    const end = text.indexOf('`', 1);
    if (end < 0) throw new LogQueryError('a `raw string` is not closed');
    return [text.slice(1, end), text.slice(end + 1)];
  }
  if (!text.startsWith('"')) throw new LogQueryError(`expected a quoted string at "${text}"`);
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') {
      try {
        return [JSON.parse(text.slice(0, i + 1)) as string, text.slice(i + 1)];
      } catch {
        throw new LogQueryError(`cannot read the string ${text.slice(0, i + 1)}`);
      }
    }
  }
  throw new LogQueryError('a "quoted string" is not closed');
}
