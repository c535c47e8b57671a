import { MAX_DEPTH } from './generate-options';

/** What a service is for; it decides its name and its behaviour. */
export type Role = 'edge' | 'api' | 'domain' | 'store';

export interface PlannedService {
  readonly index: number;
  role: Role;
  /** Its tier or level, from 0 at the top; 0 where a shape has none. */
  readonly tier: number;
  /** The services it calls, by index, in order. */
  readonly callees: number[];
  /** Whether it calls all of its callees at once (fan-out), rather than in a mix. */
  allAtOnce: boolean;
}

/**
 * The call graph being built, which keeps it acyclic and within bounds as it grows: a service's
 * callees are all chosen before anything calls it, so the number of services a request to it
 * reaches (`visits`) and its longest call path (`depth`) are final when a caller weighs them.
 */
export class CallPlan {
  readonly services: PlannedService[] = [];
  private readonly visits: number[] = [];
  private readonly depths: number[] = [];
  private readonly callerCounts: number[] = [];

  constructor(private readonly maxVisits: number) {}

  add(role: Role, tier = 0): PlannedService {
    const service: PlannedService = { index: this.services.length, role, tier, callees: [], allAtOnce: false };
    this.services.push(service);
    this.visits.push(1);
    this.depths.push(1);
    this.callerCounts.push(0);
    return service;
  }

  callers(index: number): number {
    return this.callerCounts[index];
  }

  /** Services on its longest call path, itself included. */
  depth(index: number): number {
    return this.depths[index];
  }

  canCall(from: number, to: number): boolean {
    // A service that is called already takes no more callees: its callers' figures would go stale,
    // and since every call path runs to services chosen earlier, no cycle can form.
    if (from === to || this.services[from].callees.includes(to) || this.callerCounts[from] > 0) return false;
    return this.visits[from] + this.visits[to] <= this.maxVisits && this.depths[to] + 1 <= MAX_DEPTH;
  }

  call(from: number, to: number): void {
    if (!this.canCall(from, to)) throw new Error(`call plan: service ${from} may not call ${to}`);
    this.services[from].callees.push(to);
    this.visits[from] += this.visits[to];
    this.depths[from] = Math.max(this.depths[from], this.depths[to] + 1);
    this.callerCounts[to] += 1;
  }

  /** Indices of the services nobody calls: the entry points. */
  roots(): number[] {
    return this.services.filter((service) => this.callerCounts[service.index] === 0).map((service) => service.index);
  }
}
