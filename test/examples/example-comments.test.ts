import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { ROOT } from '../support/instance-process';
import { exampleFiles, leadingComment, ORIGINAL_EXAMPLES } from './example-files';

const commented = exampleFiles().filter((example) => example.kind !== 'schema' && !ORIGINAL_EXAMPLES.includes(example.file));

test("the original's two examples are kept as they were: plain JSON, no comment", () => {
  for (const file of ORIGINAL_EXAMPLES) {
    const example = exampleFiles().find((candidate) => candidate.file === file);
    assert.ok(example, `${file} exists`);
    assert.doesNotThrow(() => JSON.parse(example.text), `${file} is plain JSON`);
  }
});

test('every other example opens with a comment that says how to run it', () => {
  assert.ok(commented.length >= 7, `the richer examples are there (${commented.map((example) => example.file).join(', ')})`);
  for (const example of commented) {
    const comment = leadingComment(example.text);
    assert.ok(comment, `${example.file} must open with a comment saying what it shows and how to run it`);
    assert.ok(comment.split('\n').length >= 3, `${example.file}: the opening comment says what the example shows`);
    if (example.kind === 'topology') assert.match(comment, /thespian up|npm start/, `${example.file}: the comment shows how to run it`);
    else assert.ok(comment.includes(`CONFIG_FILE=${example.name}`), `${example.file}: the comment shows CONFIG_FILE=${example.name}`);
  }
});

test('docs/examples.md lists every example', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'examples.md'), 'utf8');
  for (const example of exampleFiles()) {
    if (example.kind === 'schema') continue;
    assert.ok(doc.includes(example.file), `docs/examples.md does not mention ${example.file}`);
  }
});

test('VS Code checks behaviour examples against the behaviour schema, and topologies against the topology schema', () => {
  const settings = parse(readFileSync(join(ROOT, '.vscode', 'settings.json'), 'utf8')) as { 'json.schemas': { url: string; fileMatch: string[] }[] };
  const mapping = settings['json.schemas'].find((entry) => entry.url === './example_configs/thespian.schema.json');
  const topologyMapping = settings['json.schemas'].find((entry) => entry.url === './example_configs/topology.schema.json');
  assert.ok(mapping && topologyMapping);
  for (const example of exampleFiles().filter((candidate) => candidate.kind === 'topology' && /\.jsonc?$/.test(candidate.file))) {
    assert.ok(mapping.fileMatch.includes(`!/example_configs/${example.file}`), `.vscode/settings.json must exclude ${example.file} from the behaviour schema`);
    assert.ok(topologyMapping.fileMatch.includes(`/example_configs/${example.file}`), `.vscode/settings.json must map ${example.file} to the topology schema`);
  }
});
