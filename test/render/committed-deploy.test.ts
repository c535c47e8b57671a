// deploy/ holds the bundled example rendered for each target (`just up` runs deploy/compose).
// It must be exactly what a fresh render gives, and a render must give the same bytes every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BUNDLED_TOPOLOGY_PATH, loadTopology } from '../../src/topology';
import { TARGETS, bundled, render, topologyFrom, AWKWARD } from './render-helpers';

const ROOT = join(__dirname, '..', '..');
const REGENERATE = 'run `npm run render:examples` to render them again, and commit the result';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

for (const target of TARGETS) {
  test(`deploy/${target} is exactly a fresh render of the bundled example`, () => {
    const dir = join(ROOT, 'deploy', target);
    const fresh = render(target, bundled());
    const committed = filesUnder(dir).map((path) => relative(dir, path)).sort();
    const expected = fresh.files.map((file) => file.path).sort();
    assert.deepEqual(committed, expected, `the files in deploy/${target} are not the ones a render writes; ${REGENERATE}`);
    for (const file of fresh.files) {
      const onDisk = readFileSync(join(dir, file.path), 'utf8');
      assert.ok(onDisk === file.content, `deploy/${target}/${file.path} is stale; ${REGENERATE}`);
    }
  });
}

test('rendering is deterministic: same bytes twice, and from another copy of the file elsewhere', () => {
  const copyDir = mkdtempSync(join(tmpdir(), 'render-determinism-'));
  const copy = join(copyDir, 'ecosystem.jsonc');
  copyFileSync(BUNDLED_TOPOLOGY_PATH, copy);
  for (const target of TARGETS) {
    const first = render(target, bundled());
    const second = render(target, bundled());
    const elsewhere = render(target, loadTopology(copy));
    assert.deepEqual(second, first, `${target}: a second render differs`);
    assert.deepEqual(elsewhere, first, `${target}: the output depends on where the topology file is`);
    for (const file of first.files) {
      assert.doesNotMatch(file.content, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, `${target}/${file.path} has a timestamp`);
      assert.ok(!file.content.includes(ROOT) && !file.content.includes(copyDir), `${target}/${file.path} has an absolute path`);
    }
  }
  const awkward = () => topologyFrom(AWKWARD, 'awkward.jsonc');
  for (const target of TARGETS) assert.deepEqual(render(target, awkward()), render(target, awkward()));
});
