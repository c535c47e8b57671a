import { CONTAINER_PORT, DRAIN_GRACE_MS, HEALTH_COMMAND, PORT_NAME, SERVE_ARGS, STOP_TIMEOUT_S } from './instance-runtime';
import { toDnsLabel, uniqueLogicalIds } from './naming';
import { planServices, type PlannedService } from './planned-service';
import { entryPointsOf, listOf, provenance, type RenderContext } from './render-context';
import type { RenderedFile, RenderOutput } from './rendered-file';
import { trafficPlan, type TrafficPlan } from './traffic-plan';
import { toYaml } from './yaml-text';

const TEMPLATE_FILE = 'cloudformation.yaml';
const CONTAINER_NAME = 'thespian';
/** Fargate's smallest size; an instance idles at ~80 MB. */
const TASK_CPU = '256';
const TASK_MEMORY = '512';
/** Resources of the template itself; service resources get "<Id>TaskDefinition" and "<Id>Service". */
const FIXED_IDS = ['Namespace', 'LogGroup', 'ExecutionRole'];

/**
 * A value spelled one way in a task-definition JSON file (a literal, or a ${PLACEHOLDER} for
 * envsubst) and another in the CloudFormation template (a Ref to a parameter, a Sub...).
 */
class TwoWay {
  constructor(
    readonly json: string,
    readonly cfn: unknown,
  ) {}
}

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
  const namespace = options.namespace ?? project;
  const planned = planServices(topology, (target) => ({ address: target.name, port: CONTAINER_PORT }));
  const traffic = trafficPlan(topology, (service) => service);
  const ids = uniqueLogicalIds([...planned.map((plan) => plan.service.name), ...(traffic ? [traffic.name] : [])], FIXED_IDS);
  const header = provenance('ecs', context);

  const values = {
    image: new TwoWay(options.image ?? '${IMAGE}', { Ref: 'Image' }),
    otlp: new TwoWay(options.otlpEndpoint ?? '${OTLP_ENDPOINT}', { Ref: 'OtlpEndpoint' }),
    loki: new TwoWay(options.lokiAddress ?? '', { Ref: 'LokiAddress' }),
    executionRole: new TwoWay('${EXECUTION_ROLE_ARN}', { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] }),
    region: new TwoWay('${AWS_REGION}', { Ref: 'AWS::Region' }),
    logGroup: new TwoWay(`/thespian/${project}`, { Ref: 'LogGroup' }),
    architecture: new TwoWay('X86_64', { Ref: 'CpuArchitecture' }),
  };

  const files: RenderedFile[] = [];
  const resources: Record<string, unknown> = {
    Namespace: {
      Type: 'AWS::ServiceDiscovery::HttpNamespace',
      Properties: { Name: { Ref: 'NamespaceName' }, Description: `Service Connect names of the "${topology.name}" Thespians` },
    },
    LogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: { 'Fn::Sub': '/thespian/${AWS::StackName}' }, RetentionInDays: 7 },
    },
    ExecutionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        // Pull the image and write to CloudWatch Logs; the instances call no AWS API, so no task role.
        ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' }],
      },
    },
  };

  for (const plan of planned) {
    const name = plan.service.name;
    const taskDefinition = taskDefinitionOf(plan, project, values, topology.name);
    files.push({
      path: `task-definitions/${name}.json`,
      content: `${JSON.stringify(jsonForm(taskDefinition), null, 2)}\n`,
    });
    const id = ids.get(name)!;
    resources[`${id}TaskDefinition`] = { Type: 'AWS::ECS::TaskDefinition', Properties: cfnForm(taskDefinition) };
    resources[`${id}Service`] = {
      Type: 'AWS::ECS::Service',
      // Service Connect gives a task the names that exist when it starts: create callees first.
      ...(plan.waitsFor.length > 0 ? { DependsOn: plan.waitsFor.map((callee) => `${ids.get(callee)}Service`) } : {}),
      Properties: {
        ServiceName: name,
        Cluster: { Ref: 'Cluster' },
        TaskDefinition: { Ref: `${id}TaskDefinition` },
        DesiredCount: plan.service.replicas,
        LaunchType: 'FARGATE',
        DeploymentConfiguration: {
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        },
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: { Ref: 'Subnets' },
            SecurityGroups: { Ref: 'SecurityGroups' },
            AssignPublicIp: { Ref: 'AssignPublicIp' },
          },
        },
        ServiceConnectConfiguration: {
          Enabled: true,
          Namespace: { 'Fn::GetAtt': ['Namespace', 'Arn'] },
          Services: [
            {
              PortName: PORT_NAME,
              DiscoveryName: name,
              ClientAliases: [{ Port: CONTAINER_PORT, DnsName: name }],
            },
          ],
        },
      },
    };
  }

  if (traffic) {
    const id = ids.get(traffic.name)!;
    const taskDefinition = trafficTaskDefinition(traffic, project, values);
    files.push({ path: `task-definitions/${traffic.name}.json`, content: `${JSON.stringify(jsonForm(taskDefinition), null, 2)}\n` });
    resources[`${id}TaskDefinition`] = { Type: 'AWS::ECS::TaskDefinition', Properties: cfnForm(taskDefinition) };
    resources[`${id}Service`] = {
      Type: 'AWS::ECS::Service',
      DependsOn: [...new Set(traffic.generators.map((generator) => `${ids.get(generator.service)}Service`))],
      Properties: {
        ServiceName: traffic.name,
        Cluster: { Ref: 'Cluster' },
        TaskDefinition: { Ref: `${id}TaskDefinition` },
        DesiredCount: { Ref: 'TrafficTasks' },
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: { Ref: 'Subnets' },
            SecurityGroups: { Ref: 'SecurityGroups' },
            AssignPublicIp: { Ref: 'AssignPublicIp' },
          },
        },
        // A Service Connect client only: it calls the entry services by name and serves nothing.
        ServiceConnectConfiguration: { Enabled: true, Namespace: { 'Fn::GetAtt': ['Namespace', 'Arn'] } },
      },
    };
  }

  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Thespian topology "${topology.name}" on ECS Fargate with Service Connect (${planned.length} services)`,
    Parameters: parameters(options, namespace, traffic !== undefined),
    Resources: resources,
    Outputs: {
      Namespace: { Description: 'The Cloud Map namespace the services find each other in', Value: { 'Fn::GetAtt': ['Namespace', 'Arn'] } },
      LogGroup: { Description: 'CloudWatch Logs group of every container', Value: { Ref: 'LogGroup' } },
    },
  };
  const comments = planned.map((plan) => ({
    path: ['Resources', `${ids.get(plan.service.name)}TaskDefinition`],
    lines: [describe(plan, context)],
  }));
  if (traffic) {
    comments.push({
      path: ['Resources', `${ids.get(traffic.name)}TaskDefinition`],
      lines: [`Traffic to the entry points (${traffic.generators.map((g) => g.description).join(', ')}); TrafficTasks=0 stops it.`],
    });
  }
  const text = toYaml(template, {
    header: [
      ...header,
      '',
      'aws cloudformation deploy --stack-name ' + project + ' --template-file THIS_FILE --capabilities CAPABILITY_IAM \\',
      '  --parameter-overrides Cluster=CLUSTER Subnets=subnet-1,subnet-2 SecurityGroups=sg-1 \\',
      '  Image=ACCOUNT.dkr.ecr.REGION.amazonaws.com/thespian:TAG OtlpEndpoint=http://COLLECTOR:4317',
      '',
      `Tasks reach each other through Service Connect as NAME:${CONTAINER_PORT}; the security groups must allow TCP ${CONTAINER_PORT} between them.`,
    ],
    comments,
  });
  files.push({ path: TEMPLATE_FILE, content: text });
  return { files, stdout: text };
}

type Values = Record<'image' | 'otlp' | 'loki' | 'executionRole' | 'region' | 'logGroup' | 'architecture', TwoWay>;

/** What every task definition here shares: a Fargate task of the same size and role. */
function fargateTask(family: string, values: Values): Record<string, unknown> {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: TASK_CPU,
    memory: TASK_MEMORY,
    runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: values.architecture },
    executionRoleArn: values.executionRole,
  };
}

/** The task definition in the ECS API's own shape (camelCase), with TwoWay values where the two files differ. */
function taskDefinitionOf(plan: PlannedService, project: string, values: Values, topologyName: string): Record<string, unknown> {
  const name = plan.service.name;
  return {
    ...fargateTask(`${project}-${name}`, values),
    containerDefinitions: [
      {
        name: CONTAINER_NAME,
        image: values.image,
        essential: true,
        command: [...SERVE_ARGS],
        // Named, so Service Connect can publish it; appProtocol grpc gives gRPC-aware proxy metrics.
        portMappings: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: 'tcp', appProtocol: 'grpc' }],
        environment: [
          { name: 'PORT', value: String(CONTAINER_PORT) },
          { name: 'SERVICE_NAME', value: name },
          { name: 'OTEL_BACKEND_ADDRESS', value: values.otlp },
          { name: 'LOKI_ADDRESS', value: values.loki },
          { name: 'THESPIAN_SHUTDOWN_GRACE_MS', value: String(DRAIN_GRACE_MS) },
          { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `cloud.provider=aws,cloud.platform=aws_ecs,service.namespace=${toDnsLabel(topologyName, 'thespian')}` },
          { name: 'CONFIG_JSON', value: JSON.stringify(plan.behaviour) },
        ],
        healthCheck: { command: ['CMD', ...HEALTH_COMMAND], interval: 10, timeout: 5, retries: 3, startPeriod: 15 },
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': values.logGroup, 'awslogs-region': values.region, 'awslogs-stream-prefix': name },
        },
        // Long enough to drain calls in flight and flush spans and logs (ECS's default is 30 s, Fargate's maximum 120 s).
        stopTimeout: STOP_TIMEOUT_S,
        readonlyRootFilesystem: true,
        linuxParameters: { capabilities: { drop: ['ALL'] } },
      },
    ],
  };
}

/** One `thespian load` container per entry point; they exit after each run and ECS starts the task again. */
function trafficTaskDefinition(traffic: TrafficPlan, project: string, values: Values): Record<string, unknown> {
  return {
    ...fargateTask(`${project}-${traffic.name}`, values),
    containerDefinitions: traffic.generators.map((generator) => ({
      name: generator.container,
      image: values.image,
      essential: true,
      command: [...generator.args],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': values.logGroup, 'awslogs-region': values.region, 'awslogs-stream-prefix': traffic.name },
      },
      readonlyRootFilesystem: true,
      linuxParameters: { capabilities: { drop: ['ALL'] } },
    })),
  };
}

function parameters(options: RenderContext['options'], namespace: string, withTraffic: boolean): Record<string, unknown> {
  const withDefault = (value: string | undefined) => (value === undefined ? {} : { Default: value });
  return {
    Cluster: { Type: 'String', Description: 'Name of an existing ECS cluster that can run Fargate tasks' },
    Subnets: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Subnets of the tasks (private subnets with a NAT, or public ones with AssignPublicIp=ENABLED)' },
    SecurityGroups: { Type: 'List<AWS::EC2::SecurityGroup::Id>', Description: `Security groups of the tasks; they must allow TCP ${CONTAINER_PORT} between the tasks` },
    AssignPublicIp: { Type: 'String', AllowedValues: ['ENABLED', 'DISABLED'], Default: 'DISABLED', Description: 'ENABLED when the subnets have no NAT and the image comes from outside the VPC' },
    Image: { Type: 'String', ...withDefault(options.image), Description: 'The Thespian image, e.g. ACCOUNT.dkr.ecr.REGION.amazonaws.com/thespian:0.1.0' },
    CpuArchitecture: { Type: 'String', AllowedValues: ['X86_64', 'ARM64'], Default: 'X86_64', Description: 'The architecture the image was built for' },
    OtlpEndpoint: { Type: 'String', ...withDefault(options.otlpEndpoint), Description: 'OTLP/gRPC endpoint for traces, e.g. http://otel-collector.internal:4317' },
    LokiAddress: { Type: 'String', Default: options.lokiAddress ?? '', Description: 'Loki push address for logs, e.g. http://loki.internal:3100; empty for CloudWatch Logs only' },
    NamespaceName: { Type: 'String', Default: namespace, Description: 'Name of the Cloud Map namespace created for Service Connect (unique in the account and region)' },
    ...(withTraffic
      ? { TrafficTasks: { Type: 'Number', Default: 1, MinValue: 0, Description: 'Copies of the traffic generator that calls the entry points at their rates; 0 for none' } }
      : {}),
  };
}

function describe(plan: PlannedService, context: RenderContext): string {
  const calls = plan.calls.length > 0 ? `calls ${listOf(plan.calls)}` : 'calls no other service';
  const entry = entryPointsOf(context.topology, plan.service.name);
  return `${plan.service.name}: ${calls}${entry ? `; entry point (${entry})` : ''}.`;
}

function jsonForm(value: unknown): unknown {
  if (value instanceof TwoWay) return value.json;
  if (Array.isArray(value)) return value.map(jsonForm);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, jsonForm(child)]));
  }
  return value;
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
