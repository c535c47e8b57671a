import { COLLECTOR_IMAGE, COLLECTOR_PORT } from './ecs-collector';
import { taskDefinitionProperties, type TaskDefinition } from './ecs-task-definition';
import { CONTAINER_PORT, PORT_NAME } from './instance-runtime';
import type { PlannedService } from './planned-service';
import { provenance, type RenderContext } from './render-context';
import { adminTokenStore, type EcsCollector, type RenderOptions } from './render-options';
import type { TrafficPlan } from './traffic-plan';
import { toYaml } from './yaml-text';

/** Resources of the template itself; service resources get "<Id>TaskDefinition" and "<Id>Service". */
export const FIXED_IDS = ['Namespace', 'LogGroup', 'ExecutionRole'];

/** One ECS service of the stack: its task definition, the AWS::ECS::Service that runs it, and a line about it. */
export interface EcsTask {
  /** The service's name: a topology service's, or the traffic generator's. */
  readonly name: string;
  /** The prefix of its resources' logical IDs. */
  readonly id: string;
  readonly taskDefinition: TaskDefinition;
  readonly service: Record<string, unknown>;
  readonly comment: string;
}

/** Logical IDs of the stack's resources, by service name. */
type LogicalIds = ReadonlyMap<string, string>;

/** What the template holds besides the tasks. */
interface TemplateShape {
  readonly withTraffic: boolean;
  readonly collector: EcsCollector;
  /** The collector service's name (otel-collector, unless a topology service has it). */
  readonly collectorName: string;
}

/** The CloudFormation template that creates the namespace, the log group, the role and every task's service. */
export function templateText(context: RenderContext, project: string, tasks: readonly EcsTask[], shape: TemplateShape): string {
  const { topology, options } = context;
  const ports = shape.collector === 'service' ? `TCP ${CONTAINER_PORT} and ${COLLECTOR_PORT.port}` : `TCP ${CONTAINER_PORT}`;
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Thespian topology "${topology.name}" on ECS Fargate with Service Connect (${topology.services.length} services)`,
    Parameters: templateParameters(options, options.namespace ?? project, shape, ports),
    Resources: { ...fixedResources(topology.name, options.adminTokenFrom), ...taskResources(tasks) },
    Outputs: {
      Namespace: { Description: 'The Cloud Map namespace the services find each other in', Value: { 'Fn::GetAtt': ['Namespace', 'Arn'] } },
      LogGroup: { Description: 'CloudWatch Logs group of every container', Value: { Ref: 'LogGroup' } },
    },
  };
  return toYaml(template, {
    header: [
      ...provenance('ecs', context),
      '',
      'aws cloudformation deploy --stack-name ' + project + ' --template-file THIS_FILE --capabilities CAPABILITY_IAM \\',
      '  --parameter-overrides Cluster=CLUSTER Subnets=subnet-1,subnet-2 SecurityGroups=sg-1 \\',
      '  Image=ACCOUNT.dkr.ecr.REGION.amazonaws.com/thespian:TAG OtlpEndpoint=http://COLLECTOR:4317',
      '',
      `Tasks reach each other through Service Connect as NAME:${CONTAINER_PORT}; the security groups must allow ${ports} between them.`,
      ...collectorLines(shape),
    ],
    comments: tasks.map((task) => ({ path: ['Resources', `${task.id}TaskDefinition`], lines: [task.comment] })),
  });
}

/** What the header says about where telemetry goes. */
function collectorLines(shape: TemplateShape): string[] {
  switch (shape.collector) {
    case 'service':
      return [`Telemetry: every Thespian sends traces, metrics and logs to the collector service (${shape.collectorName}:${COLLECTOR_PORT.port}), which forwards them to OtlpEndpoint.`];
    case 'sidecar':
      return [`Telemetry: every Thespian sends traces, metrics and logs to the collector beside it in its task (127.0.0.1:${COLLECTOR_PORT.port}), which forwards them to OtlpEndpoint.`];
    case 'none':
      return ['Telemetry: every Thespian sends its traces to OtlpEndpoint itself (rendered with --collector none).'];
  }
}

/** The Service Connect namespace, the log group and the execution role every task shares. */
function fixedResources(topologyName: string, adminTokenFrom: string | undefined): Record<string, unknown> {
  return {
    Namespace: {
      Type: 'AWS::ServiceDiscovery::HttpNamespace',
      Properties: { Name: { Ref: 'NamespaceName' }, Description: `Service Connect names of the "${topologyName}" Thespians` },
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
        ...(adminTokenFrom === undefined ? {} : { Policies: [adminTokenPolicy(adminTokenFrom)] }),
      },
    },
  };
}

/**
 * ECS reads a container's `secrets` with the execution role when the task starts, so that role
 * (and only it) may read the one token: GetSecretValue for a Secrets Manager secret,
 * GetParameters for an SSM parameter. A secret encrypted with a customer-managed KMS key also
 * needs kms:Decrypt on that key, which the template cannot know (docs/deploy.md says so).
 */
function adminTokenPolicy(arn: string): Record<string, unknown> {
  const action = adminTokenStore(arn) === 'ssm' ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue';
  return {
    PolicyName: 'read-admin-token',
    PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: { Ref: 'AdminTokenArn' } }] },
  };
}

function taskResources(tasks: readonly EcsTask[]): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const task of tasks) {
    resources[`${task.id}TaskDefinition`] = { Type: 'AWS::ECS::TaskDefinition', Properties: taskDefinitionProperties(task.taskDefinition) };
    resources[`${task.id}Service`] = task.service;
  }
  return resources;
}

/**
 * A Thespian's service: a Service Connect client-server, its port "grpc" published in the
 * namespace under its topology name, so that the others call NAME:6379.
 */
export function instanceService(plan: PlannedService, ids: LogicalIds, collector: string | undefined): Record<string, unknown> {
  const name = plan.service.name;
  return ecsService(name, ids, {
    // Service Connect gives a task the names that exist when it starts: create callees, and the collector, first.
    dependsOn: [...(collector ? [collector] : []), ...plan.waitsFor],
    desiredCount: plan.service.replicas,
    deployment: {
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    },
    serviceConnect: {
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
  });
}

/** The collector's service: a Service Connect client-server whose port "otlp-grpc" is published as NAME:4317. */
export function collectorService(name: string, ids: LogicalIds): Record<string, unknown> {
  return ecsService(name, ids, {
    dependsOn: [],
    desiredCount: 1,
    deployment: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
    serviceConnect: {
      Enabled: true,
      Namespace: { 'Fn::GetAtt': ['Namespace', 'Arn'] },
      Services: [{ PortName: COLLECTOR_PORT.name, DiscoveryName: name, ClientAliases: [{ Port: COLLECTOR_PORT.port, DnsName: name }] }],
    },
  });
}

/** The traffic generator's service, started after the entry services it calls. */
export function trafficService(traffic: TrafficPlan, ids: LogicalIds): Record<string, unknown> {
  return ecsService(traffic.name, ids, {
    dependsOn: [...new Set(traffic.generators.map((generator) => generator.service))],
    desiredCount: { Ref: 'TrafficTasks' },
    // A Service Connect client only: it calls the entry services by name and serves nothing.
    serviceConnect: { Enabled: true, Namespace: { 'Fn::GetAtt': ['Namespace', 'Arn'] } },
  });
}

interface EcsServiceParts {
  /** Services (by name) whose ECS services must exist first. */
  dependsOn: readonly string[];
  desiredCount: unknown;
  deployment?: Record<string, unknown>;
  serviceConnect: Record<string, unknown>;
}

/** An AWS::ECS::Service on Fargate in the stack's subnets and security groups. */
function ecsService(name: string, ids: LogicalIds, parts: EcsServiceParts): Record<string, unknown> {
  const id = ids.get(name)!;
  return {
    Type: 'AWS::ECS::Service',
    ...(parts.dependsOn.length > 0 ? { DependsOn: parts.dependsOn.map((callee) => `${ids.get(callee)}Service`) } : {}),
    Properties: {
      ServiceName: name,
      Cluster: { Ref: 'Cluster' },
      TaskDefinition: { Ref: `${id}TaskDefinition` },
      DesiredCount: parts.desiredCount,
      LaunchType: 'FARGATE',
      ...(parts.deployment ? { DeploymentConfiguration: parts.deployment } : {}),
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: { Ref: 'Subnets' },
          SecurityGroups: { Ref: 'SecurityGroups' },
          AssignPublicIp: { Ref: 'AssignPublicIp' },
        },
      },
      ServiceConnectConfiguration: parts.serviceConnect,
    },
  };
}

function templateParameters(options: RenderOptions, namespace: string, shape: TemplateShape, ports: string): Record<string, unknown> {
  const withDefault = (value: string | undefined) => (value === undefined ? {} : { Default: value });
  const viaCollector = shape.collector !== 'none';
  return {
    Cluster: { Type: 'String', Description: 'Name of an existing ECS cluster that can run Fargate tasks' },
    Subnets: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Subnets of the tasks (private subnets with a NAT, or public ones with AssignPublicIp=ENABLED)' },
    SecurityGroups: { Type: 'List<AWS::EC2::SecurityGroup::Id>', Description: `Security groups of the tasks; they must allow ${ports} between the tasks` },
    AssignPublicIp: { Type: 'String', AllowedValues: ['ENABLED', 'DISABLED'], Default: 'DISABLED', Description: 'ENABLED when the subnets have no NAT and the image comes from outside the VPC' },
    Image: { Type: 'String', ...withDefault(options.image), Description: 'The Thespian image, e.g. ACCOUNT.dkr.ecr.REGION.amazonaws.com/thespian:0.1.0' },
    CpuArchitecture: { Type: 'String', AllowedValues: ['X86_64', 'ARM64'], Default: 'X86_64', Description: 'The architecture the image was built for' },
    OtlpEndpoint: {
      Type: 'String',
      ...withDefault(options.otlpEndpoint),
      Description: viaCollector
        ? 'OTLP/gRPC endpoint the collector forwards traces, metrics and logs to (one that takes all three, e.g. a gateway collector), e.g. http://otel-gateway.internal:4317'
        : 'OTLP/gRPC endpoint for traces, e.g. http://otel-collector.internal:4317',
    },
    ...(viaCollector
      ? { CollectorImage: { Type: 'String', Default: COLLECTOR_IMAGE, Description: 'The OpenTelemetry Collector image (a copy in your ECR, or another distribution with the same components)' } }
      : {}),
    LokiAddress: { Type: 'String', Default: options.lokiAddress ?? '', Description: 'Loki push address for logs, e.g. http://loki.internal:3100; empty for CloudWatch Logs only' },
    NamespaceName: { Type: 'String', Default: namespace, Description: 'Name of the Cloud Map namespace created for Service Connect (unique in the account and region)' },
    ...(options.adminTokenFrom === undefined ? {} : { AdminTokenArn: adminTokenParameter(options.adminTokenFrom) }),
    ...(shape.withTraffic
      ? { TrafficTasks: { Type: 'Number', Default: 1, MinValue: 0, Description: 'Copies of the traffic generator that calls the entry points at their rates; 0 for none' } }
      : {}),
  };
}

/** The admin token's ARN as a parameter; its pattern keeps an override to the same service, which the role's one action was chosen for. */
function adminTokenParameter(arn: string): Record<string, unknown> {
  const ssm = adminTokenStore(arn) === 'ssm';
  return {
    Type: 'String',
    Default: arn,
    AllowedPattern: ssm ? '^arn:aws[-a-z]*:ssm:[-a-z0-9]+:[0-9]{12}:parameter/.+$' : '^arn:aws[-a-z]*:secretsmanager:[-a-z0-9]+:[0-9]{12}:secret:.+$',
    Description: `ARN of the ${ssm ? 'SSM parameter' : 'Secrets Manager secret'} holding the admin token (THESPIAN_ADMIN_TOKEN, 16 to 4096 visible ASCII characters); the execution role may read only this one`,
  };
}
