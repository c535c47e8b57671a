import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RenderOptions } from '../render';
// Light on purpose (no yaml, no zod): the list of targets, for checking arguments before loading anything.
// not through the index: render/index loads every renderer and yaml at each command's start; the flag table needs only the target names
import { ISTIO_MODES, MESHES, RENDER_TARGETS, type IstioMode, type Mesh, type RenderTarget } from '../render/render-options';
import { defineCommand } from './command';
import { loadCommandTopology } from './command-topology';
import { readFlags, type FlagTable } from './flag-table';
import { nonEmpty, STDOUT } from './option-readers';
import { UsageError } from './usage-error';

const RENDER_FLAGS = {
  output: {
    short: 'o',
    value: 'DIR',
    help: 'write the files into DIR (made if missing) and list them. Without it (or with -o -), print one stream: the compose file, every Kubernetes object (for `kubectl apply -f -`), or the CloudFormation template',
    read: nonEmpty('needs a directory'),
  },
  image: { value: 'IMAGE', help: "the Thespian image (compose: ${THESPIAN_IMAGE:-thespian:local}; k8s: thespian:local; ecs: the Image parameter's default, none)" },
  'otlp-endpoint': { value: 'URL', help: "where traces go (compose: traces, metrics and logs all go there, so name a collector, not a traces-only backend; default http://otel-collector:4317; k8s: http://jaeger.observability:4317; ecs: the OtlpEndpoint parameter's default, where the collector forwards all three signals, or with --collector none where the instances send traces)" },
  'loki-address': { value: 'URL', help: 'where logs are pushed, "" for none (compose: none, logs go over OTLP, and a Loki address replaces that; k8s: the collector sends logs to its OTLP endpoint URL/otlp, none: logs stay on stdout; ecs: none, logs go to CloudWatch, and over OTLP through the collector unless --collector none)' },
  'loki-endpoint': { value: 'URL', help: 'the same as --loki-address (either spelling; not both)' },
  namespace: { value: 'NAME', help: "k8s: the namespace, \"\" to render none (default: the topology's name); ecs: the Cloud Map namespace's default name" },
  'cluster-domain': { value: 'D', help: 'k8s: callers use NAME.NAMESPACE.svc.D instead of the Service name NAME' },
  mesh: { value: 'MESH', help: `k8s: ${MESHES.join(', ')} (default none). Marks the namespace for the mesh's injection and renders what it needs to see the calls as gRPC (for Linkerd: the Service's appProtocol and its opaque-ports annotation; see docs/deploy.md)` },
  'istio-mode': { value: 'MODE', help: `k8s with --mesh istio: ${ISTIO_MODES.join(' or ')} (default sidecar)` },
  collector: {
    value: 'KIND',
    help: 'ecs: where the Thespians send traces, metrics and logs first: service (default; one OpenTelemetry Collector service that every task reaches as otel-collector:4317 through Service Connect), sidecar (a collector container in every task, on 127.0.0.1:4317), or none (straight to the OtlpEndpoint parameter, traces only). A collector forwards all three signals to OtlpEndpoint',
  },
  'admin-token-secret': {
    value: 'NAME',
    help: 'k8s: turn the admin API on, every Thespian reading THESPIAN_ADMIN_TOKEN from key "token" of Secret NAME (make it with kubectl create secret generic NAME --from-literal=token=TOKEN; see docs/deploy.md). Default: off',
  },
  'admin-token-from': {
    value: 'ARN',
    help: 'ecs: turn the admin API on, ECS injecting THESPIAN_ADMIN_TOKEN from this Secrets Manager secret or SSM parameter ARN (the template lets the execution role read exactly that ARN). Default: off',
  },
  'admin-token-env-file': {
    value: 'PATH',
    help: 'compose: turn the admin API on, every Thespian service reading env file PATH (a line THESPIAN_ADMIN_TOKEN=...; relative to the compose file). Default: off',
  },
} satisfies FlagTable;

interface RenderArgs {
  target: RenderTarget;
  topologyPath?: string;
  outputDir?: string;
  options: RenderOptions;
}

export const renderCommand = defineCommand(RENDER_FLAGS, {
  name: 'render',
  summary: 'write compose, Kubernetes or ECS files for a topology (deploy it anywhere)',
  header: `Usage: thespian render <compose|k8s|ecs> [TOPOLOGY] [-o DIR] [options]

Turns a topology (a file or a bundled name; default example_configs/ecosystem.jsonc) into files
ready to apply, with every service finding the others by name on port 6379:
  compose  one service per Thespian on the observability stack's network \`thespian\`, each
           published on 127.0.0.1 at its topology port             → docker-compose.yaml
  k8s      a Deployment, Service and behaviour ConfigMap per Thespian, a telemetry ConfigMap,
           a Namespace and a kustomization.yaml, an OpenTelemetry Collector
           (collector/, a kustomize Component) and a demo overlay with
           Tempo, Loki, Prometheus and Grafana (demo/)               → kubectl apply -k DIR[/demo]
  ecs      Fargate task definitions (JSON) and a CloudFormation template that runs them with
           ECS Service Connect                                       → aws cloudformation deploy`,
  footer: `The same topology and options always give the same bytes. \`npm run render:examples\` renders
the bundled example into deploy/. See docs/deploy.md.
Exit status: 0 when rendered, 1 when a file cannot be written, 2 for a bad topology or options.`,
  async run(args) {
    const parsed = parseRenderArgs(args);
    const loaded = loadCommandTopology(parsed.topologyPath, { printWarnings: true });
    const render = require('../render') as typeof import('../render');
    let output;
    try {
      output = render.renderTopology(parsed.target, loaded, parsed.options);
    } catch (error) {
      if (error instanceof render.RenderOptionsError) throw new UsageError(error.problems.join('\n'));
      throw error;
    }
    if (parsed.outputDir === undefined) {
      process.stdout.write(output.stdout);
      return 0;
    }
    for (const file of output.files) {
      const path = join(parsed.outputDir, file.path);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.content);
      } catch (error) {
        process.stderr.write(`thespian render: cannot write ${path}: ${(error as Error).message}\n`);
        return 1;
      }
      process.stdout.write(`${path}\n`);
    }
    return 0;
  },
});

function parseRenderArgs(args: string[]): RenderArgs {
  const { values, positionals, problems: valueProblems } = readFlags(args, RENDER_FLAGS);
  const [target, topologyPath, ...extra] = positionals;
  const problems: string[] = [];
  if (target === undefined) problems.push(`which target? Give one of ${RENDER_TARGETS.join(', ')}`);
  else if (!(RENDER_TARGETS as readonly string[]).includes(target)) {
    const hint = target === 'kubernetes' ? ' (Kubernetes is k8s)' : '';
    problems.push(`unknown target "${target}"${hint}; targets are ${RENDER_TARGETS.join(', ')}`);
  }
  if (extra.length > 0) problems.push(`one topology at a time (unexpected "${extra[0]}")`);
  problems.push(...valueProblems);
  if (values['loki-address'] !== undefined && values['loki-endpoint'] !== undefined) {
    problems.push('--loki-address and --loki-endpoint are one option under two names: give one of them');
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    target: target as RenderTarget,
    topologyPath,
    // `-o -` is the stream, as for generate and import: a folder named "-" is surely not meant.
    outputDir: values.output === STDOUT ? undefined : values.output,
    options: {
      image: values.image,
      namespace: values.namespace,
      otlpEndpoint: values['otlp-endpoint'],
      lokiAddress: values['loki-address'] ?? values['loki-endpoint'],
      clusterDomain: values['cluster-domain'],
      // Unchecked here: checkRenderOptions refuses a value that is not in the lists, with the rest.
      mesh: values.mesh as Mesh | undefined,
      istioMode: values['istio-mode'] as IstioMode | undefined,
      // Checked against the list with the other options (checkRenderOptions), so every problem is said at once.
      collector: values.collector as RenderOptions['collector'],
      adminTokenSecret: values['admin-token-secret'],
      adminTokenFrom: values['admin-token-from'],
      adminTokenEnvFile: values['admin-token-env-file'],
    },
  };
}
