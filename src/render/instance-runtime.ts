/**
 * What every rendered target assumes about a Thespian container, in one place so that compose,
 * Kubernetes and ECS agree: the port it listens on, how it is health-checked, and how long it
 * needs to stop (see src/server/graceful-shutdown.ts for the order it stops in).
 */

/** Inside a container every instance listens here, whatever its topology port; callers use NAME:6379. */
export const CONTAINER_PORT = 6379;

/** Name of the container port (Kubernetes, ECS Service Connect); meshes read "grpc" as gRPC. */
export const PORT_NAME = 'grpc';

/** How long calls in flight may finish after SIGTERM (THESPIAN_SHUTDOWN_GRACE_MS; the instance's default). */
export const DRAIN_GRACE_MS = 10_000;

/** After draining, the instance flushes spans (≤ 5 s) and logs (≤ 3 s). */
const FLUSH_MS = 8_000;

/** Seconds the orchestrator should wait after SIGTERM before SIGKILL: drain + flush + margin. */
export const STOP_TIMEOUT_S = Math.ceil((DRAIN_GRACE_MS + FLUSH_MS) / 1000) + 7;

/**
 * Kubernetes runs preStop before SIGTERM: a few seconds in which the pod is already out of the
 * Service's endpoints but still serves, so proxies and meshes stop sending new calls before the
 * instance drains. The termination grace period must cover this too.
 */
export const PRE_STOP_SLEEP_S = 5;

/** The image's working directory is /app, so the CLI is at dist/cli/main.js there. */
export const HEALTH_COMMAND = ['node', 'dist/cli/main.js', 'health', `localhost:${CONTAINER_PORT}`] as const;

/** The image's default command; explicit so that a changed default cannot change what runs. */
export const SERVE_ARGS = ['serve'] as const;

/** The image's user (the node image's "node"); Kubernetes needs the number to prove it is not root. */
export const IMAGE_UID = 1000;

/** How often each instance pushes its metrics: Prometheus's scrape interval in instrumentation/, so rates stay smooth. */
export const METRIC_EXPORT_INTERVAL_MS = 15_000;
