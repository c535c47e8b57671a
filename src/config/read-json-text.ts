import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ConfigError } from './config-error';

/**
 * Deeper JSON than this is refused before parsing. Real behaviours are a few dozen levels deep;
 * thousands of levels are a mistake or an attack and would overflow recursive parsers.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Parses JSON, or JSONC (comments and trailing commas) when `allowComments` is set, into plain data.
 * Errors name the line and column, so a user can find the typo in a long config.
 */
export function readJsonText(text: string, source: string, options: { allowComments: boolean }): unknown {
  const depth = measureNesting(text);
  if (depth.max > MAX_JSON_DEPTH) {
    const { line, column } = lineAndColumn(text, depth.offsetOfDeepest);
    throw new ConfigError(source, [
      `nesting is deeper than ${MAX_JSON_DEPTH} levels (at line ${line}, column ${column}); flatten the behaviour`,
    ]);
  }
  if (text.trim() === '') throw new ConfigError(source, ['is empty; expected a JSON object']);

  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: options.allowComments, disallowComments: !options.allowComments });
  if (errors.length > 0) {
    const problems = errors.slice(0, 1).map((error) => {
      const { line, column } = lineAndColumn(text, error.offset);
      return `not valid JSON${options.allowComments ? 'C' : ''}: ${readableParseError(printParseErrorCode(error.error))} at line ${line}, column ${column}`;
    });
    throw new ConfigError(source, problems);
  }
  return value;
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
