// The Node that ships is the Node that is tested: CI's pin, the Dockerfile's image and
// package.json's engines agree, the suite runs on the Node CI says, and the real CLI warns once
// on an older Node and says nothing on a supported one. The Node binaries are real ones: the one
// running this test, every `node` on PATH, and those .ci/run fetched into .ci/.node/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isSupportedNode, SUPPORTED_NODE, unsupportedNodeWarning } from '../../src/config/supported-node';
import { ROOT, runToExit } from '../support/instance-process';
import { freePorts, tempDir, writeJson } from '../up/up-helpers';

interface NodeBinary {
  readonly path: string;
  /** "20.20.2", without the "v". */
  readonly version: string;
}

/** Every Node binary this machine offers, each once, the one running this test first. */
function nodeBinaries(): NodeBinary[] {
  const fetched = join(ROOT, '.ci', '.node');
  const candidates = [
    process.execPath,
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'node')),
    ...(existsSync(fetched) ? readdirSync(fetched).map((version) => join(fetched, version, 'bin', 'node')) : []),
  ];
  const seen = new Map<string, NodeBinary>();
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const path = realpathSync(candidate);
    if (seen.has(path)) continue;
    const run = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 30_000 });
    if (run.status === 0) seen.set(path, { path, version: run.stdout.trim() });
  }
  return [...seen.values()];
}

const binaries = nodeBinaries();
const older = binaries.find((binary) => !isSupportedNode(binary.version));
const supported = binaries.find((binary) => isSupportedNode(binary.version));
const looked = `looked at ${binaries.map((binary) => `${binary.path} (${binary.version})`).join(', ')}`;
// .ci/run sets this when it has both an older Node (the machine's) and the pinned 22: there
// neither half may skip, or CI would pass without having tried it.
const REQUIRED = process.env.THESPIAN_REQUIRE_NODE_BINARIES === '1';
const skipUnless = (binary: NodeBinary | undefined, why: string) => (binary || REQUIRED ? false : why);
const NO_OLDER = `no Node older than ${SUPPORTED_NODE} on this machine, so no warning to see (${looked})`;
const NO_SUPPORTED = `no Node ${SUPPORTED_NODE} or newer found, so the quiet half is not tried: put one on PATH or run .ci/run, which fetches Node 22 into .ci/.node/ (${looked})`;

// test/run.mjs sets THESPIAN_NODE_WARNING=off for every test; these processes must not inherit it.
const WARNING_ON = { THESPIAN_NODE_WARNING: '' };
const run = (node: NodeBinary, env: Record<string, string>, args?: string[], timeoutMs = 60_000) => runToExit({ ...WARNING_ON, ...env }, args, timeoutMs, { node: node.path });

const { version: PACKAGE_VERSION, engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
/** CONFIG_JSON that the instance refuses at once (exit 2, one problem line), so it starts nothing. */
const REFUSED = { CONFIG_JSON: '[]' };

test('the suite runs on the Node that CI expects (THESPIAN_EXPECT_NODE_MAJOR, set by .ci/run)', (t) => {
  t.diagnostic(`testing on Node ${process.version} (${process.execPath})`);
  const expected = process.env.THESPIAN_EXPECT_NODE_MAJOR;
  if (expected === undefined) return;
  assert.match(expected, /^\d+$/, `THESPIAN_EXPECT_NODE_MAJOR must be a major version such as 22, not "${expected}"`);
  assert.equal(process.versions.node.split('.')[0], expected, `CI expects Node ${expected}, and the tests run on ${process.version} (${process.execPath})`);
});

test("CI's pinned Node, the Dockerfile's image and package.json's engines name the same supported Node", () => {
  assert.equal(engines.node, `>=${SUPPORTED_NODE}`);
  const pinned = /^NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'));
  assert.ok(pinned, '.ci/run pins no NODE_VERSION=X.Y.Z');
  const image = /^ARG NODE_IMAGE=node:(\d+)[-\w.]*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  assert.ok(image, 'the Dockerfile sets no ARG NODE_IMAGE=node:<major>...');
  assert.equal(pinned[1], image[1], `CI tests Node ${pinned[1]}, the image ships Node ${image[1]}`);
  assert.ok(isSupportedNode(pinned.slice(1).join('.')), `CI's Node ${pinned.slice(1).join('.')} is older than ${SUPPORTED_NODE}`);
});

test('versions are compared as numbers, part by part', () => {
  for (const version of ['22.15.0', 'v22.15.0', '22.23.5', '22.100.0', '23.0.0', '24.11.1', '100.0.0']) assert.ok(isSupportedNode(version), version);
  for (const version of ['20.20.2', 'v20.20.2', '22.14.99', '22.9.0', '21.99.99', '18.0.0', '9.0.0']) assert.ok(!isSupportedNode(version), version);
});

test('on an older Node the CLI and the instance each warn once, on stderr, and still work; THESPIAN_NODE_WARNING=off hides it', { skip: skipUnless(older, NO_OLDER) }, async () => {
  assert.ok(older, `${NO_OLDER}, and THESPIAN_REQUIRE_NODE_BINARIES=1 says this test must run`);
  const warning = `${unsupportedNodeWarning(older.version)}\n`;
  assert.match(warning, new RegExp(`^thespian: warning: Node\\.js v${older.version.replaceAll('.', '\\.')} is not supported \\(needs ${SUPPORTED_NODE} or newer[^\\n]*THESPIAN_NODE_WARNING=off hides this line\\n$`));

  const version = await run(older, {}, ['--version']);
  assert.deepEqual(version, { code: 0, stdout: `thespian ${PACKAGE_VERSION}\n`, stderr: warning });
  // A command's own error still comes, after the one warning line.
  const unknown = await run(older, {}, ['frobnicate']);
  assert.deepEqual(unknown, { code: 2, stdout: '', stderr: `${warning}thespian: unknown command "frobnicate"; see \`thespian --help\`\n` });
  const instance = await run(older, REFUSED);
  assert.equal(instance.code, 2, instance.stderr);
  assert.equal(instance.stderr.split(warning).length - 1, 1, `one warning in:\n${instance.stderr}`);
  assert.ok(instance.stderr.startsWith(warning) && /CONFIG_JSON: must be a JSON object/.test(instance.stderr), instance.stderr);
  // `thespian serve` is the CLI that runs the instance: still once.
  const serve = await run(older, REFUSED, ['serve']);
  assert.equal(serve.code, 2, serve.stderr);
  assert.equal(serve.stderr.split(warning).length - 1, 1, `one warning in:\n${serve.stderr}`);

  const silenced = await run(older, { THESPIAN_NODE_WARNING: 'off' }, ['--version']);
  assert.deepEqual(silenced, { code: 0, stdout: `thespian ${PACKAGE_VERSION}\n`, stderr: '' });
});

test('on an older Node `thespian up` warns once, and its services (one alone, two packed) never repeat it', { skip: skipUnless(older, NO_OLDER) }, async () => {
  assert.ok(older, `${NO_OLDER}, and THESPIAN_REQUIRE_NODE_BINARIES=1 says this test must run`);
  const dir = tempDir();
  try {
    const ports = await freePorts(3);
    const services = Object.fromEntries(
      ['front', 'middle', 'back'].map((name, i) => [name, { port: ports[i], behaviour: { grpc_method_a: { tracing_name: name, operations: [] } } }]),
    );
    const topology = writeJson(dir, 'three.json', { services, entry_points: [{ service: 'front', method: 'A', rps: 20 }] });
    const logs = join(dir, 'logs');
    const up = await run(older, {}, ['up', topology, '--requests', '3', '--quiet', '--query-port', '0', '--services-per-process', '2', '--logs', logs], 120_000);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stderr, `${unsupportedNodeWarning(older.version)}\n`);
    const files = readdirSync(logs).sort();
    assert.ok(files.some((file) => /^pack-\d+\.log$/.test(file)) && files.some((file) => !file.startsWith('pack-')), `a pack and a lone service: ${files.join(', ')}`);
    for (const file of files) assert.doesNotMatch(readFileSync(join(logs, file), 'utf8'), /Node\.js v\d/, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a supported Node nothing is said', { skip: skipUnless(supported, NO_SUPPORTED) }, async () => {
  assert.ok(supported, `${NO_SUPPORTED}, and THESPIAN_REQUIRE_NODE_BINARIES=1 says this test must run`);
  const version = await run(supported, {}, ['--version']);
  assert.deepEqual(version, { code: 0, stdout: `thespian ${PACKAGE_VERSION}\n`, stderr: '' });
  const instance = await run(supported, REFUSED);
  assert.equal(instance.code, 2, instance.stderr);
  assert.match(instance.stderr, /^CONFIG_JSON: must be a JSON object[^\n]*\n$/);
});
