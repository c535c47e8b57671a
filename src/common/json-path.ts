/** Longest key or value shown whole in an error line: a user's 100 KB key still gives a line one can read. */
const MAX_SHOWN = 60;

/** A user's string as an error line quotes it: whole when short, else its start and its length. */
export function quoteBriefly(text: string, max = MAX_SHOWN): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}... (${text.length} characters)` : JSON.stringify(text);
}

/** Formats a JSON location as users write it: `grpc_method_a.operations[2].Action.Sleep`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && key.length <= MAX_SHOWN && /^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${quoteBriefly(String(key))}]`;
  }
  return text || '(top level)';
}
