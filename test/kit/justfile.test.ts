// The justfile, run through the `just` that npm installs (rust-just devDependency): every recipe
// is listed with its documentation, and `up`, `down` and `poke` dry-run cleanly (no Docker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { exists, npmScripts, readText, repoPath, root } from './kit-files';

const binary = repoPath('node_modules', '.bin', process.platform === 'win32' ? 'just.cmd' : 'just');

// The recipes read these from the environment; the tests want the defaults unless they say otherwise.
const OVERRIDES = ['POKER_TARGET', 'POKER_METHOD', 'POKER_RATE', 'POKER_DURATION', 'THESPIAN_IMAGE',
  'KIND_CLUSTER_NAME', 'K8S_NAMESPACE', 'K8S_OVERLAY', 'K8S_WAIT', 'GRAFANA_PORT'];

function just(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return justWith({}, ...args);
}

function justWith(overrides: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of OVERRIDES) delete env[key];
  Object.assign(env, overrides);
  const result = spawnSync(binary, args, { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const RECIPES = ['build', 'up', 'down', 'k8s-up', 'k8s-down', 'poke', 'logs', 'demo', 'test', 'bench'];

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

/** The commands a dry run would run, one per line (just prints them on stderr), continuation lines joined. */
function dryRun(overrides: Record<string, string>, recipe: string): string[] {
  const { status, stderr } = justWith(overrides, '--dry-run', recipe);
  assert.equal(status, 0, stderr);
  return stderr.split('\n').filter((line) => line.trim() !== '');
}

/** Asserts that each pattern matches a line after the line the previous one matched. */
function assertInOrder(lines: string[], patterns: RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const at = lines.findIndex((line, index) => index >= from && pattern.test(line));
    assert.ok(at >= 0, `no command matching ${pattern} after line ${from} in:\n${lines.join('\n')}`);
    from = at + 1;
  }
}

test('`just --dry-run k8s-up` creates a kind cluster, loads the image, applies the demo overlay, waits, then port-forwards Grafana', () => {
  const lines = dryRun({}, 'k8s-up');
  assertInOrder(lines, [
    /^test -f deploy\/k8s\/demo\/kustomization\.yaml /,
    /kind get clusters .*\|\| kind create cluster --name thespian --wait \d+s$/,
    /^docker build -t thespian:local \.$/,
    /^kind load docker-image thespian:local --name thespian$/,
    /^kubectl --context kind-thespian apply -k deploy\/k8s\/demo$/,
    /^kubectl --context kind-thespian -n shop wait --for=condition=Available deployment --all --timeout 300s$/m,
    /^kubectl --context kind-thespian -n shop port-forward service\/grafana 3000:3000$/,
  ]);
  // The port-forward blocks until Ctrl-C, so nothing may come after it.
  assert.match(lines.at(-1)!, /port-forward/);
});

test('`just --dry-run k8s-up` and `k8s-down` take the cluster, namespace, image and port from the environment', () => {
  const overrides = { KIND_CLUSTER_NAME: 'ci-7', K8S_NAMESPACE: 'store', THESPIAN_IMAGE: 'registry.example/thespian:1.2', GRAFANA_PORT: '3300' };
  const up = dryRun(overrides, 'k8s-up');
  assertInOrder(up, [
    /kind create cluster --name ci-7 /,
    /^docker build -t registry\.example\/thespian:1\.2 \.$/,
    /^kind load docker-image registry\.example\/thespian:1\.2 --name ci-7$/,
    /^kubectl --context kind-ci-7 apply -k deploy\/k8s\/demo$/,
    /^kubectl --context kind-ci-7 -n store wait --for=condition=Available deployment --all --timeout 300s$/,
    /^kubectl --context kind-ci-7 -n store port-forward service\/grafana 3300:3000$/,
  ]);
  assert.ok(!up.some((line) => /\bshop\b|kind-thespian|thespian:local/.test(line)), `a default leaked through:\n${up.join('\n')}`);
  assert.deepEqual(dryRun(overrides, 'k8s-down'), ['kind delete cluster --name ci-7']);
  assert.deepEqual(dryRun({}, 'k8s-down'), ['kind delete cluster --name thespian']);
});

test('`just k8s-up` stops with a clear message when the demo overlay is not rendered', () => {
  // Runs the real recipe (no --dry-run) against an overlay path that does not exist: the guard
  // must stop it before any docker, kind or kubectl command (none is installed here anyway).
  const result = justWith({ K8S_OVERLAY: 'deploy/k8s/no-such-overlay' }, 'k8s-up');
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /deploy\/k8s\/no-such-overlay is missing: render it with thespian render k8s/);
  assert.doesNotMatch(result.stderr, /kind |docker |kubectl /);
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
  // k8s-up applies the demo overlay `render k8s` writes (a missing one stops it with a message, tested above).
  assert.ok(exists('deploy/k8s/demo/kustomization.yaml'), 'the demo overlay k8s-up applies is missing');
  assert.match(justfile, /k8s_overlay := env\("K8S_OVERLAY", "deploy\/k8s\/demo"\)/);
  assert.ok(exists('deploy/k8s/kustomization.yaml'), 'the rendered ecosystem the overlay builds on is missing');
  assert.ok(exists('Dockerfile'));
});
