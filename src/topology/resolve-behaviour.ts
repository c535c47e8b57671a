import { endpointName } from '../common';
import type { ServiceLocator, Topology, TopologyService } from './topology-model';
import { replaceServiceReferences, SERVICE_KEY, type ServiceReference } from './service-references';

/**
 * The CONFIG_JSON object for one service of a topology, for one target (local processes,
 * compose, Kubernetes, ECS): every `{"CallService": {"service": "payments", ...}}` becomes
 * `service_address`/`service_port` from `locate`, and `service_name` is set to the topology's
 * name for the service. The result is a plain behaviour that validateBehaviour accepts.
 *
 * A reference without tracing_name gets "call payments/B", so span names read the same on every
 * target instead of carrying each target's addresses.
 */
export function resolveBehaviour(topology: Topology, serviceName: string, locate: ServiceLocator): Record<string, unknown> {
  const service = findService(topology, serviceName);
  const resolved = replaceServiceReferences(service.behaviour, (reference) => {
    const target = typeof reference.service === 'string' ? topology.services.find((s) => s.name === reference.service) : undefined;
    if (!target) throw new Error(`topology ${topology.name}: service ${serviceName} refers to unknown service ${String(reference.service)}`);
    return resolveReference(reference, target, locate);
  });
  return { ...(resolved as Record<string, unknown>), service_name: service.name };
}

/** One reference → a plain CallService spec; keys other than `service` are kept, so typos still get reported. */
export function resolveReference(reference: ServiceReference, target: TopologyService, locate: ServiceLocator): Record<string, unknown> {
  const { [SERVICE_KEY]: _named, ...rest } = reference.spec;
  const location = locate(target);
  const method = typeof rest.grpc_method === 'string' ? rest.grpc_method : '?';
  return {
    tracing_name: `call ${endpointName(target.name, method)}`,
    ...rest,
    service_address: location.address,
    service_port: location.port,
  };
}

function findService(topology: Topology, name: string): TopologyService {
  const service = topology.services.find((candidate) => candidate.name === name);
  if (!service) {
    throw new Error(`topology ${topology.name} has no service "${name}" (it has ${topology.services.map((s) => s.name).join(', ')})`);
  }
  return service;
}

/** The locator `thespian up` uses: every service on this machine at its topology port. */
export const localLocator: ServiceLocator = (target) => ({ address: '127.0.0.1', port: target.port });
