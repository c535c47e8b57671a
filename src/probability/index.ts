/**
 * probability/ — the pure mathematics that predictions are made of, with no knowledge of
 * behaviours, services or spans being performed: the Random source type (random.ts), latency
 * distributions with their draws, CDFs and quantiles (latency-distribution.ts), durations as
 * distributions combined in sequence, together or as alternatives (duration.ts), the outcome
 * algebra of status codes, spans and log lines (outcome.ts), and the predicted span tree
 * (span-shape.ts) that `predict` draws and `verify` checks traces against. Each action kind in
 * engine/actions predicts itself with these; the driver that walks a whole behaviour is predict/.
 * It imports nothing of ours but common/.
 */
export * from './random';
export * from './latency-distribution';
export * from './duration';
export * from './outcome';
export * from './span-shape';
