import { validateBehaviour, DEFAULT_PORT } from '../config';
import type { Behaviour, CallTarget } from '../engine';
import { localLocator, resolveBehaviour, type Topology } from '../topology';

/**
 * The services a prediction knows: each one's behaviour, and which of them a call's address
 * reaches. A call to any other address leaves the world: its callee is not predicted.
 */
export interface PredictionWorld {
  readonly services: ReadonlyMap<string, Behaviour>;
  /** The service a call reaches, or undefined when it is outside. */
  locate(target: CallTarget): string | undefined;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

const worlds = new WeakMap<Topology, PredictionWorld>();

/**
 * A topology as `thespian up` runs it: every service on 127.0.0.1 at its topology port, so a call
 * is located by its port. (The renderers' other targets keep the same shape.)
 */
export function worldOfTopology(topology: Topology): PredictionWorld {
  let world = worlds.get(topology);
  if (!world) {
    const services = new Map<string, Behaviour>();
    for (const service of topology.services) {
      const behaviour = resolveBehaviour(topology, service.name, localLocator);
      services.set(service.name, validateBehaviour(behaviour, `${topology.sourcePath}: services.${service.name}.behaviour`));
    }
    const byPort = new Map(topology.services.map((service) => [service.port, service.name]));
    world = { services, locate: (target) => (LOCAL_HOSTS.has(target.host) ? byPort.get(target.port) : undefined) };
    worlds.set(topology, world);
  }
  return world;
}

/**
 * One instance running a behaviour on `port` (default 6379, the instance's default PORT): calls
 * to itself on this machine stay inside (chaos_checkout's A calls its own B); any other address
 * is outside.
 */
export function worldOfBehaviour(behaviour: Behaviour, serviceName: string, port = DEFAULT_PORT): PredictionWorld {
  return {
    services: new Map([[serviceName, behaviour]]),
    locate: (target) => (LOCAL_HOSTS.has(target.host) && target.port === port ? serviceName : undefined),
  };
}
