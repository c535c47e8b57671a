import { wellFormed } from './well-formed';

/**
 * At most this many characters of status message leave an instance. The message travels in a
 * header (grpc-message); past the caller's metadata limit (8–16 KB with grpc-js defaults) the
 * caller never gets an answer. Each hop of a call chain adds its own words to its callee's
 * message, so a long chain would pass that limit without a cap at every hop.
 */
export const MAX_STATUS_DETAILS = 2_048;

/** Of a capped message, this many characters of its end are kept: the first failure's own words. */
const KEPT_TAIL = 1_024;

/** What every hop adds before its callee's message (see CallService's finalFailure). */
const HOP_MARK = /: call to \S+\/[ABC] failed with /g;
/** The mark a cut leaves; a later cut that takes it in adds up its count. */
const CUT_MARK = /… (\d+) hops? cut …/g;

/**
 * The status message an instance answers with: well-formed, and cut in the middle when longer
 * than MAX_STATUS_DETAILS, keeping the outer hops (where the chain starts) and the inner end
 * (where the failure began, in its own words), with a mark saying how many hops were cut. The
 * whole message stays on the span where this instance's part of the failure began.
 */
export function statusDetails(message: string): string {
  const text = wellFormed(message);
  if (text.length <= MAX_STATUS_DETAILS) return text;
  const tail = text.slice(text.length - KEPT_TAIL);
  // Room for the mark, whose count has at most a handful of digits.
  const head = text.slice(0, MAX_STATUS_DETAILS - KEPT_TAIL - 40);
  // Counted as what the whole holds less what the ends keep, so that a hop (or an earlier mark)
  // that straddles a boundary counts as cut.
  const hops = hopsIn(text) - hopsIn(head) - hopsIn(tail);
  // Slicing can split a surrogate pair; the ends are made well-formed again.
  return wellFormed(`${head} … ${hops} ${hops === 1 ? 'hop' : 'hops'} cut … ${tail}`);
}

/** The hops a message names: their marks, plus the hops earlier cuts counted. */
function hopsIn(text: string): number {
  return (text.match(HOP_MARK)?.length ?? 0) + [...text.matchAll(CUT_MARK)].reduce((sum, match) => sum + Number(match[1]), 0);
}
