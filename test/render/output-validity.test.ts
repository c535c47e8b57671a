// Whatever `thespian render` writes must be accepted by the tool that reads it: files parse,
// Kubernetes objects validate against the API's published schemas (kubernetes-models), every
// CallService points at a service that exists on the port it listens on, every embedded
// behaviour passes the instance's own validation, and health checks ask the port served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBehaviour } from '../../src/config';
import type { Topology } from '../../src/topology';
import {
  AWKWARD,
  TARGETS,
  bundled,
  callSpecs,
  cloudFormation,
  composeDocument,
  composeEnv,
  kubernetesObjects,
  modelFor,
  lowerKeys,
  kustomizeResources,
  parseFiles,
  parseYamlDocuments,
  render,
  topologyFrom,
  type Loose,
} from './render-helpers';

const TOPOLOGIES: [string, () => Topology][] = [
  ['the bundled example', bundled],
  ['an awkward topology', () => topologyFrom(AWKWARD, 'awkward.jsonc')],
];

for (const [label, topologyOf] of TOPOLOGIES) {
  test(`${label}: every rendered YAML and JSON file parses, for every target`, () => {
    for (const target of TARGETS) {
      const output = render(target, topologyOf());
      const parsed = parseFiles(output);
      assert.ok(parsed.size > 0, `${target} wrote no files`);
      // The stdout form is one parseable stream too.
      assert.ok(parseYamlDocuments(output.stdout, `${target} stdout`).length > 0);
    }
  });

  test(`${label}: the Kubernetes objects validate against the published API schemas (the ecosystem, its collector and the demo stack)`, async () => {
    const objects = kustomizeResources(render('k8s', topologyOf()), 'demo');
    const kinds = new Set(objects.map((o: Loose) => o.kind));
    for (const kind of ['Namespace', 'ConfigMap', 'Deployment', 'Service']) assert.ok(kinds.has(kind), `no ${kind} rendered`);
    for (const object of objects) {
      const Model = await modelFor(object.apiVersion, object.kind);
      assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata?.name}`);
    }
    // The validator is not a no-op: a wrong type is refused.
    const deployment = structuredClone(objects.find((o: Loose) => o.kind === 'Deployment'));
    deployment.spec.replicas = 'three';
    const Deployment = await modelFor('apps/v1', 'Deployment');
    assert.throws(() => new Deployment(deployment).validate(), /replicas/);
  });

  test(`${label}: compose — every call goes to a compose service on the port it listens on, every behaviour validates`, () => {
    const compose = composeDocument(render('compose', topologyOf()));
    const services: Record<string, Loose> = compose.services;
    for (const [name, service] of Object.entries(services)) {
      const behaviour = JSON.parse(composeEnv(service, 'CONFIG_JSON')!);
      validateBehaviour(behaviour, `compose ${name}`);
      for (const call of callSpecs(behaviour)) {
        const callee = services[call.service_address];
        assert.ok(callee, `${name} calls ${call.service_address}, which is not a compose service`);
        assert.equal(String(call.service_port), composeEnv(callee, 'PORT'), `${name} → ${call.service_address}: port`);
      }
      // The health check asks the port the instance listens on.
      const probe: string[] = service.healthcheck.test;
      assert.equal(probe[0], 'CMD');
      assert.deepEqual(probe.slice(1, 4), ['node', 'dist/cli/main.js', 'health']);
      assert.equal(probe[4].split(':').at(-1), composeEnv(service, 'PORT'), `${name}: health check port`);
      // Published ports map onto that port too.
      for (const port of service.ports ?? []) assert.equal(String(port).split(':').at(-1), composeEnv(service, 'PORT'));
    }
  });

  test(`${label}: k8s — every call goes to a Service in the namespace, on its port; behaviours validate; probes hit the container port`, () => {
    const objects = kubernetesObjects(render('k8s', topologyOf()));
    const servicesByName = new Map(objects.filter((o: Loose) => o.kind === 'Service').map((o: Loose) => [o.metadata.name, o]));
    const configMaps = new Map(objects.filter((o: Loose) => o.kind === 'ConfigMap').map((o: Loose) => [o.metadata.name, o]));
    const all = objects.filter((o: Loose) => o.kind === 'Deployment');
    const deployments = all.filter((o: Loose) => o.metadata.labels['app.kubernetes.io/component'] !== 'traffic');
    assert.equal(deployments.length, topologyOf().services.length);
    // The traffic generator calls entry services that exist, on their Service port.
    const traffic = all.filter((o: Loose) => o.metadata.labels['app.kubernetes.io/component'] === 'traffic');
    assert.equal(traffic.length, 1);
    for (const container of traffic[0].spec.template.spec.containers) {
      const [host, port] = container.args[container.args.indexOf('--target') + 1].split(':');
      assert.equal(container.args[0], 'load');
      assert.ok(servicesByName.get(host)?.spec.ports.some((p: Loose) => p.port === Number(port)), `traffic → ${host}:${port}: no such Service`);
    }
    for (const deployment of deployments) {
      const name = deployment.metadata.name;
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const grpcPort = container.ports.find((p: Loose) => p.name === 'grpc');
      assert.ok(grpcPort, `${name}: no container port named grpc`);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        assert.equal(container[probe]?.grpc?.port, grpcPort.containerPort, `${name}: ${probe} asks another port`);
      }
      const env = Object.fromEntries(container.env.filter((e: Loose) => 'value' in e).map((e: Loose) => [e.name, e.value]));
      assert.equal(env.PORT, String(grpcPort.containerPort), `${name}: PORT and the container port differ`);

      // The behaviour comes from the mounted ConfigMap the env points at.
      const mount = container.volumeMounts.find((m: Loose) => env.CONFIG_FILE.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${name}: CONFIG_FILE ${env.CONFIG_FILE} is not under a mounted volume`);
      const volume = pod.volumes.find((v: Loose) => v.name === mount.name);
      const configMap = configMaps.get(volume.configMap.name);
      assert.ok(configMap, `${name}: mounts ConfigMap ${volume.configMap.name}, which is not rendered`);
      const behaviour = JSON.parse(configMap.data[env.CONFIG_FILE.slice(mount.mountPath.length + 1)]);
      validateBehaviour(behaviour, `k8s ${name}`);
      for (const call of callSpecs(behaviour)) {
        const callee = servicesByName.get(call.service_address);
        assert.ok(callee, `${name} calls ${call.service_address}, which is not a Service`);
        assert.equal(callee.metadata.namespace, deployment.metadata.namespace);
        assert.ok(callee.spec.ports.some((p: Loose) => p.port === call.service_port), `${name} → ${call.service_address}:${call.service_port}: no such Service port`);
      }

      // Its Service selects exactly this Deployment's pods and forwards to the named port.
      const service = servicesByName.get(name);
      assert.ok(service, `${name}: no Service`);
      const podLabels = deployment.spec.template.metadata.labels;
      for (const [key, value] of Object.entries(service.spec.selector)) assert.equal(podLabels[key], value, `${name}: selector ${key}`);
      assert.deepEqual(deployment.spec.selector.matchLabels, service.spec.selector);
      assert.equal(service.spec.ports[0].targetPort, 'grpc');
      assert.equal(service.spec.ports[0].appProtocol, 'grpc');
      assert.equal(service.spec.ports[0].name, 'grpc');
    }
  });

  test(`${label}: ecs — every call goes to a Service Connect alias on its port; behaviours validate; health checks ask the mapped port`, () => {
    const output = render('ecs', topologyOf());
    const template = cloudFormation(output);
    const aliases = new Map<string, number>();
    for (const resource of Object.values(template.Resources) as Loose[]) {
      if (resource.Type !== 'AWS::ECS::Service') continue;
      for (const entry of resource.Properties.ServiceConnectConfiguration.Services ?? []) {
        for (const alias of entry.ClientAliases) aliases.set(alias.DnsName, alias.Port);
      }
    }
    // Service Connect publishes every service of the topology under its own name, on 6379.
    for (const service of topologyOf().services) assert.equal(aliases.get(service.name), 6379, `${service.name} has no Service Connect alias`);
    const all: [string, Loose][] = [
      ...[...parseFiles(output).entries()]
        .filter(([path]) => path.endsWith('.json'))
        .flatMap(([path, json]) => json.containerDefinitions.map((c: Loose) => [`${path} ${c.name}`, c] as [string, Loose])),
      ...(Object.entries(template.Resources) as [string, Loose][])
        .filter(([, r]) => r.Type === 'AWS::ECS::TaskDefinition')
        .flatMap(([id, r]) => r.Properties.ContainerDefinitions.map((c: Loose) => [`${id} ${c.Name}`, lowerKeys(c)] as [string, Loose])),
    ];
    // Instances serve (the "thespian" containers); the traffic generator's containers run
    // `thespian load` against aliases; the collector (ecs-collector.test.ts) is neither.
    const isTraffic = ([, container]: [string, Loose]) => container.command[0] === 'load';
    const definitions = all.filter(([, container]) => container.name === 'thespian');
    assert.equal(definitions.length, topologyOf().services.length * 2);
    for (const [where, container] of all.filter(isTraffic)) {
      const [host, port] = container.command[container.command.indexOf('--target') + 1].split(':');
      assert.equal(aliases.get(host), Number(port), `${where}: traffic → ${host}:${port} is no Service Connect alias`);
    }
    for (const [where, container] of definitions) {
      const env = Object.fromEntries(container.environment.map((e: Loose) => [e.name, e.value]));
      const behaviour = JSON.parse(env.CONFIG_JSON);
      validateBehaviour(behaviour, `ecs ${where}`);
      for (const call of callSpecs(behaviour)) {
        assert.equal(aliases.get(call.service_address), call.service_port, `${where} → ${call.service_address}:${call.service_port} is no Service Connect alias`);
      }
      const [mapping] = container.portMappings;
      assert.equal(String(mapping.containerPort), env.PORT);
      assert.deepEqual(container.healthCheck.command.slice(0, 4), ['CMD', 'node', 'dist/cli/main.js', 'health']);
      assert.equal(container.healthCheck.command[4].split(':').at(-1), env.PORT, `${where}: health check port`);
      assert.equal(container.logConfiguration.logDriver, 'awslogs');
    }
  });
}
