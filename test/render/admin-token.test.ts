// The admin API in the rendered files: off unless a flag names where the token lives, and then
// every Thespian (not the traffic generator) reads it from there; the token itself is never rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../support/instance-process';
import { bundled, cloudFormation, composeDocument, kubernetesObjects, modelFor, parseFiles, render, type Loose } from './render-helpers';

const thespian = (...args: string[]) => runToExit({}, args, 30_000);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:thespian-admin-AbCdEf';
const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter/thespian/admin-token';
const serviceNames = () => bundled().services.map((service) => service.name);

test('without a flag no target renders anything about the admin token', () => {
  for (const target of ['compose', 'k8s', 'ecs'] as const) {
    for (const file of render(target).files) {
      assert.doesNotMatch(file.content, /THESPIAN_ADMIN_TOKEN|AdminToken|env_file|secretKeyRef/, `${target} ${file.path}`);
    }
  }
});

test('k8s --admin-token-secret: every Thespian container reads the token from the Secret, the traffic generator does not, and the objects validate', async () => {
  const objects = kubernetesObjects(render('k8s', bundled(), { adminTokenSecret: 'thespian-admin' }));
  const deployments = objects.filter((o: Loose) => o.kind === 'Deployment');
  const withToken = deployments.filter((d: Loose) =>
    d.spec.template.spec.containers.some((c: Loose) => (c.env ?? []).some((e: Loose) => e.name === 'THESPIAN_ADMIN_TOKEN')),
  );
  assert.deepEqual(withToken.map((d: Loose) => d.metadata.name).sort(), serviceNames().sort());
  for (const deployment of withToken) {
    const entry = deployment.spec.template.spec.containers[0].env.find((e: Loose) => e.name === 'THESPIAN_ADMIN_TOKEN');
    assert.deepEqual(entry, { name: 'THESPIAN_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'thespian-admin', key: 'token' } } });
  }
  assert.equal(deployments.length, withToken.length + 1, 'the traffic generator has no token');
  for (const object of objects) {
    const Model = await modelFor(object.apiVersion, object.kind);
    assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata?.name}`);
  }
});

test('ecs --admin-token-from: each Thespian container takes the secret, the template passes the ARN as a parameter and lets the execution role read only it', () => {
  for (const [arn, action] of [
    [SECRET_ARN, 'secretsmanager:GetSecretValue'],
    [PARAMETER_ARN, 'ssm:GetParameters'],
  ]) {
    const output = render('ecs', bundled(), { adminTokenFrom: arn });
    const parsed = parseFiles(output);
    for (const name of serviceNames()) {
      const [thespianContainer, ...others] = parsed.get(`task-definitions/${name}.json`).containerDefinitions;
      assert.deepEqual(thespianContainer.secrets, [{ name: 'THESPIAN_ADMIN_TOKEN', valueFrom: arn }], name);
      for (const other of others) assert.equal(other.secrets, undefined, `${name}: ${other.name}`);
    }
    assert.equal(parsed.get('task-definitions/thespian-traffic.json').containerDefinitions.some((c: Loose) => c.secrets), false);

    const template = cloudFormation(output);
    assert.equal(template.Parameters.AdminTokenArn.Default, arn);
    assert.match(arn, new RegExp(template.Parameters.AdminTokenArn.AllowedPattern));
    const taskDefinitions = Object.values(template.Resources).filter((r: Loose) => r.Type === 'AWS::ECS::TaskDefinition') as Loose[];
    const withSecrets = taskDefinitions.filter((t) => t.Properties.ContainerDefinitions.some((c: Loose) => c.Secrets));
    assert.equal(withSecrets.length, serviceNames().length);
    for (const task of withSecrets) {
      assert.deepEqual(task.Properties.ContainerDefinitions[0].Secrets, [{ Name: 'THESPIAN_ADMIN_TOKEN', ValueFrom: { Ref: 'AdminTokenArn' } }]);
    }
    assert.deepEqual(template.Resources.ExecutionRole.Properties.Policies, [
      {
        PolicyName: 'read-admin-token',
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: { Ref: 'AdminTokenArn' } }] },
      },
    ]);
  }
});

test('compose --admin-token-env-file through the CLI: every Thespian service reads the file, and the token in it is not in the YAML', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-admin-'));
  const token = 'c0ffee-not-a-real-token-0123456789abcdef';
  writeFileSync(join(dir, 'admin.env'), `THESPIAN_ADMIN_TOKEN=${token}\n`);
  const result = await runToExit({}, ['render', 'compose', '--admin-token-env-file', './admin.env', '-o', 'out'], 30_000, { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const text = readFileSync(join(dir, 'out', 'docker-compose.yaml'), 'utf8');
  assert.ok(!text.includes(token), 'the token is in the rendered file');
  const compose = composeDocument({ files: [{ path: 'docker-compose.yaml', content: text }], stdout: text });
  assert.deepEqual(Object.keys(compose.services).sort(), serviceNames().sort());
  for (const [name, service] of Object.entries(compose.services) as [string, Loose][]) {
    assert.equal(service.env_file, './admin.env', name);
    assert.equal(service.environment.THESPIAN_ADMIN_TOKEN, undefined, name);
  }
});

test('the admin token flags: each refused for the other targets, and bad names refused, exit 2 with one line each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-admin-bad-'));
  const cases: [string[], RegExp][] = [
    [['render', 'compose', '--admin-token-secret', 'thespian-admin'], /^thespian render: --admin-token-secret applies to k8s, not compose$/m],
    [['render', 'ecs', '--admin-token-secret', 'thespian-admin'], /^thespian render: --admin-token-secret applies to k8s, not ecs$/m],
    [['render', 'k8s', '--admin-token-from', SECRET_ARN], /^thespian render: --admin-token-from applies to ecs, not k8s$/m],
    [['render', 'compose', '--admin-token-from', SECRET_ARN], /^thespian render: --admin-token-from applies to ecs, not compose$/m],
    [['render', 'k8s', '--admin-token-env-file', 'admin.env'], /^thespian render: --admin-token-env-file applies to compose, not k8s$/m],
    [['render', 'ecs', '--admin-token-env-file', 'admin.env'], /^thespian render: --admin-token-env-file applies to compose, not ecs$/m],
    [['render', 'k8s', '--admin-token-secret', 'Admin_Token'], /^thespian render: --admin-token-secret must be a Secret name .* \(got "Admin_Token"\)$/m],
    [['render', 'ecs', '--admin-token-from', 'thespian-admin'], /^thespian render: --admin-token-from must be a Secrets Manager secret ARN .* \(got "thespian-admin"\)$/m],
    // The resource part must match the service it names.
    [['render', 'ecs', '--admin-token-from', 'arn:aws:ssm:eu-west-1:123456789012:secret:x'], /--admin-token-from must be/],
    [['render', 'compose', '--admin-token-env-file', 'my admin.env'], /^thespian render: --admin-token-env-file must be a file path/m],
  ];
  for (const [args, message] of cases) {
    const result = await thespian(...args, '-o', join(dir, 'out'));
    assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}\n${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    // One problem line; the CLI adds its pointer to --help after it.
    assert.equal(result.stderr.split('\n').filter((line) => line.startsWith('thespian render:')).length, 1, `${args.join(' ')}: one line\n${result.stderr}`);
    assert.equal(result.stdout, '', `${args.join(' ')} wrote something`);
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
});
