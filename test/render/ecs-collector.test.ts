// `thespian render ecs --collector service|sidecar|none`: where the instances' telemetry goes.
// Both forms (the task-definition JSON files and the CloudFormation template) are read back as
// ECS and CloudFormation would read them, and the collector's configuration as the collector
// would: it parses, its pipelines name only components it defines, it reads only variables its
// container sets, and the instances' OTLP endpoints reach its receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readYaml } from '../kit/kit-files';
import { hostAndPort, processorOrder, undefinedComponents, unusedComponents } from '../instrumentation/pipeline-checks';
import type { Topology } from '../../src/topology';
import type { RenderOptions } from '../../src/render';
import { AWKWARD, bundled, cloudFormation, ecsEnvironment, lowerKeys, parseFiles, parseYamlDocuments, render, topologyFrom, type Loose } from './render-helpers';

const TOPOLOGIES: [string, () => Topology][] = [
  ['the bundled example', bundled],
  ['an awkward topology', () => topologyFrom(AWKWARD, 'awkward.jsonc')],
];

/** The collector image the compose stack pins: the ECS files must run the same one. */
const STACK_COLLECTOR_IMAGE: string = readYaml('instrumentation/docker-compose.yaml').services['otel-collector'].image;

interface Task {
  readonly where: string;
  readonly form: 'json' | 'cfn';
  /** The task definition in the API's camelCase shape (the template's, lowered). */
  readonly definition: Loose;
}

/** Every task definition of an ECS rendering, from the JSON files and from the template. */
function tasksOf(options: RenderOptions, topology: Topology): { tasks: Task[]; template: Loose } {
  const output = render('ecs', topology, options);
  const template = cloudFormation(output);
  const tasks: Task[] = [
    ...[...parseFiles(output).entries()].filter(([path]) => path.endsWith('.json')).map(([path, definition]) => ({ where: path, form: 'json' as const, definition })),
    ...(Object.entries(template.Resources) as [string, Loose][])
      .filter(([, resource]) => resource.Type === 'AWS::ECS::TaskDefinition')
      .map(([id, resource]) => ({ where: id, form: 'cfn' as const, definition: lowerKeys(resource.Properties) })),
  ];
  return { tasks, template };
}

const thespianOf = (task: Task): Loose | undefined => task.definition.containerDefinitions.find((c: Loose) => c.name === 'thespian');
const collectorsOf = (task: Task): Loose[] => task.definition.containerDefinitions.filter((c: Loose) => c.command?.some((arg: string) => arg.startsWith('--config=')));

/**
 * A collector container as the collector would start: the one config source its command names
 * is an environment variable of the container, that text is a valid pipeline configuration, and
 * every ${env:NAME} in it is set. Returns the parsed configuration.
 */
function checkedConfig(container: Loose, where: string): Loose {
  const sources = container.command.filter((arg: string) => arg.startsWith('--config='));
  assert.equal(sources.length, 1, `${where}: one --config`);
  const variable = /^--config=env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(sources[0])?.[1];
  assert.ok(variable, `${where}: ${sources[0]} is not an env: source`);
  const env = ecsEnvironment(container);
  const text = env[variable];
  assert.equal(typeof text, 'string', `${where}: ${variable} is not set`);
  const [config] = parseYamlDocuments(text, `${where} ${variable}`);
  assert.deepEqual(undefinedComponents(config), [], where);
  assert.deepEqual(unusedComponents(config), [], where);
  assert.deepEqual(processorOrder(config), [], where);
  for (const signal of ['traces', 'metrics', 'logs']) assert.ok(config.service.pipelines[signal], `${where}: no ${signal} pipeline`);
  for (const [, name] of text.matchAll(/\$\{env:([^}:]+)\}/g)) assert.ok(name in env, `${where}: the config reads ${name}, which the container does not set`);
  assert.equal(container.essential, true, `${where}: a Thespian without its collector has lost what it is for`);
  return config;
}

/** The OTLP receiver's gRPC address in a collector configuration. */
function receiverOf(config: Loose): { host: string; port: string } {
  return hostAndPort(config.receivers.otlp.protocols.grpc.endpoint);
}

/** What every exporter of the config sends to, as the container's environment resolves it. */
function upstreamsOf(config: Loose, container: Loose): Loose[] {
  const env = ecsEnvironment(container);
  return Object.values<Loose>(config.exporters).map((exporter) => {
    const reference = /^\$\{env:([^}]+)\}$/.exec(exporter.endpoint)?.[1];
    return reference ? env[reference] : exporter.endpoint;
  });
}

/** A Ref to a template parameter, as it reads once the template's keys are lowered to the API's (Ref → ref). */
const ref = (parameter: string) => ({ ref: parameter });

/** Where each form says the upstream is: the JSON files' placeholder (or the option), the template's parameter. */
function expectedUpstream(form: Task['form'], options: RenderOptions): Loose {
  return form === 'json' ? (options.otlpEndpoint ?? '${OTLP_ENDPOINT}') : ref('OtlpEndpoint');
}

for (const [label, topologyOf] of TOPOLOGIES) {
  test(`${label}: --collector service (the default) — one collector service that every instance reaches through Service Connect`, () => {
    const options: RenderOptions = { otlpEndpoint: 'http://gateway.internal:4317' };
    const { tasks, template } = tasksOf(options, topologyOf());
    assert.deepEqual(tasksOf({ ...options, collector: 'service' }, topologyOf()).template, template, 'service is the default');

    const ecsServices = (Object.entries(template.Resources) as [string, Loose][]).filter(([, r]) => r.Type === 'AWS::ECS::Service');
    const collectorTasks = tasks.filter((task) => collectorsOf(task).length > 0);
    // One collector task, in each form, and nothing else runs a collector.
    assert.deepEqual(collectorTasks.map((task) => task.form).sort(), ['cfn', 'json']);
    const [cfnTask] = collectorTasks.filter((task) => task.form === 'cfn');
    const [collectorId, collectorService] = ecsServices.find(([, r]) => r.Properties.TaskDefinition.Ref === cfnTask.where)!;
    const [published] = collectorService.Properties.ServiceConnectConfiguration.Services;
    const [alias] = published.ClientAliases;

    for (const task of collectorTasks) {
      const [container] = task.definition.containerDefinitions;
      const config = checkedConfig(container, task.where);
      const receiver = receiverOf(config);
      // Other tasks connect to it, so it must not listen on loopback only.
      assert.equal(receiver.host, '0.0.0.0', `${task.where}: receiver`);
      const mapping = container.portMappings.find((m: Loose) => m.name === published.PortName);
      assert.ok(mapping, `${task.where}: Service Connect publishes port ${published.PortName}, which the collector does not map`);
      assert.equal(String(mapping.containerPort), receiver.port, `${task.where}: the published port is not the receiver's`);
      assert.equal(mapping.appProtocol, 'grpc');
      for (const upstream of upstreamsOf(config, container)) assert.deepEqual(upstream, expectedUpstream(task.form, options), `${task.where}: upstream`);
      assert.deepEqual(container.image, task.form === 'json' ? STACK_COLLECTOR_IMAGE : ref('CollectorImage'));
    }
    assert.equal(template.Parameters.CollectorImage.Default, STACK_COLLECTOR_IMAGE);

    // Every instance sends all three signals to the collector's alias, and its service is created after the collector's.
    const instances = tasks.filter((task) => thespianOf(task));
    assert.equal(instances.length, topologyOf().services.length * 2);
    for (const task of instances) {
      assert.equal(task.definition.containerDefinitions.length, 1, `${task.where}: no sidecar in service mode`);
      const env = ecsEnvironment(thespianOf(task));
      for (const variable of ['OTEL_BACKEND_ADDRESS', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
        const { host, port } = hostAndPort(env[variable]);
        assert.deepEqual([host, Number(port)], [alias.DnsName, alias.Port], `${task.where}: ${variable} is not the collector's alias`);
      }
      assert.equal(env.OTEL_METRICS_EXPORTER, 'otlp');
      assert.equal(env.OTEL_LOGS_EXPORTER, 'otlp');
    }
    for (const [id, service] of ecsServices) {
      if (id === collectorId || service.Properties.ServiceConnectConfiguration.Services === undefined) continue;
      assert.ok(service.DependsOn.includes(collectorId), `${id} may start before the collector's name exists`);
    }
    // The security groups must let the instances reach it.
    assert.match(template.Parameters.SecurityGroups.Description, new RegExp(`\\b${alias.Port}\\b`));
  });

  test(`${label}: --collector sidecar — a collector in every instance's task, started first, on loopback`, () => {
    const options: RenderOptions = { collector: 'sidecar' };
    const { tasks, template } = tasksOf(options, topologyOf());
    const instances = tasks.filter((task) => thespianOf(task));
    assert.equal(instances.length, topologyOf().services.length * 2);
    assert.equal(tasks.filter((task) => !thespianOf(task) && collectorsOf(task).length > 0).length, 0, 'no collector task of its own');
    for (const task of instances) {
      const collectors = collectorsOf(task);
      assert.equal(collectors.length, 1, `${task.where}: one collector`);
      const [collector] = collectors;
      const config = checkedConfig(collector, task.where);
      const receiver = receiverOf(config);
      assert.equal(receiver.host, '127.0.0.1', `${task.where}: only its own task should reach it`);
      const env = ecsEnvironment(thespianOf(task));
      for (const variable of ['OTEL_BACKEND_ADDRESS', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
        assert.deepEqual(hostAndPort(env[variable]), receiver, `${task.where}: ${variable} is not the sidecar's receiver`);
      }
      // The instance waits for its collector (and ECS stops them in reverse, so the last spans have somewhere to go).
      const waits = thespianOf(task).dependsOn ?? [];
      const wait = waits.find((d: Loose) => d.containerName === collector.name);
      assert.ok(wait, `${task.where}: the instance may start before its collector`);
      assert.ok(['START', 'HEALTHY'].includes(wait.condition));
      if (wait.condition === 'HEALTHY') assert.ok(collector.healthCheck, `${task.where}: HEALTHY needs a health check`);
      // Its hard memory limit leaves the instance most of the task.
      assert.ok(collector.memory > 0 && collector.memory <= Number(task.definition.memory) / 2, `${task.where}: collector memory ${collector.memory}`);
      const limit = config.processors.memory_limiter.limit_mib;
      assert.ok(limit < collector.memory, `${task.where}: memory_limiter (${limit} MiB) must refuse data before the container limit (${collector.memory} MiB)`);
      for (const upstream of upstreamsOf(config, collector)) assert.deepEqual(upstream, expectedUpstream(task.form, options));
    }
    const names = (Object.values(template.Resources) as Loose[]).filter((r) => r.Type === 'AWS::ECS::Service').map((r) => r.Properties.ServiceName);
    assert.ok(!names.includes('otel-collector'), 'no collector service with sidecars');
    assert.ok(template.Parameters.CollectorImage);
  });

  test(`${label}: --collector none — instances send traces straight to OtlpEndpoint, as before`, () => {
    const { tasks, template } = tasksOf({ collector: 'none' }, topologyOf());
    for (const task of tasks.filter((t) => thespianOf(t))) {
      assert.equal(task.definition.containerDefinitions.length, 1, task.where);
      const env = ecsEnvironment(thespianOf(task));
      assert.deepEqual(env.OTEL_BACKEND_ADDRESS, expectedUpstream(task.form, {}), task.where);
      // A traces-only backend would refuse metrics and logs: those stay off.
      assert.equal(env.OTEL_METRICS_EXPORTER, undefined);
      assert.equal(env.OTEL_LOGS_EXPORTER, undefined);
    }
    assert.equal(tasks.filter((task) => collectorsOf(task).length > 0).length, 0);
    assert.equal(template.Parameters.CollectorImage, undefined);
  });
}

test('a topology service called otel-collector keeps its name; the collector service takes another', () => {
  const topology = topologyFrom({
    name: 'clash',
    services: {
      'otel-collector': { behaviour: { grpc_method_a: { tracing_name: 'x', operations: [{ Action: { Sleep: { tracing_name: 'nap', duration_ms: 1 } } }] } } },
      web: { behaviour: { grpc_method_a: { tracing_name: 'y', operations: [{ Action: { CallService: { service: 'otel-collector', grpc_method: 'A' } } }] } } },
    },
  });
  const { tasks, template } = tasksOf({}, topology);
  const services = (Object.values(template.Resources) as Loose[]).filter((r) => r.Type === 'AWS::ECS::Service');
  const names = services.map((r) => r.Properties.ServiceName);
  assert.equal(new Set(names).size, names.length, `ECS service names repeat: ${names.join(', ')}`);
  const aliases = services.flatMap((r) => (r.Properties.ServiceConnectConfiguration.Services ?? []).flatMap((s: Loose) => s.ClientAliases.map((a: Loose) => `${a.DnsName}:${a.Port}`)));
  assert.equal(new Set(aliases.map((a) => a.split(':')[0])).size, aliases.length, `Service Connect names repeat: ${aliases.join(', ')}`);
  assert.ok(aliases.includes('otel-collector:6379'), 'the Thespian keeps its name');
  // The instances' telemetry goes to the collector's alias, not to the Thespian that has its usual name.
  for (const task of tasks.filter((t) => thespianOf(t))) {
    const { host, port } = hostAndPort(ecsEnvironment(thespianOf(task)).OTEL_BACKEND_ADDRESS);
    assert.ok(aliases.includes(`${host}:${port}`) && host !== 'otel-collector', `${task.where} sends to ${host}:${port}`);
  }
});
