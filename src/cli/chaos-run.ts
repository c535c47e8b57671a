/**
 * `thespian chaos run TOPOLOGY`: plays a topology's incident schedule against instances running
 * anywhere (a `thespian up --no-incidents`, compose, Kubernetes through port-forwards), through
 * their admin API, with the same player `up` uses. Its options are rows of the chaos command's
 * table (chaos-command.ts), which hands the run over here.
 */
import { closestName } from '../common';
import type { AdminInjector, ScheduleEvent } from '../chaos';
import type { Topology } from '../topology';
import type { TargetAddress } from '../traffic';
import { loadCommandTopology } from './command-topology';
import type { FlagTable } from './flag-table';
import { serviceTarget } from './option-readers';
import { stoppableBySignals } from './stop-signals';
import { UsageError } from './usage-error';

export const RUN_FLAGS = {
  target: {
    value: 'SVC=HOST:PORT',
    repeatable: true,
    help: "an instance of a service, instead of 127.0.0.1 at the service's topology port; name a service once per replica (each a `kubectl port-forward`, say) and each gets every incident",
    read: serviceTarget,
  },
  'clear-on-exit': {
    help: 'when it ends, however it ends, also clear every incident on the targets that passed the check, not only what this run put in effect (incidents injected by hand, or by a run that was killed)',
  },
} satisfies FlagTable;

export interface RunOptions {
  readonly topologyPath: string;
  readonly targets: readonly [string, TargetAddress][];
  readonly clearOnExit: boolean;
  readonly timeoutMs: number;
  readonly token: string;
}


const say = (line: string): void => void process.stdout.write(`${line}\n`);
const complain = (line: string): void => void process.stderr.write(`thespian chaos run: ${line}\n`);

/**
 * Checks every target first (a List call), so that a wrong token or an instance out of reach is
 * known at once rather than when the first window comes; then plays until the last window has
 * ended, or, with repeat_every, until SIGINT or SIGTERM, which clear what it injected.
 * Resolves to the exit status: 0, or 1 if a target failed its check or a window was refused.
 */
export async function runSchedule(options: RunOptions): Promise<number> {
  const topology = loadCommandTopology(options.topologyPath, { printWarnings: true });
  const targets = scheduleTargets(topology, options);
  const chaos = require('../chaos') as typeof import('../chaos');
  const injector = new chaos.AdminInjector(targets, options.token, options.timeoutMs);
  try {
    say(`thespian chaos run: ${topology.name}, ${topology.incidents.length} incident${topology.incidents.length === 1 ? '' : 's'}`);
    for (const incident of topology.incidents) say(`  incident ${chaos.incidentText(incident)}`);
    say(`targets: ${[...targets].map(([service, addresses]) => `${service} ${addresses.join(', ')}`).join('; ')}`);
    const problems = await injector.check();
    if (problems.length > 0) {
      for (const problem of problems) complain(problem);
      const total = [...targets.values()].flat().length;
      complain(`${problems.length} of ${total} target${total === 1 ? '' : 's'} failed the check (a refusal, out of reach, or another service); nothing was injected`);
      // "However it ends": the targets that passed are cleared too; those that failed are not ours to clear, or out of reach.
      if (options.clearOnExit) {
        const passed = total - problems.length;
        const cleared = await injector.clearAll();
        say(`--clear-on-exit: cleared ${cleared} incident${cleared === 1 ? '' : 's'} on the ${passed} target${passed === 1 ? '' : 's'} that passed the check`);
      }
      return 1;
    }
    const repeats = topology.incidents.some((incident) => incident.repeatEveryMs !== undefined);
    say(`every target answered; offsets count from now${repeats ? '; the schedule repeats until Ctrl-C' : ''}`);
    return await play(topology, injector, options.clearOnExit);
  } finally {
    injector.close();
  }
}

/** Each service with an incident, and its instances: those --target names, else 127.0.0.1 at its topology port. */
function scheduleTargets(topology: Topology, options: RunOptions): Map<string, string[]> {
  if (topology.incidents.length === 0) throw new UsageError(`${options.topologyPath} has no incidents to play (a topology's "incidents" list; see docs/chaos.md)`);
  const names = topology.services.map((service) => service.name);
  const given = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [service, address] of options.targets) {
    const flag = `--target ${service}=${address.address}`;
    const addresses = given.get(service) ?? [];
    if (!names.includes(service)) {
      const hint = closestName(service, names);
      problems.push(`${flag}: unknown service "${service}"${hint ? ` (did you mean "${hint}"?)` : ''}; services are: ${names.join(', ')}`);
    } else if (addresses.includes(address.address)) {
      // Each address gets every window: one given twice would get each incident twice, their effects compounding.
      const twice = `${flag}: given more than once; each target gets every window, so once is enough`;
      if (!problems.includes(twice)) problems.push(twice);
    } else given.set(service, [...addresses, address.address]);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const withIncidents = new Set(topology.incidents.map((incident) => incident.service));
  for (const service of given.keys()) if (!withIncidents.has(service)) process.stderr.write(`warning: --target ${service}=…: ${service} has no incident in ${topology.name}; nothing is sent there\n`);
  const targets = new Map<string, string[]>();
  for (const service of topology.services) {
    if (withIncidents.has(service.name)) targets.set(service.name, given.get(service.name) ?? [`127.0.0.1:${service.port}`]);
  }
  return targets;
}

/** Plays the schedule; on a signal, stops it and ends what it injected. The exit status. */
async function play(topology: Topology, injector: AdminInjector, clearOnExit: boolean): Promise<number> {
  const chaos = require('../chaos') as typeof import('../chaos');
  const player = new chaos.SchedulePlayer(topology.incidents, injector.inject, (event: ScheduleEvent) => say(chaos.scheduleEventText(event)));
  return stoppableBySignals(async (stop) => {
    const stopped = new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
    player.start();
    await Promise.race([player.finished, stopped]);
    player.stop();
    const at = chaos.offsetText(player.elapsedMs());
    // A second signal does not wait for the clearing (stoppableBySignals exits): the instances end each incident at its window's end anyway.
    const signalled = stop.aborted ? String(stop.reason) : undefined;
    if (signalled) {
      const cleared = await injector.clearInjected();
      say(`${at}  ${signalled}: stopped; cleared ${cleared} incident${cleared === 1 ? '' : 's'} this run had in effect`);
    }
    if (clearOnExit) {
      const cleared = await injector.clearAll();
      say(`${at}  --clear-on-exit: cleared ${cleared} more incident${cleared === 1 ? '' : 's'} on the targets`);
    }
    const { started, refused } = player.tally();
    say(`chaos run: ${started} window${started === 1 ? '' : 's'} started, ${refused} refused`);
    return refused > 0 ? 1 : 0;
  });
}
