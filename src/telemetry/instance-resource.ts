import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * The resource the metrics and OTLP logs providers describe the instance with: the SDK's defaults,
 * OTEL_RESOURCE_ATTRIBUTES, and the service.name the spans carry (NodeSDK sets the same for the
 * tracer), so a backend joins the three signals on one service.
 */
export function instanceResource(serviceName: string): Resource {
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
}
