/**
 * A config file is one of two kinds, told apart by their top-level keys: a behaviour (one
 * instance: grpc_method_a/b/c) or a topology (several services under "services"). `predict`
 * takes either; the other commands take one kind, and a file of the other kind gets one line
 * saying what it is and which command takes it, instead of a list of unknown keys.
 */
type ConfigKind = 'behaviour' | 'topology';

const BEHAVIOUR_KEYS = ['grpc_method_a', 'grpc_method_b', 'grpc_method_c'];

/** What parsed data looks like; undefined when it is neither (it then gets the usual errors). */
export function kindOfConfig(data: unknown): ConfigKind | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  if (Object.hasOwn(data, 'services')) return 'topology';
  if (BEHAVIOUR_KEYS.some((key) => Object.hasOwn(data, key))) return 'behaviour';
  return undefined;
}

/** The one line for a file of the other kind, or undefined when `data` is not of the other kind. */
export function wrongKindProblem(data: unknown, expected: ConfigKind): string | undefined {
  const kind = kindOfConfig(data);
  if (kind === undefined || kind === expected) return undefined;
  if (kind === 'topology') {
    return 'is a topology (it has "services"), not a behaviour; run it with `thespian up <file>` (or render, load, verify, predict it), while CONFIG_JSON and CONFIG_FILE take the behaviour of one instance (grpc_method_a, grpc_method_b, grpc_method_c)';
  }
  return 'is a behaviour (it has grpc_method_a/b/c), not a topology; run one instance of it with `thespian serve <file>` (or `thespian predict <file>`), while this command takes a topology, whose "services" each have a behaviour';
}
