import { plainReason, STATUS_NAMES } from '../common';

/**
 * Why an admin call got no answer, as one line a person can act on. Wrong token, the API off and
 * an instance too old to have it answer alike on purpose (docs/chaos.md, "Security").
 */
export function adminRefusal(code: number, details: string): string {
  // grpc-js's numbers, spelled out so that the grpc-js module is not loaded for them.
  if (code === 16 || code === 12) return 'admin API refused: wrong token, or THESPIAN_ADMIN_TOKEN not set on the instance';
  if (code === 14) return `cannot reach the instance (${plainReason(details)}). Is a Thespian listening there?`;
  if (code === 4) return 'the instance did not answer in time';
  if (code === 3) return `the instance refused the incident:\n${details}`;
  return `${STATUS_NAMES[code] ?? code}: ${details}`;
}

/** An incident's changes in a few words: `A › charge card: fails UNAVAILABLE 1, × 3, + 200 ms`. */
export function describeChanges(incident: {
  method?: string;
  step?: string;
  failure_chance?: number;
  failure_code?: string;
  extra_latency_ms?: number;
  latency_factor?: number;
}): string {
  const where = `${incident.method || 'A, B, C'} › ${incident.step || 'every Sleep'}`;
  const changes = [
    (incident.failure_chance ?? 0) > 0 ? `fails ${incident.failure_code ?? 'INTERNAL'} ${incident.failure_chance}` : '',
    (incident.latency_factor ?? 1) !== 1 ? `× ${incident.latency_factor}` : '',
    (incident.extra_latency_ms ?? 0) > 0 ? `+ ${incident.extra_latency_ms} ms` : '',
  ].filter(Boolean);
  return `${where}: ${changes.join(', ') || 'no change'}`;
}
