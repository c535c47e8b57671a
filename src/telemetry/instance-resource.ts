import { defaultResource, detectResources, envDetector, resourceFromAttributes, serviceInstanceIdDetector, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * Who this process is, before the service name: a service.instance.id, then OTEL_RESOURCE_ATTRIBUTES
 * over it (a user's own id wins). Replicas have the same environment, so without an id of its own
 * each would push the same series, and a backend would mix their counters. The id is a random
 * UUID, as the semantic conventions suggest, made once per process by the SDK's detector, which
 * keeps it: NodeSDK's detectors (OTEL_NODE_RESOURCE_DETECTORS=serviceinstance) give the same one.
 * A service packed with others into one process has an id of its own instead (`packedInstanceId`).
 */
function identity(packedInstanceId?: string): Resource {
  if (packedInstanceId === undefined) return detectResources({ detectors: [serviceInstanceIdDetector, envDetector] });
  return resourceFromAttributes({ [ATTR_SERVICE_INSTANCE_ID]: packedInstanceId }).merge(detectResources({ detectors: [envDetector] }));
}

/**
 * The resource all three signals describe the instance with (NodeSDK's tracer, the metrics and
 * the OTLP logs providers): the SDK's defaults, the identity above and the service.name the spans
 * carry, so a backend joins the three signals on one service and one instance.
 */
export function instanceResource(serviceName: string, packedInstanceId?: string): Resource {
  return defaultResource()
    .merge(identity(packedInstanceId))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
}

/** The service.instance.id all three signals carry, for the `listening` line: there a user tells replicas apart. */
export function serviceInstanceId(packedInstanceId?: string): string {
  return String(identity(packedInstanceId).attributes[ATTR_SERVICE_INSTANCE_ID]);
}
