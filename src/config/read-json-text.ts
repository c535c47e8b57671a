import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { ConfigError } from './config-error';
import { formatJsonPath } from '../common';
import { findPrototypeKeys } from './prototype-keys';

/**
 * Deeper JSON than this is refused before parsing. Real behaviours are a few dozen levels deep;
 * thousands of levels are a mistake or an attack and would overflow recursive parsers.
 */
const MAX_JSON_DEPTH = 256;

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Parses JSON, or JSONC (comments and trailing commas) when `allowComments` is set, into plain data.
 * Errors name the line and column, so a user can find the typo in a long config. A key given twice
 * is refused with both places (a plain parse keeps the last silently, so `"grpc_method_a": null`
 * further down would erase a method), and so is `__proto__` (see prototype-keys.ts).
 */
export function readJsonText(withMark: string, source: string, options: { allowComments: boolean }): unknown {
  // Editors on Windows often start a UTF-8 file with a byte order mark; it is not part of the JSON.
  const text = withMark.startsWith(BYTE_ORDER_MARK) ? withMark.slice(BYTE_ORDER_MARK.length) : withMark;
  const depth = measureNesting(text);
  if (depth.max > MAX_JSON_DEPTH) {
    const { line, column } = lineAndColumn(text, depth.offsetOfDeepest);
    throw new ConfigError(source, [
      `nesting is deeper than ${MAX_JSON_DEPTH} levels (at line ${line}, column ${column}); flatten the behaviour`,
    ]);
  }
  if (text.trim() === '') throw new ConfigError(source, ['is empty; expected a JSON object']);

  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: options.allowComments, disallowComments: !options.allowComments });
  if (errors.length > 0 || !root) {
    const problems = errors.slice(0, 1).map((error) => {
      const { line, column } = lineAndColumn(text, error.offset);
      return `not valid JSON${options.allowComments ? 'C' : ''}: ${readableParseError(printParseErrorCode(error.error))} at line ${line}, column ${column}`;
    });
    throw new ConfigError(source, problems.length > 0 ? problems : ['is empty; expected a JSON object']);
  }
  const problems: string[] = [];
  const value = valueOfNode(root, [], text, problems);
  problems.push(...findPrototypeKeys(value));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return value;
}

/**
 * Builds the value from the syntax tree. Every key becomes an own property (defineProperty), so
 * `__proto__` stays a key that the checks can see instead of replacing the object's prototype,
 * which a plain assignment does. The depth was bounded above, so recursion is safe.
 */
function valueOfNode(node: Node, path: (string | number)[], text: string, problems: string[]): unknown {
  if (node.type === 'array') return (node.children ?? []).map((child, index) => valueOfNode(child, [...path, index], text, problems));
  if (node.type !== 'object') return node.value;
  const object: Record<string, unknown> = {};
  const firstSeen = new Map<string, number>();
  for (const property of node.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode || !valueNode) continue;
    const key = String(keyNode.value);
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      const first = lineAndColumn(text, earlier);
      const again = lineAndColumn(text, keyNode.offset);
      problems.push(
        `${formatJsonPath([...path, key])}: is given twice (at line ${first.line}, column ${first.column} and at line ${again.line}, column ${again.column}); keep one`,
      );
      continue;
    }
    firstSeen.set(key, keyNode.offset);
    Object.defineProperty(object, key, { value: valueOfNode(valueNode, [...path, key], text, problems), enumerable: true, writable: true, configurable: true });
  }
  return object;
}

function readableParseError(code: string): string {
  // printParseErrorCode gives identifiers such as "PropertyNameExpected"; spell them out.
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Counts bracket nesting outside strings, without recursion. */
function measureNesting(text: string): { max: number; offsetOfDeepest: number } {
  let depth = 0;
  let max = 0;
  let offsetOfDeepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      depth++;
      if (depth > max) {
        max = depth;
        offsetOfDeepest = i;
      }
    } else if (char === '}' || char === ']') depth--;
  }
  return { max, offsetOfDeepest };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
