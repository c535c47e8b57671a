import type { HrTime } from '@opentelemetry/api';

const NANOS_PER_MS = 1e6;
const NANOS_PER_SECOND = 1e9;

/**
 * Differences between the wall clock and performance.now()'s origin smaller than this are
 * Date.now()'s own whole-millisecond jitter; larger ones are the wall clock having moved (NTP
 * slewing over a long uptime, a step, a suspended VM), which spans must follow.
 */
const REANCHOR_AFTER_MS = 2;

/** Date.now() − performance.now(): the epoch time of the Clock's zero, as last measured. */
let originMs = Date.now() - performance.now();

/**
 * A Clock reading (performance.now()'s scale) as the epoch time a span carries, to the
 * nanosecond. Left to itself the SDK (sdk-trace 3.0.0, Span's constructor) dates a span's start
 * from Date.now(), in whole milliseconds, and its end from that plus performance.now()'s
 * elapsed time, so a child shorter than a millisecond can seem to start after its parent ends.
 * Our spans are dated from one origin instead, start, events and end alike: given a start, the
 * SDK dates everything not given from Date.now() again. The origin follows the wall clock
 * (performance.timeOrigin alone drifts from it over uptime, and then from the instrumentation's
 * spans and other hosts), but only when it has moved by more than Date.now()'s jitter, so the
 * readings of one span stay on one origin. Origin and reading are split into seconds and
 * nanoseconds apart, so that adding them loses nothing to floating point.
 */
export function spanTime(clockReading: number): HrTime {
  followWallClock();
  // Split without an array for each part: six of these a request, and each array is garbage.
  const originSeconds = wholeSeconds(originMs);
  const readingSeconds = wholeSeconds(clockReading);
  let seconds = originSeconds + readingSeconds;
  let nanos = nanosPast(originMs, originSeconds) + nanosPast(clockReading, readingSeconds);
  if (nanos >= NANOS_PER_SECOND) {
    seconds += 1;
    nanos -= NANOS_PER_SECOND;
  }
  return [seconds, nanos];
}

/**
 * Measures the origin again and moves it if the wall clock has moved. A thread preempted between
 * the two clock reads would measure a jump that is not there, so a measurement whose reads were
 * not close together is not taken.
 */
function followWallClock(): void {
  const before = performance.now();
  const wall = Date.now();
  const after = performance.now();
  if (after - before > TRUSTED_MEASUREMENT_MS) return;
  const measured = wall - (before + after) / 2;
  if (Math.abs(measured - originMs) > REANCHOR_AFTER_MS) originMs = measured;
}

/** Two clock reads this close together were not interrupted. */
const TRUSTED_MEASUREMENT_MS = 0.25;

function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The nanoseconds of `ms` past its whole `seconds`. */
function nanosPast(ms: number, seconds: number): number {
  return Math.round((ms - seconds * 1000) * NANOS_PER_MS);
}
