/**
 * ensemble/ — `thespian up` (runUp): a topology on this machine, each service as its own
 * `node dist/main.js` process on its topology port exporting to the embedded receivers of the
 * parent (Ensemble), traffic at the entry points through traffic/, the topology's incident
 * schedule played through the services' admin API with chaos/ (up-incidents.ts), the live terminal view, the
 * trace tally that holds arriving traces against the prediction (through verify/), and the run
 * summary; all in one session that stops in one order (up-session.ts). It owns making sure no
 * service outlives the parent, however the parent ends (see child-watchdog.ts).
 */
export { Ensemble } from './ensemble';
export { runUp } from './up-session';
export type { UpResult } from './up-report';
