import { randomBytes } from 'node:crypto';
import { AdminInjector, incidentText, SchedulePlayer, scheduleEventText } from '../chaos';
import type { ScheduledIncident, Topology } from '../topology';

/** What the final summary says of the schedule; null in --summary-json when the topology has none. */
export interface UpIncidentCounts {
  /** False with --no-incidents. */
  readonly played: boolean;
  readonly scheduled: number;
  /** Windows put in effect on every instance of their service. */
  readonly started: number;
  /** Windows an instance refused or could not be reached for (each said on its line). */
  readonly refused: number;
  /** Windows started and not yet ended when the run stopped (they end on the services, which stop). */
  readonly inEffectAtStop: number;
}

/**
 * A topology's incident schedule as `thespian up` plays it: the admin token its services get, and
 * a SchedulePlayer that, from the start of traffic, puts each window in effect through the
 * services' own admin API (127.0.0.1 and each service's port), the same way `thespian chaos run`
 * does it against instances anywhere. The services end each incident themselves, so stopping
 * the player only keeps windows to come from starting.
 */
export class UpIncidents {
  /** THESPIAN_ADMIN_TOKEN of every service; undefined leaves the admin API off, as without incidents. */
  readonly token: string | undefined;
  /** True when the token is the user's own, so that `thespian chaos` reaches the services too. */
  readonly tokenIsTheUsers: boolean;
  private readonly incidents: readonly ScheduledIncident[];
  private player: SchedulePlayer | undefined;
  private injector: AdminInjector | undefined;

  /** `userToken`: THESPIAN_ADMIN_TOKEN from the user's environment, if set (checked already). */
  constructor(
    private readonly topology: Topology,
    private readonly play: boolean,
    userToken: string | undefined,
  ) {
    this.incidents = play ? topology.incidents : [];
    this.tokenIsTheUsers = userToken !== undefined;
    // Made per run and never printed: only this process needs it, to play the schedule.
    this.token = userToken ?? (this.incidents.length > 0 ? randomBytes(24).toString('hex') : undefined);
  }

  /** The header's word on the schedule: a note for the `traffic:` line and a line per incident; nothing for a topology without incidents. */
  header(): { readonly trafficNote: string; readonly lines: string[] } {
    const all = this.topology.incidents;
    if (all.length === 0) return { trafficNote: '', lines: [] };
    const count = `${all.length} incident${all.length === 1 ? '' : 's'}`;
    if (!this.play) return { trafficNote: `; ${count} in the topology, not played (--no-incidents)`, lines: [] };
    return { trafficNote: `; ${count} scheduled (--no-incidents to skip)`, lines: all.map((incident) => `  incident ${incidentText(incident)}`) };
  }

  /** How the services' admin API is on, if it is; a line for the header. */
  adminLine(): string | undefined {
    if (this.token === undefined) return undefined;
    return this.tokenIsTheUsers
      ? 'admin API: on, with your THESPIAN_ADMIN_TOKEN (`thespian chaos` reaches the services too)'
      : 'admin API: on, with a token made for this run, to play the incidents (set THESPIAN_ADMIN_TOKEN to use `thespian chaos` too)';
  }

  /** At the start of traffic: window offsets count from this call. `say` prints a line in the view. */
  start(say: (line: string) => void): void {
    if (this.incidents.length === 0 || this.token === undefined) return;
    const targets = new Map(this.topology.services.map((service) => [service.name, [`127.0.0.1:${service.port}`]]));
    this.injector = new AdminInjector(targets, this.token);
    this.player = new SchedulePlayer(this.incidents, this.injector.inject, (event) => say(scheduleEventText(event)));
    this.player.start();
  }

  /** No window starts after this; those in effect end on the services (which are stopped next anyway). */
  stop(): void {
    this.player?.stop();
  }

  close(): void {
    this.injector?.close();
  }

  counts(): UpIncidentCounts | null {
    if (this.topology.incidents.length === 0) return null;
    const { started, refused, ended } = this.player?.tally() ?? { started: 0, refused: 0, ended: 0 };
    return { played: this.play, scheduled: this.topology.incidents.length, started, refused, inEffectAtStop: started - ended };
  }
}
