import { formatJsonPath } from '../common';

const PROTOTYPE_KEY = '__proto__';

/**
 * Problem lines for every `__proto__` key in parsed config data, at any depth. Such a key is no
 * key of anything Thespian reads, but unlike other unknown keys it is dangerous to let through:
 * wherever the data is copied by assignment (a parser, a spread, a record) it replaces the copy's
 * prototype, and its fields then read as the object's own (`{"Sleep": {"__proto__":
 * {"failure_chance": 1}}}` failed every call). Checked once on the parsed data of every format,
 * so no object that reaches a schema can carry it. Walks with a stack (YAML's depth is not bounded
 * before parsing) and visits each object once (YAML aliases can share or even loop).
 */
export function findPrototypeKeys(data: unknown): string[] {
  const problems: string[] = [];
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value: data, path: [] }];
  const visited = new WeakSet<object>();
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value !== 'object' || value === null || visited.has(value)) continue;
    visited.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: [...path, index] }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === PROTOTYPE_KEY) problems.push(`${formatJsonPath([...path, key])}: unknown key ("${PROTOTYPE_KEY}" is never a valid key)`);
      else pending.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return problems.sort();
}
