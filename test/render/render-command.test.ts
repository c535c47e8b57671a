// `thespian render` as a user runs it: the built CLI, real files, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../support/instance-process';
import { bundled, parseYamlDocuments, render } from './render-helpers';

const thespian = (...args: string[]) => runToExit({}, args, 30_000);

test('with -o it writes every file into DIR and lists them; without, it prints the one stream', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'render-cli-')), 'k8s');
  const written = await thespian('render', 'k8s', 'example_configs/ecosystem.jsonc', '-o', dir);
  assert.equal(written.code, 0, written.stderr);
  const expected = render('k8s', bundled());
  assert.deepEqual(written.stdout.trim().split('\n'), expected.files.map((file) => join(dir, file.path)));
  for (const file of expected.files) assert.equal(readFileSync(join(dir, file.path), 'utf8'), file.content);

  // No -o, no topology: the bundled example, every object in one stream for `kubectl apply -f -`.
  const streamed = await thespian('render', 'k8s');
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.equal(streamed.stdout, expected.stdout);
  const kinds = parseYamlDocuments(streamed.stdout, 'stdout').map((d) => d.kind);
  assert.ok(!kinds.includes('Kustomization'));
  // A Deployment per service, and one for the traffic to the entry points.
  assert.equal(kinds.filter((k) => k === 'Deployment').length, bundled().services.length + 1);

  const compose = await thespian('render', 'compose');
  assert.equal(compose.stdout, render('compose', bundled()).files[0].content);
  // -o - is the stream too (as for generate and import), not a folder called "-".
  const dashDir = mkdtempSync(join(tmpdir(), 'render-dash-'));
  const dashed = await runToExit({}, ['render', 'compose', '-o', '-'], 30_000, { cwd: dashDir });
  assert.equal(dashed.stdout, compose.stdout, dashed.stderr);
  assert.deepEqual(readdirSync(dashDir), [], 'nothing written');
  const ecs = await thespian('render', 'ecs', '--namespace', 'shop2');
  assert.equal(parseYamlDocuments(ecs.stdout, 'ecs')[0].Parameters.NamespaceName.Default, 'shop2');
  // --collector reaches the renderer: sidecars in the instances' tasks, no collector service.
  const sidecars = await thespian('render', 'ecs', '--collector', 'sidecar');
  assert.equal(sidecars.code, 0, sidecars.stderr);
  const resources = Object.values(parseYamlDocuments(sidecars.stdout, 'ecs sidecar')[0].Resources) as { Type: string; Properties: { ContainerDefinitions?: { Name: string }[] } }[];
  const containers = resources.filter((r) => r.Type === 'AWS::ECS::TaskDefinition').map((r) => r.Properties.ContainerDefinitions!.map((c) => c.Name).join('+'));
  assert.equal(containers.filter((names) => names === 'thespian+otel-collector').length, bundled().services.length);

  // A bundled topology by name, as up, load and verify take it too.
  const byName = await thespian('render', 'compose', 'search_fanout');
  assert.equal(byName.code, 0, byName.stderr);
  assert.match(byName.stdout, /from search_fanout\.jsonc/);
});

test('bad arguments and bad topologies exit 2 with one clear line each, and write nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-bad-'));
  const broken = join(dir, 'broken.jsonc');
  writeFileSync(broken, JSON.stringify({ services: { web: { behaviour: { grpc_method_a: { operations: [{ Action: { CallService: { service: 'nope', grpc_method: 'A' } } }] } } } } }));
  const cases: [string[], RegExp][] = [
    [['render'], /which target\?/],
    [['render', 'kubernetes'], /unknown target "kubernetes" \(Kubernetes is k8s\)/],
    [['render', 'k8s', '--namespace', 'Not_A_Label'], /--namespace must be a lowercase DNS label/],
    [['render', 'compose', '--namespace', 'demo'], /--namespace applies to k8s and ecs, not compose/],
    [['render', 'ecs', '--cluster-domain', 'cluster.local'], /--cluster-domain applies to k8s, not ecs/],
    [['render', 'k8s', '--otlp-endpoint', 'tempo:4317'], /--otlp-endpoint must be an http:\/\/ or https:\/\/ address/],
    [['render', 'compose', '--image', 'has space'], /--image must be an image reference/],
    [['render', 'ecs', '--namespace', ''], /cannot be empty for ecs/],
    [['render', 'k8s', '--collector', 'sidecar'], /^thespian render: --collector applies to ecs, not k8s$/m],
    [['render', 'compose', '--collector', 'none'], /^thespian render: --collector applies to ecs, not compose$/m],
    [['render', 'ecs', '--collector', 'daemon'], /^thespian render: --collector must be one of service, sidecar, none \(got "daemon"\)$/m],
    [['render', 'k8s', join(dir, 'missing.jsonc')], /cannot read the topology: no such file/],
    [['render', 'k8s', 'ecosystm'], /ecosystm: no such topology file, nor a bundled one by that name \(bundled: deep_chain, ecosystem, flaky_payments, payments_outage, search_fanout\)/],
    [['render', 'k8s', broken], /unknown service "nope"/],
    [['render', 'k8s', 'a.jsonc', 'b.jsonc'], /one topology at a time/],
    [['render', 'k8s', '--frobnicate'], /^thespian render: unknown option --frobnicate$/m],
  ];
  for (const [args, message] of cases) {
    const result = await thespian(...args, '-o', join(dir, 'out'));
    assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}\n${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(' ')}: a stack trace`);
    assert.equal(result.stdout, '', `${args.join(' ')} wrote something`);
  }
});

test('an output directory that cannot be made is exit 1 with the path in the message', async () => {
  // A regular file where a directory should be: refused even for root.
  const file = join(mkdtempSync(join(tmpdir(), 'render-ro-')), 'not-a-directory');
  writeFileSync(file, '');
  const result = await thespian('render', 'compose', '-o', join(file, 'sub'));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot write .*not-a-directory\/sub/);
});
