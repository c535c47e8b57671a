import { annotationsOf } from './kubernetes-mesh';
import { commonLabels, containerSecurityContext, hardenedPod, kubectlIn, selectorOf, withNamespace, type KubernetesSettings } from './kubernetes-objects';
import type { TrafficPlan } from './traffic-plan';
import { toYaml } from './yaml-text';

/**
 * The entry points as traffic: one `thespian load` container per entry point, in one Deployment.
 * Scale it to 0 to stop the traffic: kubectl scale deployment/NAME --replicas 0.
 */
export function trafficFile(traffic: TrafficPlan, settings: KubernetesSettings, header: readonly string[]): string {
  const labels = { 'app.kubernetes.io/name': traffic.name, ...commonLabels(settings.partOf), 'app.kubernetes.io/component': 'traffic' };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: traffic.name, ...withNamespace(settings.namespace), labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorOf(traffic.name, settings) },
      template: {
        // Meshed like the Thespians, so the mesh balances and secures the entry calls too.
        metadata: { labels, ...annotationsOf(settings.mesh.podAnnotations) },
        spec: {
          ...hardenedPod(),
          containers: traffic.generators.map((generator) => ({
            name: generator.container,
            image: settings.image,
            imagePullPolicy: 'IfNotPresent',
            args: [...generator.args],
            resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            securityContext: containerSecurityContext(),
          })),
        },
      },
    },
  };
  return toYaml(deployment, {
    header: [
      ...header,
      '',
      `Traffic to the entry points: ${traffic.generators.map((g) => g.description).join(', ')}.`,
      'Each container runs `thespian load` for an hour, logs its summary, and is started again.',
      `Stop it: ${kubectlIn(settings)} scale deployment/${traffic.name} --replicas 0`,
    ],
  });
}
