import type { RenderOptions } from './render-options';
import { CONTAINER_PORT, DRAIN_GRACE_MS, HEALTH_COMMAND, PORT_NAME, SERVE_ARGS, STOP_TIMEOUT_S } from './instance-runtime';
import { toDnsLabel } from './naming';
import type { PlannedService } from './planned-service';
import type { TrafficPlan } from './traffic-plan';

const CONTAINER_NAME = 'thespian';
/** Fargate's smallest size; an instance idles at ~80 MB. */
const TASK_CPU = '256';
const TASK_MEMORY = '512';

/**
 * A value spelled one way in a task-definition JSON file (a literal, or a ${PLACEHOLDER} for
 * envsubst) and another in the CloudFormation template (a Ref to a parameter, a Sub...).
 */
export class TwoWay {
  constructor(
    readonly json: string,
    readonly cfn: unknown,
  ) {}
}

export type TwoWayValues = Record<'image' | 'otlp' | 'loki' | 'executionRole' | 'region' | 'logGroup' | 'architecture', TwoWay>;

/** The admin token's ARN: a literal in the JSON files, the AdminTokenArn parameter in the template; undefined for the admin API off. */
export function adminTokenValue(options: RenderOptions): TwoWay | undefined {
  return options.adminTokenFrom === undefined ? undefined : new TwoWay(options.adminTokenFrom, { Ref: 'AdminTokenArn' });
}

/** A task definition in the ECS API's own shape (camelCase), with TwoWay values where the two files differ. */
export type TaskDefinition = Record<string, unknown>;

/** The values the task definitions share, in both spellings. */
export function twoWayValues(options: RenderOptions, project: string): TwoWayValues {
  return {
    image: new TwoWay(options.image ?? '${IMAGE}', { Ref: 'Image' }),
    otlp: new TwoWay(options.otlpEndpoint ?? '${OTLP_ENDPOINT}', { Ref: 'OtlpEndpoint' }),
    loki: new TwoWay(options.lokiAddress ?? '', { Ref: 'LokiAddress' }),
    executionRole: new TwoWay('${EXECUTION_ROLE_ARN}', { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] }),
    region: new TwoWay('${AWS_REGION}', { Ref: 'AWS::Region' }),
    logGroup: new TwoWay(`/thespian/${project}`, { Ref: 'LogGroup' }),
    architecture: new TwoWay('X86_64', { Ref: 'CpuArchitecture' }),
  };
}

/** An ECS container definition, in the API's camelCase shape. */
export type ContainerDefinition = Record<string, unknown>;

/** An environment entry of a container definition. */
export interface EnvironmentEntry {
  readonly name: string;
  readonly value: string | TwoWay;
}

/** Where a Thespian's telemetry goes: its environment for that, and any containers its task needs beside it. */
export interface TelemetryRoute {
  readonly environment: readonly EnvironmentEntry[];
  /** Containers that run beside the Thespian in its task (a collector sidecar). */
  readonly sidecars: readonly ContainerDefinition[];
  /** Of those, the ones the Thespian must not start before (ECS stops them after it, in reverse). */
  readonly dependsOn: readonly { readonly containerName: string; readonly condition: 'START' | 'HEALTHY' }[];
}

/** One Thespian's task: the container that serves its behaviour, and its route's sidecars. */
export function instanceTaskDefinition(
  plan: PlannedService,
  project: string,
  values: TwoWayValues,
  topologyName: string,
  route: TelemetryRoute,
  adminToken: TwoWay | undefined,
): TaskDefinition {
  return {
    ...fargateTask(`${project}-${plan.service.name}`, values),
    containerDefinitions: [instanceContainer(plan, values, topologyName, route, adminToken), ...route.sidecars],
  };
}

/** One `thespian load` container per entry point; they exit after each run and ECS starts the task again. */
export function trafficTaskDefinition(traffic: TrafficPlan, project: string, values: TwoWayValues): TaskDefinition {
  return {
    ...fargateTask(`${project}-${traffic.name}`, values),
    containerDefinitions: traffic.generators.map((generator) => ({
      name: generator.container,
      image: values.image,
      essential: true,
      command: [...generator.args],
      logConfiguration: awsLogs(values, traffic.name),
      ...lockedDown(),
    })),
  };
}

/** What every task definition here shares: a Fargate task (the smallest size unless told) with the stack's role. */
export function fargateTask(family: string, values: TwoWayValues, size = { cpu: TASK_CPU, memory: TASK_MEMORY }): TaskDefinition {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: size.cpu,
    memory: size.memory,
    runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: values.architecture },
    executionRoleArn: values.executionRole,
  };
}

function instanceContainer(plan: PlannedService, values: TwoWayValues, topologyName: string, route: TelemetryRoute, adminToken: TwoWay | undefined): ContainerDefinition {
  const name = plan.service.name;
  return {
    name: CONTAINER_NAME,
    image: values.image,
    essential: true,
    command: [...SERVE_ARGS],
    // Named, so Service Connect can publish it; appProtocol grpc gives gRPC-aware proxy metrics.
    portMappings: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: 'tcp', appProtocol: 'grpc' }],
    environment: [
      { name: 'PORT', value: String(CONTAINER_PORT) },
      { name: 'SERVICE_NAME', value: name },
      ...route.environment,
      { name: 'THESPIAN_SHUTDOWN_GRACE_MS', value: String(DRAIN_GRACE_MS) },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `cloud.provider=aws,cloud.platform=aws_ecs,service.namespace=${toDnsLabel(topologyName, 'thespian')}` },
      { name: 'CONFIG_JSON', value: JSON.stringify(plan.behaviour) },
    ],
    // ECS fetches the token with the execution role when the task starts; no file holds its value.
    ...(adminToken === undefined ? {} : { secrets: [{ name: 'THESPIAN_ADMIN_TOKEN', valueFrom: adminToken }] }),
    ...(route.dependsOn.length > 0 ? { dependsOn: route.dependsOn } : {}),
    healthCheck: { command: ['CMD', ...HEALTH_COMMAND], interval: 10, timeout: 5, retries: 3, startPeriod: 15 },
    logConfiguration: awsLogs(values, name),
    // Long enough to drain calls in flight and flush spans and logs (ECS's default is 30 s, Fargate's maximum 120 s).
    stopTimeout: STOP_TIMEOUT_S,
    ...lockedDown(),
  };
}

/** Every container's lines go to the stack's CloudWatch Logs group, in streams named after the task. */
export function awsLogs(values: TwoWayValues, streamPrefix: string): Record<string, unknown> {
  return {
    logDriver: 'awslogs',
    options: { 'awslogs-group': values.logGroup, 'awslogs-region': values.region, 'awslogs-stream-prefix': streamPrefix },
  };
}

/** No writes but to stdout, no capabilities. */
export function lockedDown(): Record<string, unknown> {
  return { readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ['ALL'] } } };
}

/** The task definition as a JSON file for `aws ecs register-task-definition`. */
export function taskDefinitionJson(taskDefinition: TaskDefinition): string {
  return `${JSON.stringify(jsonForm(taskDefinition), null, 2)}\n`;
}

function jsonForm(value: unknown): unknown {
  if (value instanceof TwoWay) return value.json;
  if (Array.isArray(value)) return value.map(jsonForm);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, jsonForm(child)]));
  }
  return value;
}

/** The task definition as the Properties of an AWS::ECS::TaskDefinition. */
export function taskDefinitionProperties(taskDefinition: TaskDefinition): unknown {
  return cfnForm(taskDefinition);
}

/**
 * The ECS API's camelCase keys become CloudFormation's PascalCase ones (containerPort →
 * ContainerPort). The keys of a log driver's `options` are the driver's own and stay as written.
 */
function cfnForm(value: unknown, keepKeys = false): unknown {
  if (value instanceof TwoWay) return value.cfn;
  if (Array.isArray(value)) return value.map((item) => cfnForm(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [keepKeys ? key : key[0].toUpperCase() + key.slice(1), cfnForm(child, key === 'options')]),
    );
  }
  return value;
}
