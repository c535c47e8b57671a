import { z } from 'zod';

/**
 * Limits of config strings, in UTF-16 code units (JavaScript's string length). Each leaves room
 * for what carries the string: a gRPC status message travels in a header, and grpc-js callers
 * give up on headers past about 8–16 KB, so what reaches a status stays small even when a call
 * chain stacks several of them.
 */
export const STRING_LIMITS = {
  /** Span names, service names, attribute names: what a backend indexes and shows in lists. */
  name: 256,
  /** A Sleep's failure_message: sent as the gRPC status message. */
  statusMessage: 1024,
  /** A Log's message and an attribute's string value: log lines and span attributes. */
  text: 4096,
} as const;

interface ConfigStringOptions {
  maxLength: number;
}

/**
 * The one schema for every config string that can reach a gRPC status, a metadata value, a span
 * or a log line. Refused at start, each with its path and exit 2:
 * - not well-formed UTF-16 (a lone surrogate, e.g. "\uD800" in JSON): grpc-js percent-encodes a
 *   status message with encodeURI, which throws on one, and the instance died when the step failed;
 * - longer than `maxLength`: a status message past the caller's header limit is never answered;
 * - empty, or only spaces.
 */
export function configString(options: ConfigStringOptions): z.ZodString {
  // A name or message made of spaces says nothing, and shows as nothing in a backend.
  return z.string().max(options.maxLength).regex(/\S/, { message: 'must not be empty or only spaces' }).check(wellFormed);
}

/** Checks what `configString` checks but length and blankness: for values that are not plain strings in the schema (attribute values). */
export function loneSurrogateProblem(value: string): string | undefined {
  const at = indexOfLoneSurrogate(value);
  if (at < 0) return undefined;
  const unit = value.charCodeAt(at).toString(16).toUpperCase();
  return `contains a lone UTF-16 surrogate at character ${at + 1} (\\u${unit}); it is not text, so it could not be sent in a gRPC status, header, span or log line. Remove it or write the whole character it is half of`;
}

const wellFormed = z.superRefine<string>((value, ctx) => {
  const problem = loneSurrogateProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

/** String.prototype.isWellFormed says whether; this says where. */
function indexOfLoneSurrogate(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}
