/**
 * The names Thespian gives its own span attributes and events: the wire format that dashboards,
 * `verify` and `predict` read back. Writers (the engine, its actions, the server) and readers
 * (verify, ensemble) take them from here, so a name cannot drift between the two sides.
 * A leaf: it imports nothing, so any folder may use it. Changing a value changes the wire format.
 */

/** Every name of Thespian's own starts with this; user attributes may not (see attributes-schema). */
export const THESPIAN_PREFIX = 'thespian.';

/** The attribute the original Rust Thespian put on every span; kept so old dashboards still work. */
export const ORIGINAL_NAME_ATTRIBUTE = '_tracing_name';

/** On a step span: the action kind that made it ("Sleep", "CallService"); on a Log event: "Log". */
export const KIND_ATTRIBUTE = 'thespian.kind';

/** Event on every step span, at the moment the step began. */
export const STEP_START_EVENT = 'thespian.step.start';

/**
 * The event OpenTelemetry's `span.recordException` writes (the SDK's name, not ours): a step span
 * carries one where a failure began, which is also where the failure was logged.
 */
export const EXCEPTION_EVENT = 'exception';

/** Ground truth: true only on spans where Thespian itself injected a failure (not where one merely passed through). */
export const INJECTED_ATTRIBUTE = 'thespian.injected';

/** With INJECTED_ATTRIBUTE (and on an attempt event): which failure was injected, an InjectedFailure. */
export const INJECTED_KIND_ATTRIBUTE = 'thespian.injected.kind';

/** Sleep and Compute: the ms the step was drawn to take. */
export const DURATION_MS_ATTRIBUTE = 'thespian.duration_ms';

/** Sleep and Compute, when the duration is not fixed: the distribution it was drawn from, described. */
export const DURATION_ATTRIBUTE = 'thespian.duration';

/** Sleep, and CallService when set: the configured chance of an injected failure. */
export const FAILURE_CHANCE_ATTRIBUTE = 'thespian.failure_chance';

/** The random number rolled against failure_chance (on the span, and on a CallService attempt event). */
export const ROLL_ATTRIBUTE = 'thespian.roll';

/** CallService: the host:port called. */
export const TARGET_ATTRIBUTE = 'thespian.target';

/** CallService: the gRPC method called (A, B or C). */
export const GRPC_METHOD_ATTRIBUTE = 'thespian.grpc_method';

/** CallService, when set: the configured timeout_ms of each attempt. */
export const TIMEOUT_MS_ATTRIBUTE = 'thespian.timeout_ms';

/** CallService with retries: the configured max_attempts. */
export const RETRIES_MAX_ATTEMPTS_ATTRIBUTE = 'thespian.retries.max_attempts';

/** CallService with retries: the number of attempts made so far (the last value is the total). */
export const ATTEMPTS_ATTRIBUTE = 'thespian.attempts';

/** CallService with retries: one event per attempt, as the attempt ends (written and read by actions/attempt-events). */
export const ATTEMPT_EVENT = 'thespian.attempt';

/** On an attempt event: which attempt it was, from 1. (The same string as the event's name.) */
export const ATTEMPT_NUMBER_ATTRIBUTE = 'thespian.attempt';

/** On an attempt event: the status the attempt ended with ("OK", "UNAVAILABLE", …). */
export const ATTEMPT_CODE_ATTRIBUTE = 'thespian.attempt.code';

/** On an attempt event: false when failure_chance cut the attempt before it was sent. */
export const ATTEMPT_SENT_ATTRIBUTE = 'thespian.attempt.sent';

/** On an attempt event that will be retried: the ms waited before the next attempt. */
export const BACKOFF_MS_ATTRIBUTE = 'thespian.backoff_ms';

/** On an event that is also a log line (a Log's): the level the line was logged at (info, warn, error); see actions/log-event. */
export const LOG_LEVEL_ATTRIBUTE = 'thespian.log.level';

/** On the SERVER span: ms the request waited for its turn before its behaviour started. */
export const QUEUED_MS_ATTRIBUTE = 'thespian.queued_ms';

/**
 * On a step span an incident changed (engine/incident.ts): the incident's name (several, joined by
 * ", "); on the injected-failures metric: the incident whose share of the roll failed the step.
 */
export const INCIDENT_ATTRIBUTE = 'thespian.incident';

/** The gRPC service of Thespian's A, B and C (proto package and service), as rpc.service names it. */
export const THESPIAN_RPC_SERVICE = 'thespian.Thespian';

/** The instance's own metrics (server/instance-metrics.ts), and the attributes they carry besides INJECTED_KIND_ATTRIBUTE. */
export const STEP_DURATION_METRIC = 'thespian.step.duration';
export const INJECTED_FAILURES_METRIC = 'thespian.injected.failures';
export const REQUESTS_IN_FLIGHT_METRIC = 'thespian.requests.in_flight';
export const STEP_NAME_ATTRIBUTE = 'thespian.step.name';
export const STEP_KIND_ATTRIBUTE = 'thespian.step.kind';
