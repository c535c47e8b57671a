/**
 * A log line that is also an event on a span (what a Log writes, on the span it runs in), so that
 * a reader of the trace (verify) can count the lines a request wrote from its spans alone. The
 * writer and the reader side by side: an event is a log line when it carries a level.
 */
import { LOG_LEVEL_ATTRIBUTE } from '../span-names';

type EventAttributes = Readonly<Record<string, string | number | boolean>>;

/** The attributes of the event that stands for a line logged at `level`. */
export function lineEventAttributes(level: string, attributes: EventAttributes): EventAttributes {
  return { ...attributes, [LOG_LEVEL_ATTRIBUTE]: level };
}

/** The level of the line an event stands for; undefined for an event that is no log line. */
export function lineEventLevel(event: { readonly attributes: Readonly<Record<string, unknown>> }): string | undefined {
  const level = event.attributes[LOG_LEVEL_ATTRIBUTE];
  return level === undefined ? undefined : String(level);
}
