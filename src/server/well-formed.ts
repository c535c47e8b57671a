/**
 * The text with every lone UTF-16 surrogate replaced by U+FFFD. grpc-js percent-encodes a status
 * message with encodeURI, which throws on a lone surrogate, and OTLP and JSON readers reject or
 * mangle one; a string from outside (a downstream's status details) is made safe with this where
 * it enters. Node has String.prototype.toWellFormed (since 20); TypeScript's ES2022 library does not know it.
 */
export function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}
