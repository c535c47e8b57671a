/** Widest a value is kept on one line: behaviours read one step per line, not one field. */
const LINE_WIDTH = 140;

/**
 * JSON as people write it by hand: a value that fits on its line stays on it
 * (`{ "Sleep": { ... } }`), a larger one opens up one member per line.
 */
export function compactJson(value: unknown, indent = '', keyWidth = 0): string {
  const inline = inlineJson(value);
  if (indent.length + keyWidth + inline.length <= LINE_WIDTH || typeof value !== 'object' || value === null) return inline;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + compactJson(item, inner)).join(',\n')}\n${indent}]`;
  }
  const members = Object.entries(value as Record<string, unknown>).map(([key, member]) => `${inner}${JSON.stringify(key)}: ${compactJson(member, inner, JSON.stringify(key).length + 2)}`);
  return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${indent}}`;
}

function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(inlineJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(([key, member]) => `${JSON.stringify(key)}: ${inlineJson(member)}`);
    return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`;
  }
  return JSON.stringify(value);
}
