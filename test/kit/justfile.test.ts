// The justfile, run through the `just` that npm installs (rust-just devDependency): every recipe
// is listed with its documentation, and `up`, `down` and `poke` dry-run cleanly (no Docker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { exists, npmScripts, readText, repoPath, root } from './kit-files';

const binary = repoPath('node_modules', '.bin', process.platform === 'win32' ? 'just.cmd' : 'just');

function just(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // The recipes read these; the tests want the defaults.
  for (const key of ['POKER_TARGET', 'POKER_METHOD', 'POKER_RATE', 'POKER_DURATION', 'THESPIAN_IMAGE']) {
    delete env[key];
  }
  const result = spawnSync(binary, args, { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const RECIPES = ['build', 'up', 'down', 'poke', 'logs', 'demo', 'test', 'bench'];

test('just is installed by npm, so `npx just` works after npm ci', () => {
  assert.ok(existsSync(binary), `${binary} is missing: is rust-just in devDependencies?`);
  const version = just('--version');
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^just \d+\.\d+\.\d+/);
});

test('`just --list` shows every recipe with its documentation', () => {
  const { status, stdout, stderr } = just('--list');
  assert.equal(status, 0, stderr);
  const documented = new Map<string, string>();
  for (const line of stdout.split('\n').slice(1)) {
    const match = /^\s+(\S+)(?:[^#]*)#\s*(.+)$/.exec(line);
    if (match) documented.set(match[1], match[2]);
    else if (line.trim()) assert.fail(`undocumented recipe: ${line.trim()}`);
  }
  for (const recipe of RECIPES) {
    assert.ok(documented.has(recipe), `recipe ${recipe} is missing or undocumented`);
    assert.ok(documented.get(recipe)!.length > 10, `recipe ${recipe} has a too-short description`);
  }
});

test('`just --dry-run up` succeeds and starts the stack, the ecosystem and a poker', () => {
  const { status, stderr } = just('--dry-run', 'up');
  assert.equal(status, 0, stderr);
  // just prints the commands it would run on stderr.
  assert.match(stderr, /docker compose -f instrumentation\/docker-compose\.yaml up -d/);
  assert.match(stderr, /docker compose -f deploy\/compose\/docker-compose\.yaml up -d --build/);
  assert.match(stderr, /docker run -d --rm --name thespian-poker --network thespian .* load --target/);
  assert.ok(
    stderr.indexOf('instrumentation/docker-compose.yaml up') < stderr.indexOf('deploy/compose/docker-compose.yaml up'),
    'the stack (which creates the network) must start before the ecosystem',
  );
});

test('`just --dry-run down` succeeds and removes everything up started', () => {
  const { status, stderr } = just('--dry-run', 'down');
  assert.equal(status, 0, stderr);
  assert.match(stderr, /docker rm -f thespian-poker/);
  assert.match(stderr, /deploy\/compose\/docker-compose\.yaml down --volumes --remove-orphans/);
  assert.match(stderr, /instrumentation\/docker-compose\.yaml --profile jaeger down --volumes --remove-orphans/);
  assert.ok(
    stderr.indexOf('thespian-poker') < stderr.indexOf('deploy/compose/docker-compose.yaml down') &&
      stderr.indexOf('deploy/compose/docker-compose.yaml down') < stderr.indexOf('instrumentation/docker-compose.yaml'),
    'down must go poker, ecosystem, then the stack (whose network the others use)',
  );
});

test('`just --dry-run poke` accepts a port and a method, and rejects a missing target', () => {
  const ok = just('--dry-run', 'poke', '6379', 'B');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /grpcurl -plaintext/);
  assert.match(ok.stderr, /node dist\/cli\/main\.js poke/);
  const defaulted = just('--dry-run', 'poke', 'checkout');
  assert.equal(defaulted.status, 0, defaulted.stderr);
  const missing = just('--dry-run', 'poke');
  assert.notEqual(missing.status, 0);
});

test('`just poke` turns a bare port into localhost:PORT and refuses unknown methods', () => {
  // Runs the real recipe with a PATH holding a fake grpcurl that echoes its arguments.
  const fake = repoPath('test', 'kit', 'fixtures', 'bin');
  const env = { ...process.env, PATH: `${fake}:${process.env.PATH}` };
  const run = (...args: string[]) =>
    spawnSync(binary, ['poke', ...args], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  const port = run('7000', 'c');
  assert.equal(port.status, 0, port.stderr);
  assert.equal(port.stdout.trim(), "grpcurl -plaintext -d {} localhost:7000 thespian.Thespian/C");
  const address = run('10.0.0.5:6379');
  assert.equal(address.stdout.trim(), 'grpcurl -plaintext -d {} 10.0.0.5:6379 thespian.Thespian/A');
  const bad = run('7000', 'D');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /METHOD must be A, B or C/);
});

test('recipes only use npm scripts and files that exist', () => {
  const justfile = readText('justfile');
  const scripts = npmScripts();
  for (const [, script] of justfile.matchAll(/npm run (\w[\w:-]*)/g)) {
    assert.ok(scripts[script], `justfile runs npm script ${script}, which package.json lacks`);
  }
  if (/\bnpm start\b/.test(justfile)) assert.ok(scripts.start, 'justfile runs npm start, which is missing');
  if (/\bnpm test\b/.test(justfile)) assert.ok(scripts.test, 'justfile runs npm test, which is missing');
  for (const file of ['instrumentation/docker-compose.yaml', 'instrumentation/poker-target.mjs']) {
    assert.ok(justfile.includes(file), `justfile does not use ${file}`);
    assert.ok(exists(file), `${file} is missing`);
  }
  assert.match(justfile, /docker build -t \S+ \./, 'up does not build the image from ./Dockerfile');
  assert.ok(exists('Dockerfile'));
});
