/**
 * Injects a topology's incidents through the admin API of each service's instances (every
 * replica given for a service gets the incident), and remembers what it injected so that it can
 * clear it early, when a schedule is stopped before its windows end.
 */
import type { ScheduledIncident } from '../topology';
import { AdminClient } from './admin-client';
import { adminRefusal } from './admin-refusal';

export class AdminInjector {
  private readonly clients = new Map<string, { address: string; client: AdminClient }[]>();
  private readonly injected = new Map<AdminClient, Set<string>>();

  /** `targets`: each service's instances, HOST:PORT. A service without one is refused when its incident comes. */
  constructor(targets: ReadonlyMap<string, readonly string[]>, token: string, deadlineMs = 10_000) {
    for (const [service, addresses] of targets) {
      this.clients.set(service, addresses.map((address) => ({ address, client: new AdminClient(address, token, deadlineMs) })));
    }
  }

  /** Puts `incident` in effect on every instance of its service; undefined when all took it, else why not. */
  readonly inject = async (incident: ScheduledIncident, durationMs: number): Promise<string | undefined> => {
    const instances = this.clients.get(incident.service) ?? [];
    if (instances.length === 0) return `no instance of ${incident.service} to inject into`;
    const request = {
      name: incident.name,
      service: incident.service,
      method: incident.method,
      step: incident.step,
      failure_chance: incident.failureChance,
      failure_code: incident.failureCode,
      extra_latency_ms: incident.extraLatencyMs,
      latency_factor: incident.latencyFactor,
      duration_ms: durationMs,
    };
    const answers = await Promise.all(instances.map(async ({ address, client }) => ({ address, client, answer: await client.inject(request) })));
    const refusals: string[] = [];
    for (const { address, client, answer } of answers) {
      if (answer.ok) this.remember(client, answer.reply.id);
      else refusals.push(`${address}: ${adminRefusal(answer.code, answer.details)}`);
    }
    return refusals.length === 0 ? undefined : refusals.join('\n');
  };

  /** Ends now what this injector put in effect (each instance ends it anyway at its duration). */
  async clearInjected(): Promise<void> {
    const clears = [...this.injected].flatMap(([client, ids]) => [...ids].map((id) => client.clear({ id })));
    this.injected.clear();
    await Promise.all(clears);
  }

  close(): void {
    for (const instances of this.clients.values()) for (const { client } of instances) client.close();
  }

  private remember(client: AdminClient, id: string): void {
    const ids = this.injected.get(client) ?? new Set<string>();
    ids.add(id);
    this.injected.set(client, ids);
  }
}
