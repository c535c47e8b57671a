// Runs every *.test.ts under test/ with Node's own test runner.
// Node 20's runner takes no globs and does not find .ts files by itself, so we list them here
// (CI runs Node 22, but developers may still run the suite on 20).
// Usage: node test/run.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

const files = findTests(join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(any)'}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// A *.solo.test.ts file starts so many processes at once (a 20-service `thespian up`) that a test
// beside it misses its request deadlines on a 2-core machine: those run after the rest, alone.
const solo = files.filter((file) => file.endsWith('.solo.test.ts'));
const shared = files.filter((file) => !solo.includes(file));
// --test-force-exit: a test that fails halfway can leave a server or child open, which would keep
// its file running for ever (and CI with it); the failure is reported either way.
// THESPIAN_NODE_WARNING=off: on a Node older than the supported one every thespian the tests start
// would print its one-line warning, and many tests assert an empty stderr. The test of the warning
// itself (test/config/supported-node.test.ts) sets it empty for the processes it starts.
const env = { ...process.env, THESPIAN_NODE_WARNING: 'off' };
const run = (group, parallel) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${parallel}`, ...group], { cwd: root, stdio: 'inherit', env }).status ?? 1;
const status = [shared.length > 0 ? run(shared, concurrency) : 0, solo.length > 0 ? run(solo, '1') : 0];
process.exit(status.some((code) => code !== 0) ? 1 : 0);
