// What each target's files promise beyond parsing: start order without cycles, names each
// target accepts, replicas, a drain that fits the grace period, hardened containers, Service
// Connect for every ECS service, and the options reaching the right places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationSeconds } from '../../src/common';
import { readStageList } from '../../src/cli/stage-list';
import { AWKWARD, bundled, cloudFormation, composeDocument, composeEnv, ecsEnvironment, kubernetesObjects, parseFiles, render, topologyFrom, type Loose } from './render-helpers';

const awkward = () => topologyFrom(AWKWARD, 'awkward.jsonc');
const SERVICE_NAMES = Object.keys(AWKWARD.services);

/** Throws if following `edges` from any node comes back to it. */
function assertAcyclic(edges: Map<string, string[]>, what: string): void {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    assert.notEqual(state.get(node), 'open', `${what}: cycle ${[...path, node].join(' → ')}`);
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node, []);
}

test('compose: callers wait for healthy callees, cycles are broken, the entry is labelled, the stack network is external', () => {
  const compose = composeDocument(render('compose', awkward()));
  const services: Record<string, Loose> = compose.services;
  assert.deepEqual(Object.keys(services), SERVICE_NAMES);
  assert.match(compose.name, /^[a-z0-9][a-z0-9_-]*$/, 'compose project name');
  assert.deepEqual(compose.networks.thespian, { name: 'thespian', external: true });

  const edges = new Map(Object.entries(services).map(([name, s]) => [name, Object.keys(s.depends_on ?? {})]));
  assertAcyclic(edges, 'depends_on');
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of Object.values(service.depends_on ?? {}) as Loose[]) assert.equal(dependency.condition, 'service_healthy', name);
  }
  assert.deepEqual(edges.get('gateway'), ['a1', 'a-1']);
  // a1 and a-1 call each other: one of the two waits, the other does not.
  assert.equal(edges.get('a1')!.length + edges.get('a-1')!.length, 1);

  assert.equal(services.gateway.labels['thespian.entry'], 'true');
  assert.equal(Object.values(services).filter((s: Loose) => s.labels['thespian.entry'] === 'true').length, 1);

  // Scaled: no fixed host port (copies cannot share one); single copies are published at their topology port.
  assert.deepEqual(services.gateway.deploy, { replicas: 3 });
  assert.equal(services.gateway.ports, undefined);
  assert.deepEqual(services.a1.ports, ['127.0.0.1:9101:6379']);

  // "$" would be interpolated by compose; the file carries "$$", the instance sees "$".
  const raw = render('compose', awkward()).files[0].content;
  assert.match(raw, /GET \/price in \$\$/);
  assert.equal(JSON.parse(composeEnv(services.gateway, 'CONFIG_JSON')!).grpc_method_a.tracing_name, 'GET /price in $');
});

test('compose: the bundled example publishes every service at its topology port, as `thespian up` does', () => {
  const topology = bundled();
  const services: Record<string, Loose> = composeDocument(render('compose', topology)).services;
  for (const service of topology.services) {
    assert.deepEqual(services[service.name].ports, [`127.0.0.1:${service.port}:6379`]);
    assert.equal(services[service.name].image, '${THESPIAN_IMAGE:-thespian:local}');
    assert.equal(composeEnv(services[service.name], 'SERVICE_NAME'), service.name);
    assert.equal(services[service.name].read_only, true);
  }
});

test('compose: every service sends traces, metrics and logs over OTLP to the stack\'s collector, and logs by one path only', () => {
  const services: Record<string, Loose> = composeDocument(render('compose', bundled())).services;
  for (const [name, service] of Object.entries(services)) {
    assert.equal(composeEnv(service, 'OTEL_BACKEND_ADDRESS'), 'http://otel-collector:4317', name);
    assert.equal(composeEnv(service, 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://otel-collector:4317', name);
    assert.equal(composeEnv(service, 'OTEL_METRICS_EXPORTER'), 'otlp', name);
    assert.equal(composeEnv(service, 'OTEL_LOGS_EXPORTER'), 'otlp', name);
    assert.match(composeEnv(service, 'OTEL_METRIC_EXPORT_INTERVAL') ?? '', /^\d+$/, name);
    // Both paths at once would store every line twice in Loki.
    assert.equal(composeEnv(service, 'LOKI_ADDRESS'), undefined, `${name} pushes to Loki as well as over OTLP`);
  }

  const options = { otlpEndpoint: 'http://collector.example:4317', lokiAddress: 'http://loki.example:3100' };
  const custom: Record<string, Loose> = composeDocument(render('compose', bundled(), options)).services;
  for (const [name, service] of Object.entries(custom)) {
    assert.equal(composeEnv(service, 'OTEL_BACKEND_ADDRESS'), 'http://collector.example:4317', name);
    assert.equal(composeEnv(service, 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://collector.example:4317', name);
    assert.equal(composeEnv(service, 'LOKI_ADDRESS'), 'http://loki.example:3100', name);
    assert.equal(composeEnv(service, 'OTEL_LOGS_EXPORTER'), 'none', `${name}: a Loki address replaces OTLP logs`);
  }
});

test('k8s: DNS-1123 names and ≤ 63-character labels from a free-text topology name; hardened pods; a drain that fits', () => {
  const objects = kubernetesObjects(render('k8s', awkward()));
  const namespace = objects.find((o: Loose) => o.kind === 'Namespace');
  assert.equal(namespace.metadata.name, 'my-shop-eu-2024');
  for (const object of objects) {
    assert.match(object.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${object.kind} name`);
    if (object.kind !== 'ConfigMap') assert.ok(object.metadata.name.length <= 63, `${object.kind} ${object.metadata.name} is too long`);
    for (const [key, value] of Object.entries(object.metadata.labels ?? {}) as [string, string][]) {
      assert.ok(value.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value), `label ${key}=${value}`);
    }
  }
  for (const deployment of objects.filter((o: Loose) => o.kind === 'Deployment')) {
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    for (const container of pod.containers) {
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
      assert.ok(container.resources.limits.memory);
    }
    if (deployment.metadata.labels['app.kubernetes.io/component'] === 'traffic') continue;
    const [container] = pod.containers;
    // preStop sleep + THESPIAN_SHUTDOWN_GRACE_MS + the flush (≤ 8 s) must fit before SIGKILL.
    const graceMs = Number(container.env.find((e: Loose) => e.name === 'THESPIAN_SHUTDOWN_GRACE_MS').value);
    const preStopS = container.lifecycle.preStop.sleep.seconds;
    assert.ok(pod.terminationGracePeriodSeconds * 1000 >= preStopS * 1000 + graceMs + 8_000, `${deployment.metadata.name}: grace period too short`);
    // A changed behaviour changes the pod template, so pods roll.
    assert.match(deployment.spec.template.metadata.annotations['checksum/behaviour'], /^[0-9a-f]{64}$/);
  }
  const gateway = objects.find((o: Loose) => o.kind === 'Deployment' && o.metadata.name === 'gateway');
  assert.equal(gateway.spec.replicas, 3);
});

test('k8s: kustomization lists exactly the files; options set image, endpoints, namespace and FQDN callers', () => {
  const plain = render('k8s', bundled());
  const [kustomization] = parseFiles(plain).get('base/kustomization.yaml');
  assert.equal(kustomization.kind, 'Kustomization');
  assert.equal(kustomization.namespace, 'shop');
  const baseFiles = plain.files.map((f) => f.path).filter((p) => p.startsWith('base/') && p !== 'base/kustomization.yaml');
  assert.deepEqual([...kustomization.resources].sort(), baseFiles.map((p) => p.slice('base/'.length)).sort());

  const custom = render('k8s', bundled(), {
    image: 'registry.example/thespian:1.2.3',
    namespace: 'demo',
    otlpEndpoint: 'http://otel-collector.observability:4317',
    lokiAddress: 'http://loki.observability:3100',
    clusterDomain: 'cluster.local',
  });
  const objects = kubernetesObjects(custom);
  const telemetry = objects.find((o: Loose) => o.metadata.name === 'thespian-telemetry');
  assert.equal(telemetry.data.OTEL_BACKEND_ADDRESS, 'http://otel-collector.observability:4317');
  assert.equal(telemetry.data.LOKI_ADDRESS, 'http://loki.observability:3100');
  for (const object of objects) if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, 'demo');
  const frontend = objects.find((o: Loose) => o.kind === 'Deployment' && o.metadata.name === 'frontend');
  assert.equal(frontend.spec.template.spec.containers[0].image, 'registry.example/thespian:1.2.3');
  assert.ok(frontend.spec.template.spec.containers[0].envFrom.some((e: Loose) => e.configMapRef?.name === 'thespian-telemetry'));
  const behaviour = objects.find((o: Loose) => o.metadata.name === 'frontend-behaviour').data['behaviour.json'];
  assert.match(behaviour, /"service_address": "catalog\.demo\.svc\.cluster\.local"/);

  // No namespace at all: objects land in kubectl's current namespace, callers use short names.
  const bare = render('k8s', bundled(), { namespace: '' });
  assert.ok(!bare.files.some((f) => f.path === 'base/namespace.yaml'));
  for (const object of kubernetesObjects(bare)) assert.equal(object.metadata.namespace, undefined);
});

test('ecs: Service Connect for every service, start order without cycles, unique alphanumeric logical IDs, parameters', () => {
  const template = cloudFormation(render('ecs', awkward()));
  const resources: Record<string, Loose> = template.Resources;
  for (const id of Object.keys(resources)) assert.match(id, /^[A-Za-z0-9]+$/, `logical ID ${id}`);
  const allServices = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ECS::Service');
  // Beside the topology's services: the traffic generator, and the collector service (ecs-collector.test.ts checks it).
  assert.deepEqual(allServices.map(([, r]) => r.Properties.ServiceName).sort(), [...SERVICE_NAMES, 'otel-collector', 'thespian-traffic'].sort());
  // The traffic generator is a Service Connect client only, scaled by a parameter.
  const [, traffic] = allServices.find(([, r]) => r.Properties.ServiceName === 'thespian-traffic')!;
  assert.deepEqual(traffic.Properties.ServiceConnectConfiguration, { Enabled: true, Namespace: { 'Fn::GetAtt': ['Namespace', 'Arn'] } });
  assert.deepEqual(traffic.Properties.DesiredCount, { Ref: 'TrafficTasks' });
  assert.deepEqual(traffic.DependsOn, ['GatewayService']);
  const services = allServices.filter(([, r]) => r !== traffic && r.Properties.ServiceName !== 'otel-collector');
  // a1 and a-1 both become "A1..." without care; they must not collide.
  assert.equal(new Set(services.map(([id]) => id)).size, SERVICE_NAMES.length);

  for (const [id, service] of services) {
    const properties = service.Properties;
    const connect = properties.ServiceConnectConfiguration;
    assert.equal(connect.Enabled, true, id);
    assert.deepEqual(connect.Namespace, { 'Fn::GetAtt': ['Namespace', 'Arn'] });
    const [entry] = connect.Services;
    assert.equal(entry.DiscoveryName, properties.ServiceName);
    assert.deepEqual(entry.ClientAliases, [{ Port: 6379, DnsName: properties.ServiceName }]);
    const taskDefinition = resources[properties.TaskDefinition.Ref];
    assert.equal(taskDefinition.Type, 'AWS::ECS::TaskDefinition');
    const task = taskDefinition.Properties;
    assert.equal(task.NetworkMode, 'awsvpc');
    assert.deepEqual(task.RequiresCompatibilities, ['FARGATE']);
    assert.ok(['256', '512', '1024'].includes(task.Cpu) && Number(task.Memory) >= 512);
    const mapping = task.ContainerDefinitions[0].PortMappings.find((m: Loose) => m.Name === entry.PortName);
    assert.ok(mapping, `${id}: Service Connect port ${entry.PortName} is not a port mapping of its task`);
    assert.equal(mapping.ContainerPort, 6379);
    assert.equal(properties.NetworkConfiguration.AwsvpcConfiguration.Subnets.Ref, 'Subnets');
    for (const dependency of service.DependsOn ?? []) assert.equal(resources[dependency]?.Type, 'AWS::ECS::Service', `${id} depends on ${dependency}`);
  }
  assertAcyclic(new Map(allServices.map(([id, r]) => [id, r.DependsOn ?? []])), 'DependsOn');
  const gateway = services.find(([, r]) => r.Properties.ServiceName === 'gateway')![1];
  assert.equal(gateway.Properties.DesiredCount, 3);

  // Every Ref names a parameter, a resource or a pseudo parameter.
  const known = new Set([...Object.keys(template.Parameters), ...Object.keys(resources), 'AWS::Region', 'AWS::StackName', 'AWS::Partition', 'AWS::AccountId']);
  const refs: string[] = [];
  const walk = (node: Loose): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (k === 'Ref' ? refs.push(v as string) : walk(v));
  };
  walk(resources);
  for (const ref of refs) assert.ok(known.has(ref), `Ref ${ref} names nothing`);
  for (const parameter of ['Cluster', 'Subnets', 'SecurityGroups', 'OtlpEndpoint', 'Image']) assert.ok(template.Parameters[parameter], parameter);
  assert.equal(template.Parameters.Subnets.Type, 'List<AWS::EC2::Subnet::Id>');
});

test('ecs: options become parameter defaults and fill the task-definition JSON; left out, the JSON keeps ${PLACEHOLDERS}', () => {
  const plain = parseFiles(render('ecs', bundled()));
  const frontend = plain.get('task-definitions/frontend.json');
  assert.equal(frontend.containerDefinitions[0].image, '${IMAGE}');
  assert.equal(frontend.executionRoleArn, '${EXECUTION_ROLE_ARN}');

  const output = render('ecs', bundled(), { image: 'acct.dkr.ecr.eu-west-1.amazonaws.com/thespian:0.1.0', otlpEndpoint: 'http://collector.internal:4317', namespace: 'shop-test' });
  const template = cloudFormation(output);
  assert.equal(template.Parameters.Image.Default, 'acct.dkr.ecr.eu-west-1.amazonaws.com/thespian:0.1.0');
  assert.equal(template.Parameters.OtlpEndpoint.Default, 'http://collector.internal:4317');
  assert.equal(template.Parameters.NamespaceName.Default, 'shop-test');
  const json = parseFiles(output).get('task-definitions/frontend.json');
  assert.equal(json.containerDefinitions[0].image, 'acct.dkr.ecr.eu-west-1.amazonaws.com/thespian:0.1.0');
  // The collector service forwards there (the default); without a collector, the instances send there themselves.
  const collectorEnv = ecsEnvironment(parseFiles(output).get('task-definitions/otel-collector.json').containerDefinitions[0]);
  assert.equal(collectorEnv.OTLP_UPSTREAM_ENDPOINT, 'http://collector.internal:4317');
  const direct = parseFiles(render('ecs', bundled(), { otlpEndpoint: 'http://collector.internal:4317', collector: 'none' }));
  assert.equal(ecsEnvironment(direct.get('task-definitions/frontend.json').containerDefinitions[0]).OTEL_BACKEND_ADDRESS, 'http://collector.internal:4317');
});

test('a topology without entry points renders no traffic and no entry label', () => {
  const quiet = topologyFrom({
    name: 'quiet',
    services: { solo: { behaviour: { grpc_method_a: { tracing_name: 'x', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 1 } } }] } } } },
  });
  const compose = composeDocument(render('compose', quiet));
  assert.equal(compose.services.solo.labels['thespian.entry'], undefined);
  assert.ok(!render('k8s', quiet).files.some((file) => file.path === 'base/traffic.yaml'));
  const ecs = render('ecs', quiet);
  assert.ok(!ecs.files.some((file) => file.path.includes('traffic')));
  assert.equal(cloudFormation(ecs).Parameters.TrafficTasks, undefined);
});

test('a staged entry point renders a generator that runs load --stages with its stages (k8s and ECS; compose has no generator)', () => {
  const staged = topologyFrom({
    name: 'staged',
    services: { solo: { behaviour: { grpc_method_a: { tracing_name: 'x', operations: [] } } } },
    entry_points: [{ service: 'solo', method: 'A', stages: [{ for: '10s', rps: 100 }, { for: '1m', rps: 100 }, { for: '1.5s', rps: 0 }], repeat: true }],
  });
  // A cycle of 71.5 s: 51 cycles (3646.5 s) are the fewest that outlast the flat generators' hour,
  // so the container runs on for an hour, as theirs do, instead of exiting after one pass.
  const expected = ['load', '--target', 'solo:6379', '--method', 'A', '--stages', '10s:100,60s:100,1.5s:0', '--repeat', '--duration', '3646.5s'];
  const texts = (['k8s', 'ecs'] as const).map((target) => render(target, staged).files.map((file) => file.content).join('\n'));
  for (const text of texts) {
    assert.ok(text.includes('10s:100,60s:100,1.5s:0'), 'the stages as load --stages reads them');
    assert.ok(!/--rate/.test(text), 'no flat rate beside them');
  }
  const traffic = kubernetesObjects(render('k8s', staged)).find((object) => object.kind === 'Deployment' && object.metadata.name === 'thespian-traffic');
  const args = traffic.spec.template.spec.containers[0].args as string[];
  assert.deepEqual(args.slice(0, 2), ['load', '--target']);
  assert.deepEqual(args.slice(3), expected.slice(3));
  const ecsTask = generatorArgs(staged).find((generator) => generator.target === 'ecs')!;
  assert.deepEqual(ecsTask.args.slice(3), expected.slice(3), 'ECS runs the same');
});

/** Every traffic generator's `thespian` arguments: the k8s Deployment's containers' and the ECS task's. */
function generatorArgs(topology: ReturnType<typeof topologyFrom>): { target: string; args: string[] }[] {
  const k8s = kubernetesObjects(render('k8s', topology))
    .filter((object) => object.kind === 'Deployment' && object.metadata.name === 'thespian-traffic')
    .flatMap((deployment) => (deployment.spec.template.spec.containers as Loose[]).map((container) => ({ target: 'k8s', args: container.args as string[] })));
  const ecs = Object.values(cloudFormation(render('ecs', topology)).Resources as Record<string, Loose>)
    .filter((resource) => resource.Type === 'AWS::ECS::TaskDefinition')
    .flatMap((task) => (task.Properties.ContainerDefinitions as Loose[]).filter((container) => container.Command?.[0] === 'load').map((container) => ({ target: 'ecs', args: container.Command as string[] })));
  return [...k8s, ...ecs];
}

test("every rendered --stages reads back, with load's own reader, to the very stages of the topology", () => {
  // Durations that a rounded or exponent form would change or make unreadable: more digits
  // than 12 significant ones keep, the shortest stage (1 ms) in two spellings, minutes and hours.
  const stages = [{ for: '1ms', rps: 3 }, { for: '12.3456789012345s', rps: 0.1 }, { for: '0.001s', rps: 100000 }, { for: '0.7m', rps: 7.25 }, { for: '2h', rps: 0 }];
  const awkwardStages = topologyFrom({
    name: 'awkward-stages',
    services: { solo: { behaviour: { grpc_method_a: { tracing_name: 'x', operations: [] } } } },
    entry_points: [{ service: 'solo', method: 'A', stages }],
  });
  const expected = stages.map((stage) => ({ durationS: durationSeconds(stage.for), rate: stage.rps }));
  const generators = generatorArgs(awkwardStages);
  assert.deepEqual(generators.map((generator) => generator.target), ['k8s', 'ecs']);
  for (const { target, args } of generators) {
    const text = args[args.indexOf('--stages') + 1]!;
    const read = readStageList(text);
    assert.ok('plan' in read, `${target}: ${text}: ${'problems' in read ? read.problems.join('; ') : ''}`);
    assert.deepEqual(read.plan.stages, expected, `${target}: ${text}`);
    // Cycled for a whole number of cycles, at least the hour a flat generator runs.
    assert.equal(args[args.indexOf('--stages') + 2], '--repeat', target);
    const cycleS = read.plan.cycleMs / 1000;
    const cycles = durationSeconds(args[args.indexOf('--duration') + 1]!)! / cycleS;
    assert.ok(Math.abs(cycles - Math.round(cycles)) < 1e-9 && cycles * cycleS >= 3600 && (cycles - 1) * cycleS < 3600, `${target}: ${cycles} cycles of ${cycleS} s`);
  }
});
