/**
 * ensemble/ — runs a topology on this machine: each service as its own `node dist/main.js`
 * process on its topology port, exporting spans and logs to the embedded receivers of the parent;
 * traffic to the entry points (through traffic/); and `thespian up`'s session around them, which
 * stops in one order (up-session.ts). It owns making sure no service outlives the parent, however
 * the parent ends (see child-watchdog.ts).
 */
export { Ensemble, EnsembleStartError } from './ensemble';
export { ServiceProcess } from './service-process';
export { runUp, type UpOptions } from './up-session';
export type { UpResult } from './up-report';
