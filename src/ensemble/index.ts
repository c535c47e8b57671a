/**
 * ensemble/ — runs a topology on this machine: each service as its own `node dist/main.js`
 * process on its topology port, exporting spans and logs to the embedded receivers of the parent;
 * traffic to the entry points; and `thespian up`'s session around them. It owns making sure no
 * service outlives the parent, however the parent ends (see child-watchdog.ts).
 */
export { Ensemble, EnsembleStartError } from './ensemble';
export { ServiceProcess } from './service-process';
export { TrafficDriver, type RequestOutcome, type TrafficTarget } from './traffic-driver';
export { runUp, type UpOptions } from './up-session';
export type { UpResult } from './up-report';
