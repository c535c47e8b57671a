/**
 * chaos/ — incidents over the wire: the client of an instance's admin API (thespian.Admin), and
 * the player of a topology's incident schedule, which `thespian up`, `thespian chaos run` and
 * `thespian verify` use to put each window in effect on the instances, wherever they run. The
 * instances' side (the overlay, the API) is engine/ and server/; what a window is, topology/.
 * grpc-js is loaded only when a client is made: the thespian command imports this for every run.
 */
export { AdminClient, type AdminAnswer, type ListedIncident } from './admin-client';
export { AdminInjector } from './admin-injector';
export { adminRefusal, describeChanges } from './admin-refusal';
export { incidentFields } from './incident-fields';
export { SchedulePlayer, type Injector, type ScheduleEvent } from './schedule-player';
export { incidentText, offsetText, scheduleEventText } from './schedule-event-text';
