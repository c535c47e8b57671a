import { Document, isMap, isScalar, Scalar, visit, type Node } from 'yaml';

export type YamlPath = readonly (string | number)[];

interface YamlNotes {
  /** Comment lines at the top of the document. */
  readonly header?: readonly string[];
  /** A comment above the key at each path. */
  readonly comments?: readonly { readonly path: YamlPath; readonly lines: readonly string[] }[];
  /** Multi-line strings to write as `|` blocks (JSON stays readable and diffable that way). */
  readonly blockLiterals?: readonly YamlPath[];
}

/**
 * A value as YAML text, with comments. Key order is the value's own (insertion) order and no
 * line is ever folded, so the same value always gives the same bytes.
 */
export function toYaml(value: unknown, notes: YamlNotes = {}): string {
  // No anchors and aliases: a reader should see every object where it applies.
  const doc = new Document(value, { aliasDuplicateObjects: false });
  if (notes.header && notes.header.length > 0) doc.commentBefore = commentText(notes.header);
  for (const { path, lines } of notes.comments ?? []) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) throw new Error(`no mapping at ${path.slice(0, -1).join('.')} for a comment`);
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]);
    if (!pair) throw new Error(`no key at ${path.join('.')} for a comment`);
    (pair.key as Node).commentBefore = commentText(lines);
  }
  for (const path of notes.blockLiterals ?? []) {
    const node = doc.getIn(path, true);
    if (!isScalar(node)) throw new Error(`no string at ${path.join('.')}`);
    node.type = Scalar.BLOCK_LITERAL;
  }
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.type === undefined && meansSomethingElseInYaml11(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/**
 * The yaml library writes YAML 1.2, where `on`, `2010-09-09` and `1:30` are plain strings, but
 * kubectl (go-yaml v2) and CloudFormation read YAML 1.1, where they are a boolean, a date and a
 * number. Quoting them keeps them strings for every reader.
 */
function meansSomethingElseInYaml11(text: string): boolean {
  return (
    /^(y|n|yes|no|on|off|true|false)$/i.test(text) ||
    /^\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?$/.test(text) ||
    /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(text)
  );
}

/** Several YAML documents as one stream (what `kubectl apply -f -` reads). */
export function yamlStream(documents: readonly string[]): string {
  return documents.map((text) => text.replace(/\n*$/, '\n')).join('---\n');
}

function commentText(lines: readonly string[]): string {
  // yaml writes "#" + each line; a leading space makes "# text", an empty line stays "#".
  return lines.map((line) => (line === '' ? '' : ` ${line}`)).join('\n');
}
