/**
 * A config file is of one of two types, told apart by their top-level keys: a behaviour (one
 * instance: grpc_method_a/b/c) or a topology (several services under "services"). `predict`
 * takes either; the other commands take one type, and a file of the other type gets one line
 * saying what it is and which command takes it, instead of a list of unknown keys.
 */
export type ConfigFileType = 'behaviour' | 'topology';

const BEHAVIOUR_KEYS = ['grpc_method_a', 'grpc_method_b', 'grpc_method_c'];

/** What parsed data looks like; undefined when it is neither (it then gets the usual errors). */
export function configFileType(data: unknown): ConfigFileType | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  if (Object.hasOwn(data, 'services')) return 'topology';
  if (BEHAVIOUR_KEYS.some((key) => Object.hasOwn(data, key))) return 'behaviour';
  return undefined;
}

/** The one line for a file of the other type, or undefined when `data` is not of the other type. */
export function wrongFileTypeProblem(data: unknown, expected: ConfigFileType): string | undefined {
  const type = configFileType(data);
  if (type === undefined || type === expected) return undefined;
  if (type === 'topology') {
    return 'is a topology (it has "services"), not a behaviour; run it with `thespian up <file>` (or render, load, verify, predict it), while CONFIG_JSON and CONFIG_FILE take the behaviour of one instance (grpc_method_a, grpc_method_b, grpc_method_c)';
  }
  return 'is a behaviour (it has grpc_method_a/b/c), not a topology; run one instance of it with `thespian serve <file>` (or `thespian predict <file>`), while this command takes a topology, whose "services" each have a behaviour';
}
