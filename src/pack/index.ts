/**
 * pack/ — several Thespian instances in one process, for `thespian up` on large topologies; each
 * keeps its own port, server, TracerProvider, logger and behaviour (see serve-pack.ts).
 */
export { servePack } from './serve-pack';
export { MAX_PACKED_SERVICES } from './pack-file';
