/**
 * Freezes a parsed document and everything under it, so a behaviour or topology that passed
 * validation cannot be changed afterwards by the code that acts it out.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
