import { isDnsLabel } from './naming';

export const RENDER_TARGETS = ['compose', 'k8s', 'ecs'] as const;
export type RenderTarget = (typeof RENDER_TARGETS)[number];

/** The service meshes `render k8s --mesh` prepares the files for; "none" is the plain files. */
export const MESHES = ['none', 'linkerd', 'istio'] as const;
export type Mesh = (typeof MESHES)[number];

/** Istio's two data planes: a sidecar in every pod, or ztunnel on every node (ambient). */
export const ISTIO_MODES = ['sidecar', 'ambient'] as const;
export type IstioMode = (typeof ISTIO_MODES)[number];
/** ecs: where the Thespians' telemetry goes first (see ecs-collector.ts for what each renders). */
export const ECS_COLLECTORS = ['service', 'sidecar', 'none'] as const;
export type EcsCollector = (typeof ECS_COLLECTORS)[number];

/** The knobs of `thespian render`; anything left out takes the target's default. */
export interface RenderOptions {
  /** The Thespian image. */
  readonly image?: string;
  /** k8s: the namespace ("" for none); ecs: the Cloud Map namespace's default name. */
  readonly namespace?: string;
  /** OTLP/gRPC endpoint for traces (OTEL_BACKEND_ADDRESS); compose sends metrics and logs there too. */
  readonly otlpEndpoint?: string;
  /** Loki push address (LOKI_ADDRESS); "" turns Loki off. In compose it replaces OTLP logs. */
  readonly lokiAddress?: string;
  /** k8s: give callers fully qualified names NAME.NAMESPACE.svc.DOMAIN instead of NAME. */
  readonly clusterDomain?: string;
  /** k8s: mark the namespace and objects for this mesh (default none). */
  readonly mesh?: Mesh;
  /** k8s with mesh istio: which data plane (default sidecar). */
  readonly istioMode?: IstioMode;
  /** ecs: one collector service (the default), a collector sidecar in every task, or none (straight to the OTLP endpoint). */
  readonly collector?: EcsCollector;
  /** k8s: the Secret (key "token") every Thespian reads THESPIAN_ADMIN_TOKEN from; leaving it out keeps the admin API off. */
  readonly adminTokenSecret?: string;
  /** ecs: the Secrets Manager secret or SSM parameter ARN ECS injects as THESPIAN_ADMIN_TOKEN. */
  readonly adminTokenFrom?: string;
  /** compose: an env file (holding THESPIAN_ADMIN_TOKEN=...) every Thespian service reads, so the token stays out of the YAML. */
  readonly adminTokenEnvFile?: string;
}

/** Which options mean something for which target, so a misplaced one is an error, not ignored. */
const APPLIES_TO: Record<keyof RenderOptions, readonly RenderTarget[]> = {
  image: ['compose', 'k8s', 'ecs'],
  namespace: ['k8s', 'ecs'],
  otlpEndpoint: ['compose', 'k8s', 'ecs'],
  lokiAddress: ['compose', 'k8s', 'ecs'],
  clusterDomain: ['k8s'],
  mesh: ['k8s'],
  istioMode: ['k8s'],
  collector: ['ecs'],
  adminTokenSecret: ['k8s'],
  adminTokenFrom: ['ecs'],
  adminTokenEnvFile: ['compose'],
};

const FLAGS: Record<keyof RenderOptions, string> = {
  image: '--image',
  namespace: '--namespace',
  otlpEndpoint: '--otlp-endpoint',
  lokiAddress: '--loki-address',
  clusterDomain: '--cluster-domain',
  mesh: '--mesh',
  istioMode: '--istio-mode',
  collector: '--collector',
  adminTokenSecret: '--admin-token-secret',
  adminTokenFrom: '--admin-token-from',
  adminTokenEnvFile: '--admin-token-env-file',
};

/** Every problem with the options for this target, one line each (empty when all is well). */
export function checkRenderOptions(target: RenderTarget, options: RenderOptions): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(FLAGS) as (keyof RenderOptions)[]) {
    if (options[key] !== undefined && !APPLIES_TO[key].includes(target)) {
      problems.push(`${FLAGS[key]} applies to ${APPLIES_TO[key].join(' and ')}, not ${target}`);
    }
  }
  const { image, namespace, otlpEndpoint, lokiAddress, clusterDomain, collector } = options;
  if (image !== undefined && !/^[^\s"'`\\]+$/.test(image)) {
    problems.push(`--image must be an image reference like thespian:0.1.0 or 123456789012.dkr.ecr.eu-west-1.amazonaws.com/thespian:0.1.0 (got ${JSON.stringify(image)})`);
  }
  if (namespace !== undefined && namespace !== '' && !isDnsLabel(namespace)) {
    problems.push(`--namespace must be a lowercase DNS label (a-z, 0-9 and "-", starting with a letter, at most 63 characters), or "" for none (got ${JSON.stringify(namespace)})`);
  }
  if (namespace === '' && target === 'ecs') problems.push('--namespace cannot be empty for ecs: Service Connect needs a namespace');
  if (clusterDomain !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) {
    problems.push(`--cluster-domain must be a domain like cluster.local (got ${JSON.stringify(clusterDomain)})`);
  }
  if (clusterDomain !== undefined && namespace === '') problems.push('--cluster-domain needs a namespace: fully qualified names are NAME.NAMESPACE.svc.DOMAIN');
  if (otlpEndpoint !== undefined && !isHttpUrl(otlpEndpoint)) {
    problems.push(`--otlp-endpoint must be an http:// or https:// address like http://tempo:4317 (got ${JSON.stringify(otlpEndpoint)})`);
  }
  if (lokiAddress !== undefined && lokiAddress !== '' && !isHttpUrl(lokiAddress)) {
    problems.push(`--loki-address must be an http:// or https:// address like http://loki:3100, or "" for none (got ${JSON.stringify(lokiAddress)})`);
  }
  problems.push(...notOneOf('--collector', collector, ECS_COLLECTORS));
  problems.push(...meshProblems(options));
  problems.push(...adminTokenProblems(options));
  return problems;
}

/** Secret names are DNS subdomains: at most 253 characters, dot-separated lowercase alphanumeric runs with "-" inside. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * What ECS can read a secret from: a Secrets Manager secret or an SSM parameter, each named by its
 * full ARN (in any partition: aws, aws-cn, aws-us-gov). The service decides which IAM action the
 * execution role needs.
 */
const SECRET_ARN = /^arn:aws(-[a-z]+)*:(secretsmanager|ssm):[a-z0-9-]+:[0-9]{12}:(secret:|parameter\/)[^\s"'`\\]+$/;

/** Which AWS service holds the admin token, by its ARN (undefined when the ARN is not one of the two shapes). */
export function adminTokenStore(arn: string): 'secretsmanager' | 'ssm' | undefined {
  const match = SECRET_ARN.exec(arn);
  if (!match) return undefined;
  const service = match[2] as 'secretsmanager' | 'ssm';
  // The resource part must match the service: secret:NAME for Secrets Manager, parameter/NAME for SSM.
  return (service === 'secretsmanager') === (match[3] === 'secret:') ? service : undefined;
}

/** The admin token's three sources, one per target: each must name something that can exist. */
function adminTokenProblems({ adminTokenSecret, adminTokenFrom, adminTokenEnvFile }: RenderOptions): string[] {
  const problems: string[] = [];
  if (adminTokenSecret !== undefined && (adminTokenSecret.length > 253 || !DNS_SUBDOMAIN.test(adminTokenSecret))) {
    problems.push(`--admin-token-secret must be a Secret name (a lowercase DNS subdomain like thespian-admin, at most 253 characters) (got ${JSON.stringify(adminTokenSecret)})`);
  }
  if (adminTokenFrom !== undefined && adminTokenStore(adminTokenFrom) === undefined) {
    problems.push(
      `--admin-token-from must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME) or an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME) (got ${JSON.stringify(adminTokenFrom)})`,
    );
  }
  if (adminTokenEnvFile !== undefined && !/^[^\s"'`\\$]+$/.test(adminTokenEnvFile)) {
    problems.push(`--admin-token-env-file must be a file path without spaces, quotes or "$", like ./admin.env (got ${JSON.stringify(adminTokenEnvFile)})`);
  }
  return problems;
}

/** What is wrong with the mesh options: values not in the lists, and combinations that cannot work. */
function meshProblems({ mesh, istioMode, namespace }: RenderOptions): string[] {
  const problems: string[] = [];
  problems.push(...notOneOf('--mesh', mesh, MESHES), ...notOneOf('--istio-mode', istioMode, ISTIO_MODES));
  if (istioMode !== undefined && mesh !== 'istio') problems.push('--istio-mode needs --mesh istio');
  // Both meshes are switched on by a mark on the Namespace; without one there is nothing to mark.
  if (mesh !== undefined && mesh !== 'none' && namespace === '') {
    problems.push(`--mesh ${mesh} needs a namespace to mark: leave out --namespace "", or mark your own namespace and render with --mesh none`);
  }
  return problems;
}

/** A choice from the command line (or a JavaScript caller), unchecked until here: the problem when it is not in the list. */
function notOneOf(flag: string, value: string | undefined, choices: readonly string[]): string[] {
  return value === undefined || choices.includes(value) ? [] : [`${flag} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`];
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
