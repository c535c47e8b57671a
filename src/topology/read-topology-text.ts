import { parseDocument } from 'yaml';
import { ConfigError, readJsonText, findPrototypeKeys } from '../config';

export type TopologyFormat = 'json' | 'yaml';

/** .yaml/.yml are YAML; anything else is JSON with comments allowed (JSONC). */
export function formatOfPath(path: string): TopologyFormat {
  return /\.ya?ml$/i.test(path) ? 'yaml' : 'json';
}

/** Parses topology or behaviour text into plain data; errors name the line and column. */
export function readTopologyText(text: string, source: string, format: TopologyFormat): unknown {
  if (format === 'json') return readJsonText(text, source, { allowComments: true });
  if (text.trim() === '') throw new ConfigError(source, ['is empty; expected a YAML mapping']);
  try {
    // uniqueKeys: a key given twice is a mistake (JSON parsers silently keep the last one).
    const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    const [first] = document.errors;
    if (first) throw new ConfigError(source, [`not valid YAML: ${firstLine(first.message)}`]);
    // A small alias budget refuses "billion laughs" documents.
    const data: unknown = document.toJS({ maxAliasCount: 100 });
    const prototypeKeys = findPrototypeKeys(data);
    if (prototypeKeys.length > 0) throw new ConfigError(source, prototypeKeys);
    return data;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // Pathologically deep nesting overflows the parser; say so instead of crashing.
    if (error instanceof RangeError) throw new ConfigError(source, ['nesting is too deep to read; flatten the file']);
    throw new ConfigError(source, [`not valid YAML: ${firstLine((error as Error).message)}`]);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/:\s*$/, '');
}
