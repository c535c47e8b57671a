/** Formats a JSON location as users write it: `grpc_method_a.operations[2].Action.Sleep`. */
/** A key a user made 100 KB long still gives a path one can read. */
function brief(key: string): string {
  return key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}...` : key;
}

const MAX_KEY_SHOWN = 60;

export function formatJsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && key.length <= MAX_KEY_SHOWN && /^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(brief(String(key)))}]`;
  }
  return text || '(top level)';
}
