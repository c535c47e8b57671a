import { describeIssues } from './zod-issues';
import { behaviourSchema, TOP_LEVEL_KEYS } from './behaviour-schema';
import { ConfigError } from './config-error';
import { findExcessiveNesting } from './nesting-limit';
import { readJsonText } from './read-json-text';
import { deepFreeze } from '../common';
import { findActionKind, functionSchema, type Behaviour } from '../engine';
import { objectKeysOf } from './object-keys';
import { wrongFileTypeProblem } from './config-file-type';

/**
 * Text → validated, frozen Behaviour. `source` names where the text came from (CONFIG_JSON, a
 * file path) and starts every error line. Throws ConfigError listing every problem found.
 */
export function parseBehaviour(text: string, source: string, options: { allowComments: boolean }): Behaviour {
  const data = readJsonText(text, source, options);
  return validateBehaviour(data, source);
}

/** Validates already-parsed data (topology files embed behaviours as objects). */
export function validateBehaviour(data: unknown, source: string): Behaviour {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`;
    throw new ConfigError(source, [`must be a JSON object with grpc_method_a, grpc_method_b and grpc_method_c (got ${got})`]);
  }
  const wrongFileType = wrongFileTypeProblem(data, 'behaviour');
  if (wrongFileType) throw new ConfigError(source, [wrongFileType]);
  const result = behaviourSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(source, describeIssues(result.error.issues, (path) => (path.length === 0 ? TOP_LEVEL_KEYS : knownKeysAt(path))));
  }
  const nesting = findExcessiveNesting(result.data);
  if (nesting.length > 0) throw new ConfigError(source, nesting);
  return deepFreeze(result.data);
}

/** Field names for "did you mean" hints: the keys of the action kind (or Function) the path ends in. */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const tag = String(path[path.length - 1]);
  const kind = findActionKind(tag);
  return objectKeysOf(kind ? kind.schema : functionSchema);
}
