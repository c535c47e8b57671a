/**
 * Injects a topology's incidents through the admin API of each service's instances (every
 * replica given for a service gets the incident), and remembers what it injected so that it can
 * clear it early, when a schedule is stopped before its windows end.
 */
import type { ScheduledIncident } from '../topology';
import { AdminClient, type AdminAnswer } from './admin-client';
import { adminRefusal } from './admin-refusal';
import { incidentFields } from './incident-fields';

export class AdminInjector {
  private readonly clients = new Map<string, { address: string; client: AdminClient }[]>();
  /** Each instance's incidents from here, by id, with when they end by themselves (performance.now() ms). */
  private readonly injected = new Map<AdminClient, Map<string, number>>();
  /** Injections still on the way: clearInjected waits for them, or an incident answered after a Ctrl-C would stay. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Instances that failed check(): clearAll leaves them be (one of another service is not ours to clear; one out of reach would only time out). */
  private readonly failedCheck = new Set<AdminClient>();

  /** `targets`: each service's instances, HOST:PORT. A service without one is refused when its incident comes. */
  constructor(targets: ReadonlyMap<string, readonly string[]>, token: string, deadlineMs = 10_000) {
    for (const [service, addresses] of targets) {
      this.clients.set(service, addresses.map((address) => ({ address, client: new AdminClient(address, token, deadlineMs) })));
    }
  }

  /**
   * Asks every instance for its incidents, so that a wrong token, an admin API that is off, an
   * instance out of reach or one of another service (a port-forward to the wrong pod) is known
   * before the first window, not when it comes: one line per instance that failed
   * (`payments 127.0.0.1:7104: admin API refused: …`, `127.0.0.1:7104 is front, not payments`),
   * none when all passed. Those that failed are left out of clearAll.
   */
  async check(): Promise<string[]> {
    const checks = [...this.clients].flatMap(([service, instances]) =>
      instances.map(async ({ address, client }) => {
        const problem = checkProblem(service, address, await client.list());
        if (problem === undefined) return [];
        this.failedCheck.add(client);
        return [problem];
      }),
    );
    return (await Promise.all(checks)).flat();
  }

  /** Puts `incident` in effect on every instance of its service; undefined when all took it, else why not. */
  readonly inject = async (incident: ScheduledIncident, durationMs: number): Promise<string | undefined> => {
    const instances = this.clients.get(incident.service) ?? [];
    if (instances.length === 0) return `no instance of ${incident.service} to inject into`;
    const request = { ...incidentFields(incident), duration_ms: durationMs };
    // Each instance's answer is remembered in its own continuation, and that whole continuation is
    // what clearInjected waits for: waiting for the call alone lets a Ctrl-C read `injected` in the
    // few microtasks between the answer and remember(), and leave that incident in effect.
    const answers = await Promise.all(
      instances.map(({ address, client }) =>
        this.track(
          client.inject(request).then((answer) => {
            if (answer.ok) this.remember(client, answer.reply.id, durationMs);
            return { address, answer };
          }),
        ),
      ),
    );
    const refusals: string[] = [];
    for (const { address, answer } of answers) {
      if (!answer.ok) refusals.push(`${address}: ${adminRefusal(answer.code, answer.details)}`);
    }
    return refusals.length === 0 ? undefined : refusals.join('\n');
  };

  /**
   * Ends now what this injector put in effect (each instance ends it anyway at its duration),
   * after the injections still on the way have answered; resolves to how many incidents the
   * instances ended (one that had already ended counts none).
   */
  async clearInjected(): Promise<number> {
    await Promise.allSettled([...this.pending]);
    const now = performance.now();
    const clears = [...this.injected].flatMap(([client, ids]) => [...ids].filter(([, endsAt]) => endsAt > now).map(([id]) => client.clear({ id })));
    this.injected.clear();
    return clearedIn(await Promise.all(clears));
  }

  /** Ends every incident on every instance but those that failed check(), this injector's or not (`chaos run --clear-on-exit`); how many ended. */
  async clearAll(): Promise<number> {
    await Promise.allSettled([...this.pending]);
    this.injected.clear();
    const clients = [...this.clients.values()].flatMap((instances) => instances.map(({ client }) => client)).filter((client) => !this.failedCheck.has(client));
    return clearedIn(await Promise.all(clients.map((client) => client.clear({ all: true }))));
  }

  close(): void {
    for (const instances of this.clients.values()) for (const { client } of instances) client.close();
  }

  /** `work`, kept among the pending until it has settled. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    return work.finally(() => this.pending.delete(work));
  }

  /** Those that have ended are forgotten as new ones come, so a schedule that repeats for days keeps a few ids, not thousands. */
  private remember(client: AdminClient, id: string, durationMs: number): void {
    const now = performance.now();
    const ids = this.injected.get(client) ?? new Map<string, number>();
    for (const [known, endsAt] of ids) if (endsAt <= now) ids.delete(known);
    ids.set(id, now + durationMs);
    this.injected.set(client, ids);
  }
}

/** Why an instance's List answer fails the check, if it does. One that does not say its service (older than ListReply.service) passes. */
function checkProblem(service: string, address: string, answer: AdminAnswer<{ service?: string }>): string | undefined {
  if (!answer.ok) return `${service} ${address}: ${adminRefusal(answer.code, answer.details)}`;
  if (answer.reply.service !== undefined && answer.reply.service !== service) return `${address} is ${answer.reply.service}, not ${service}`;
  return undefined;
}

/** How many incidents some Clear calls ended; an instance that did not answer ended none that anyone knows of. */
function clearedIn(answers: readonly AdminAnswer<{ cleared: number }>[]): number {
  return answers.reduce((sum, answer) => sum + (answer.ok ? answer.reply.cleared : 0), 0);
}
