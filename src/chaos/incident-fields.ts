import type { ScheduledIncident } from '../topology';

/**
 * A topology's incident in the admin API's words (proto/thespian-admin.proto, snake_case): what
 * an Inject request carries, less its duration, and what describeChanges reads.
 */
export function incidentFields(incident: ScheduledIncident) {
  return {
    name: incident.name,
    service: incident.service,
    method: incident.method,
    step: incident.step,
    failure_chance: incident.failureChance,
    failure_code: incident.failureCode,
    extra_latency_ms: incident.extraLatencyMs,
    latency_factor: incident.latencyFactor,
  };
}
