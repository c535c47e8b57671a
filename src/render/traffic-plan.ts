import { durationSeconds, durationText } from '../common';
import type { EntryPoint, Topology } from '../topology';
import { CONTAINER_PORT } from './instance-runtime';
import { unusedName } from './naming';

/**
 * The topology's entry points as a traffic generator running inside the target: one
 * `thespian load` container per entry point, at its rate, against the entry service by name.
 * It is what `thespian up` does on a laptop and `just up`'s poker does for compose, so that
 * a cluster shows traces as soon as it is applied.
 */
export interface TrafficPlan {
  /** Name of the generator's Deployment / ECS service (never one of the topology's services). */
  readonly name: string;
  readonly generators: readonly TrafficGenerator[];
}

interface TrafficGenerator {
  /** Container name: "<service>-<method>", a DNS label. */
  readonly container: string;
  readonly service: string;
  /** `thespian` arguments after the image's entrypoint. */
  readonly args: readonly string[];
  readonly description: string;
}

/** Each run lasts this long, prints its summary and exits; the orchestrator starts the next. */
const RUN_LENGTH = '1h';

/** `hostOf` names a service as seen from inside the target (its DNS name there). */
export function trafficPlan(topology: Topology, hostOf: (service: string) => string): TrafficPlan | undefined {
  if (topology.entryPoints.length === 0) return undefined;
  const name = unusedName('thespian-traffic', new Set(topology.services.map((service) => service.name)));
  const seen = new Set<string>();
  const generators = topology.entryPoints.map((entry) => {
    const base = `${entry.service.slice(0, 61).replace(/-+$/, '')}-${entry.method.toLowerCase()}`;
    let container = base;
    for (let n = 2; seen.has(container); n++) container = `${base.slice(0, 60)}-${n}`;
    seen.add(container);
    return {
      container,
      service: entry.service,
      args: ['load', '--target', `${hostOf(entry.service)}:${CONTAINER_PORT}`, '--method', entry.method, ...rateArgs(entry)],
      description: entry.stages ? `${entry.service} ${entry.method} through ${entry.stages.length} stages` : `${entry.service} ${entry.method} at ${entry.rps}/s`,
    };
  });
  return { name, generators };
}

/**
 * How fast a generator sends: a flat rate for an hour, or the entry point's stages cycled for
 * the whole number of cycles that lasts at least as long. Either way the run then exits and the
 * orchestrator starts the next. A run of one pass would exit after seconds: Kubernetes restarts
 * such a container with a back-off growing to 5 min (gaps, then CrashLoopBackOff), and on ECS,
 * where every generator is essential, it would stop the whole traffic task.
 */
function rateArgs(entry: EntryPoint): string[] {
  if (!entry.stages) return ['--rate', String(entry.rps), '--duration', RUN_LENGTH];
  // Written so that load reads back the very stages the topology gave (a rounded 1e-7s it would refuse).
  const stages = entry.stages.map((stage) => `${durationText(stage.durationS)}:${stage.rps}`).join(',');
  const cycleS = entry.stages.reduce((seconds, stage) => seconds + stage.durationS, 0);
  const cycles = Math.max(1, Math.ceil(durationSeconds(RUN_LENGTH)! / cycleS));
  return ['--stages', stages, '--repeat', '--duration', durationText(cycles * cycleS)];
}
