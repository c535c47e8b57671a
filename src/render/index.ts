/**
 * render/ — renderTopology turns one topology into ready-to-apply files: Docker Compose (on the
 * observability stack's network), Kubernetes (Deployments, Services, ConfigMaps, kustomization,
 * an OpenTelemetry Collector Component and a demo overlay with the observability stack) and ECS (task definitions and a CloudFormation template with Service Connect). One entry file
 * per target (compose.ts, kubernetes.ts, ecs.ts; the last two keep their parts in kubernetes-*.ts
 * and ecs-*.ts) over shared parts: container facts, name sanitising, behaviour resolution and
 * start order, and deterministic YAML. Output depends only on the topology, the options and the
 * package's instrumentation/ files (images and configs of the stack; no timestamps, no absolute
 * paths, stable key order), so committed files can be checked for staleness.
 */
import { basename } from 'node:path';
import type { Topology } from '../topology';
import { renderCompose } from './compose';
import { renderEcs } from './ecs';
import { renderKubernetes } from './kubernetes';
import { checkRenderOptions, type RenderOptions, type RenderTarget } from './render-options';
import type { RenderOutput } from './rendered-file';

export type { RenderOptions, RenderTarget } from './render-options';
export type { RenderOutput } from './rendered-file';

/** Thrown for options that do not fit the target; the CLI prints each line and exits 2. */
export class RenderOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** Renders `topology` for `target`. Throws RenderOptionsError, or ConfigError for a behaviour the instance would refuse. */
export function renderTopology(target: RenderTarget, topology: Topology, options: RenderOptions = {}): RenderOutput {
  const problems = checkRenderOptions(target, options);
  if (problems.length > 0) throw new RenderOptionsError(problems);
  const context = { topology, options, sourceName: basename(topology.sourcePath) };
  switch (target) {
    case 'compose':
      return renderCompose(context);
    case 'k8s':
      return renderKubernetes(context);
    case 'ecs':
      return renderEcs(context);
  }
}
