import { COLLECTOR_NAME, collectorTaskDefinition, telemetryRoute } from './ecs-collector';
import { adminTokenValue, instanceTaskDefinition, taskDefinitionJson, trafficTaskDefinition, twoWayValues } from './ecs-task-definition';
import { collectorService, FIXED_IDS, instanceService, templateText, trafficService, type EcsTask } from './ecs-template';
import { CONTAINER_PORT } from './instance-runtime';
import { toDnsLabel, uniqueLogicalIds, unusedName } from './naming';
import { planServices } from './planned-service';
import { summaryOf, type RenderContext } from './render-context';
import type { EcsCollector } from './render-options';
import type { RenderOutput } from './rendered-file';
import { trafficPlan } from './traffic-plan';

const TEMPLATE_FILE = 'cloudformation.yaml';

/**
 * One collector service unless told otherwise: the shape compose and Kubernetes have (one
 * collector every instance sends to), its cost one task whatever the topology's size, and its
 * configuration in one place. docs/deploy.md weighs it against the sidecar.
 */
const DEFAULT_COLLECTOR: EcsCollector = 'service';

/**
 * ECS on Fargate: a task definition per Thespian (awsvpc, a container health check through
 * `thespian health`, awslogs), both as JSON files for `aws ecs register-task-definition` and
 * inside a CloudFormation template that also creates the services with ECS Service Connect.
 * Every service is a Service Connect client-server: its port mapping "grpc" is published in a
 * Cloud Map namespace under its topology name, so the others call NAME:6379, as in compose and
 * Kubernetes. Telemetry goes through an OpenTelemetry Collector (a service or a sidecar, see
 * ecs-collector.ts) or straight to the OtlpEndpoint parameter.
 */
export function renderEcs(context: RenderContext): RenderOutput {
  const { topology, options } = context;
  const mode = options.collector ?? DEFAULT_COLLECTOR;
  const project = toDnsLabel(topology.name, 'thespian');
  const planned = planServices(topology, (target) => ({ address: target.name, port: CONTAINER_PORT }));
  const traffic = trafficPlan(topology, (service) => service);
  const collector = mode === 'service' ? unusedName(COLLECTOR_NAME, new Set(topology.services.map((service) => service.name))) : undefined;
  const names = [...(collector ? [collector] : []), ...planned.map((plan) => plan.service.name), ...(traffic ? [traffic.name] : [])];
  const ids = uniqueLogicalIds(names, FIXED_IDS);
  const values = twoWayValues(options, project);
  const adminToken = adminTokenValue(options);

  const tasks: EcsTask[] = [];
  if (collector) {
    tasks.push({
      name: collector,
      id: ids.get(collector)!,
      taskDefinition: collectorTaskDefinition(project, values, collector),
      service: collectorService(collector, ids),
      comment: `${collector}: the OpenTelemetry Collector every Thespian sends traces, metrics and logs to (${collector}:4317); it forwards them to OtlpEndpoint.`,
    });
  }
  for (const plan of planned) {
    const route = telemetryRoute(mode, values, collector ?? COLLECTOR_NAME, plan.service.name);
    tasks.push({
      name: plan.service.name,
      id: ids.get(plan.service.name)!,
      taskDefinition: instanceTaskDefinition(plan, project, values, topology.name, route, adminToken),
      service: instanceService(plan, ids, collector),
      comment: summaryOf(plan, topology),
    });
  }
  if (traffic) {
    tasks.push({
      name: traffic.name,
      id: ids.get(traffic.name)!,
      taskDefinition: trafficTaskDefinition(traffic, project, values),
      service: trafficService(traffic, ids),
      comment: `Traffic to the entry points (${traffic.generators.map((g) => g.description).join(', ')}); TrafficTasks=0 stops it.`,
    });
  }
  const text = templateText(context, project, tasks, { withTraffic: traffic !== undefined, collector: mode, collectorName: collector ?? COLLECTOR_NAME });
  const taskFiles = tasks.map((task) => ({ path: `task-definitions/${task.name}.json`, content: taskDefinitionJson(task.taskDefinition) }));
  return { files: [...taskFiles, { path: TEMPLATE_FILE, content: text }], stdout: text };
}
