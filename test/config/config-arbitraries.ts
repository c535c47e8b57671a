/**
 * fast-check arbitraries for config parsing: arbitrary JSON, and mutations of the bundled
 * examples (example_configs/*.json[c], behaviours and topologies) of the kinds users and
 * attackers make: a key deleted, a value of another type, a hostile string (lone surrogates,
 * huge, blank), a key renamed to a near miss, a __proto__ key, a key repeated in the text, a
 * byte order mark. Used in process (config-properties.test.ts) and through real instances
 * (config-properties-instance.test.ts), and checked there with `checkRefusal`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'jsonc-parser';

export const EXAMPLES_DIR = join(__dirname, '..', '..', 'example_configs');

export interface Example {
  readonly file: string;
  readonly kind: 'behaviour' | 'topology';
  readonly data: unknown;
}

export const EXAMPLES: readonly Example[] = readdirSync(EXAMPLES_DIR)
  .filter((file) => /\.jsonc?$/.test(file) && !file.endsWith('.schema.json'))
  .sort()
  .map((file) => {
    const data: unknown = parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
    const kind = typeof data === 'object' && data !== null && 'services' in data ? 'topology' : 'behaviour';
    return { file, kind, data };
  });

/** A config as text, with what it was made from (for the failure report). */
export interface ConfigCase {
  readonly kind: 'behaviour' | 'topology';
  readonly text: string;
  readonly how: string;
}

type Path = (string | number)[];

/** Every location in `data`, and whether the value there is a string. */
function locations(data: unknown, path: Path = [], found: { path: Path; isString: boolean; isObject: boolean }[] = []) {
  found.push({ path, isString: typeof data === 'string', isObject: typeof data === 'object' && data !== null && !Array.isArray(data) });
  if (Array.isArray(data)) data.forEach((item, index) => locations(item, [...path, index], found));
  else if (typeof data === 'object' && data !== null) for (const [key, value] of Object.entries(data)) locations(value, [...path, key], found);
  return found;
}

/** Strings that have broken or could break something: lone surrogates, huge, blank, odd Unicode. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 10 }))
    .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`),
  fc.integer({ min: 200, max: 200_000 }).map((length) => 'x'.repeat(length)),
  fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2003'), maxLength: 8 }),
  fc.constantFrom('', '__proto__', 'constructor', 'PROPAGATE', 'OK', 'http://', 'https://a/b', '1e309', '\u0000'),
);

/** A key one edit away from `key`: "tracing_nme", "tracing_namee", "Tracing_name". */
const nearMiss = (key: string): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max: Math.max(0, key.length - 1) }).chain((at) =>
    fc.constantFrom(
      key.slice(0, at) + key.slice(at + 1),
      key.slice(0, at) + key[at] + key.slice(at),
      key.slice(0, at) + (key[at] === key[at]?.toUpperCase() ? key[at]?.toLowerCase() : key[at]?.toUpperCase()) + key.slice(at + 1),
      `${key}_`,
    ),
  );

function clone<T>(data: T): T {
  return JSON.parse(JSON.stringify(data)) as T;
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

/** Sets an own property even for "__proto__" (plain assignment would set the prototype). */
function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutationOf(example: Example): fc.Arbitrary<ConfigCase> {
  const all = locations(example.data);
  const inner = all.filter((location) => location.path.length > 0);
  const strings = all.filter((location) => location.isString);
  const objects = all.filter((location) => location.isObject);
  const keyed = inner.filter((location) => typeof location.path[location.path.length - 1] === 'string');
  const text = (data: unknown, how: string): ConfigCase => ({ kind: example.kind, text: JSON.stringify(data, null, 1), how: `${example.file}: ${how}` });

  const mutations: fc.Arbitrary<ConfigCase>[] = [
    fc.constantFrom(...keyed).map(({ path }) => {
      const data = clone(example.data);
      delete parentOf(data, path)[path[path.length - 1]];
      return text(data, `delete ${JSON.stringify(path)}`);
    }),
    fc.tuple(fc.constantFrom(...inner), fc.jsonValue({ maxDepth: 2 })).map(([{ path }, value]) => {
      const data = clone(example.data);
      parentOf(data, path)[path[path.length - 1]] = value;
      return text(data, `set ${JSON.stringify(path)} to ${JSON.stringify(value)?.slice(0, 80)}`);
    }),
    fc.tuple(fc.constantFrom(...strings), hostileString).map(([{ path }, value]) => {
      const data = clone(example.data);
      if (path.length === 0) return text(value, 'a string instead of the file');
      parentOf(data, path)[path[path.length - 1]] = value;
      return text(data, `string at ${JSON.stringify(path)}: ${JSON.stringify(value.slice(0, 60))} (${value.length} long)`);
    }),
    fc.constantFrom(...keyed).chain(({ path }) =>
      nearMiss(String(path[path.length - 1])).map((renamed) => {
        const data = clone(example.data);
        const parent = parentOf(data, path);
        const key = path[path.length - 1];
        const value = parent[key];
        delete parent[key];
        setOwn(parent, renamed, value);
        return text(data, `rename ${JSON.stringify(path)} to ${JSON.stringify(renamed)}`);
      }),
    ),
    fc.tuple(fc.constantFrom(...objects), fc.jsonValue({ maxDepth: 2 })).map(([{ path }, value]) => {
      const data = clone(example.data);
      const target = path.length === 0 ? (data as Record<string, unknown>) : (parentOf(data, path)[path[path.length - 1]] as Record<string, unknown>);
      setOwn(target, '__proto__', value);
      return text(data, `__proto__ added at ${JSON.stringify(path)}`);
    }),
    fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 1 })).map(([pick, value]) => {
      const base = JSON.stringify(example.data, null, 1);
      const keys = [...base.matchAll(/"((?:[^"\\]|\\.)*)":/g)];
      const match = keys[pick % keys.length];
      const duplicate = `${match[0]} ${JSON.stringify(value)}, `;
      return { kind: example.kind, text: base.slice(0, match.index) + duplicate + base.slice(match.index), how: `${example.file}: ${match[0]} given twice` };
    }),
    fc.constant(null).map(() => ({ kind: example.kind, text: `\uFEFF${JSON.stringify(example.data)}`, how: `${example.file}: byte order mark` })),
  ];
  return fc.oneof(...mutations);
}

export const exampleMutation: fc.Arbitrary<ConfigCase> = fc.oneof(...EXAMPLES.map(mutationOf));

/** Every string of an example replaced by an arbitrary one, one field at a time. */
export const stringInEveryField: fc.Arbitrary<ConfigCase> = fc.oneof(
  ...EXAMPLES.map((example) => {
    const strings = locations(example.data).filter((location) => location.isString && location.path.length > 0);
    return fc.tuple(fc.constantFrom(...strings), fc.oneof(fc.string({ unit: 'binary' }), hostileString)).map(([{ path }, value]) => {
      const data = clone(example.data);
      parentOf(data, path)[path[path.length - 1]] = value;
      return { kind: example.kind, text: JSON.stringify(data), how: `${example.file}: ${JSON.stringify(path)} = ${JSON.stringify(value.slice(0, 60))}` };
    });
  }),
);

/** Arbitrary JSON, as a whole document and as the value of each top-level behaviour key. */
export const arbitraryJson: fc.Arbitrary<ConfigCase> = fc.oneof(
  fc.jsonValue().map((value) => ({ kind: 'behaviour' as const, text: JSON.stringify(value), how: 'arbitrary JSON' })),
  fc
    .dictionary(fc.constantFrom('grpc_method_a', 'grpc_method_b', 'grpc_method_c', 'service_name', 'services', '$schema'), fc.jsonValue({ maxDepth: 4 }))
    .map((value) => ({ kind: 'behaviour' as const, text: JSON.stringify(value), how: 'arbitrary JSON under known keys' })),
  fc.jsonValue().map((value) => ({ kind: 'topology' as const, text: JSON.stringify(value), how: 'arbitrary JSON as a topology' })),
  fc.string({ unit: 'binary', maxLength: 60 }).map((text) => ({ kind: 'behaviour' as const, text, how: 'arbitrary text' })),
);

/** A JSON path as formatJsonPath writes it, then ": ". */
const JSON_PATH = /^(?:\(top level\)|[A-Za-z_$][\w$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])(?:\.[A-Za-z_$][\w$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])*: /;

/** Problems about the whole document rather than one place in it. */
const WHOLE_DOCUMENT = /^(?:not valid JSONC?: |must be a JSON object |must be an object with "services"|is empty; |nesting is deeper than |is a topology |is a behaviour )/;

/**
 * A refusal is clean when every line starts with the source and then a JSON path (or says what
 * is wrong with the whole document), is one line, and is well-formed text that can be printed.
 */
export function checkRefusal(problems: readonly string[], source: string, how: string): void {
  assert.ok(problems.length > 0, `${how}: a ConfigError without problems`);
  for (const line of problems) {
    assert.ok(line.startsWith(`${source}: `), `${how}: line does not start with the source: ${line.slice(0, 300)}`);
    const rest = line.slice(source.length + 2);
    assert.ok(JSON_PATH.test(rest) || WHOLE_DOCUMENT.test(rest), `${how}: line does not start with a JSON path: ${line.slice(0, 300)}`);
    assert.ok(!line.includes('\n'), `${how}: a problem spans several lines: ${line.slice(0, 300)}`);
    assert.ok(!/[\uD800-\uDFFF]/.test(line.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')), `${how}: a problem line holds a lone surrogate`);
    assert.ok(line.length < 2_000, `${how}: a problem line of ${line.length} characters`);
  }
}
