import { instanceTaskDefinition, taskDefinitionJson, trafficTaskDefinition, twoWayValues } from './ecs-task-definition';
import { FIXED_IDS, instanceService, templateText, trafficService, type EcsTask } from './ecs-template';
import { CONTAINER_PORT } from './instance-runtime';
import { toDnsLabel, uniqueLogicalIds } from './naming';
import { planServices } from './planned-service';
import { summaryOf, type RenderContext } from './render-context';
import type { RenderOutput } from './rendered-file';
import { trafficPlan } from './traffic-plan';

const TEMPLATE_FILE = 'cloudformation.yaml';

/**
 * ECS on Fargate: a task definition per Thespian (awsvpc, a container health check through
 * `thespian health`, awslogs), both as JSON files for `aws ecs register-task-definition` and
 * inside a CloudFormation template that also creates the services with ECS Service Connect.
 * Every service is a Service Connect client-server: its port mapping "grpc" is published in a
 * Cloud Map namespace under its topology name, so the others call NAME:6379, as in compose and
 * Kubernetes.
 */
export function renderEcs(context: RenderContext): RenderOutput {
  const { topology, options } = context;
  const project = toDnsLabel(topology.name, 'thespian');
  const planned = planServices(topology, (target) => ({ address: target.name, port: CONTAINER_PORT }));
  const traffic = trafficPlan(topology, (service) => service);
  const ids = uniqueLogicalIds([...planned.map((plan) => plan.service.name), ...(traffic ? [traffic.name] : [])], FIXED_IDS);
  const values = twoWayValues(options, project);

  const tasks: EcsTask[] = planned.map((plan) => ({
    name: plan.service.name,
    id: ids.get(plan.service.name)!,
    taskDefinition: instanceTaskDefinition(plan, project, values, topology.name),
    service: instanceService(plan, ids),
    comment: summaryOf(plan, topology),
  }));
  if (traffic) {
    tasks.push({
      name: traffic.name,
      id: ids.get(traffic.name)!,
      taskDefinition: trafficTaskDefinition(traffic, project, values),
      service: trafficService(traffic, ids),
      comment: `Traffic to the entry points (${traffic.generators.map((g) => g.description).join(', ')}); TrafficTasks=0 stops it.`,
    });
  }
  const text = templateText(context, project, tasks, traffic !== undefined);
  const taskFiles = tasks.map((task) => ({ path: `task-definitions/${task.name}.json`, content: taskDefinitionJson(task.taskDefinition) }));
  return { files: [...taskFiles, { path: TEMPLATE_FILE, content: text }], stdout: text };
}
