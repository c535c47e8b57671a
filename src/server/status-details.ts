import { hopMark } from '../engine';
import { wellFormed } from './well-formed';

/**
 * At most this many bytes of status message leave an instance, as grpc-js sends it: the
 * grpc-message header holds encodeURI(message), where a non-ASCII character takes 6–12 bytes
 * (and a space 3). Past the caller's metadata limit (8 KB in gRPC C-core and Java clients,
 * 64 KB in grpc-js) the caller never gets an answer. Each hop of a call chain adds its own words
 * to its callee's message, so a long chain would pass that limit without a cap at every hop.
 */
export const MAX_STATUS_BYTES = 2_048;

/** Of a capped message, this many bytes of its end are kept: the first failure's own words. */
const KEPT_TAIL_BYTES = 1_024;

/**
 * What every hop adds before its callee's message, built from CallService's own words with
 * placeholders so that a change of wording there cannot break the count here.
 */
const HOP_MARK = hopMarkPattern();
/** The mark a cut leaves; a later cut that takes it in adds up its count. */
const CUT_MARK = /… (\d+) hops? cut …/g;
const cutMark = (hops: number) => ` … ${hops} ${hops === 1 ? 'hop' : 'hops'} cut … `;
/** Room for the mark, whose count has at most a handful of digits. */
const CUT_MARK_BYTES = encodedBytes(cutMark(999_999));

/**
 * The status message an instance answers with: well-formed, and cut in the middle when its
 * header would take more than MAX_STATUS_BYTES, keeping the outer hops (where the chain starts)
 * and the inner end (where the failure began, in its own words), with a mark saying how many
 * hops were cut. The whole message stays on the span where this instance's part of the failure
 * began.
 */
export function statusDetails(message: string): string {
  const text = wellFormed(message);
  if (encodedBytes(text) <= MAX_STATUS_BYTES) return text;
  // By code point, so that no cut splits a surrogate pair.
  const codePoints = Array.from(text);
  const tail = codePoints.slice(codePoints.length - fitting([...codePoints].reverse(), KEPT_TAIL_BYTES)).join('');
  const head = codePoints.slice(0, fitting(codePoints, MAX_STATUS_BYTES - KEPT_TAIL_BYTES - CUT_MARK_BYTES)).join('');
  // Counted as what the whole holds less what the ends keep, so that a hop (or an earlier mark)
  // that straddles a boundary counts as cut.
  const hops = hopsIn(text) - hopsIn(head) - hopsIn(tail);
  return `${head}${cutMark(hops)}${tail}`;
}

/** How many of `codePoints`, from the first, fit in `budget` bytes of header. */
function fitting(codePoints: readonly string[], budget: number): number {
  let used = 0;
  for (let count = 0; count < codePoints.length; count++) {
    used += encodedBytes(codePoints[count]);
    if (used > budget) return count;
  }
  return codePoints.length;
}

/** What `text` takes in the grpc-message header: grpc-js sends encodeURI(text) (server-interceptors.js). */
function encodedBytes(text: string): number {
  return encodeURI(text).length;
}

/** The hops a message names: their marks, plus the hops earlier cuts counted. */
function hopsIn(text: string): number {
  return (text.match(HOP_MARK)?.length ?? 0) + [...text.matchAll(CUT_MARK)].reduce((sum, match) => sum + Number(match[1]), 0);
}

function hopMarkPattern(): RegExp {
  const slots = { target: '\u0000', method: '\u0001', code: '\u0002' };
  const escaped = hopMark(slots.target, slots.method, slots.code).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const pattern = escaped.replace(slots.target, '\\S+').replace(slots.method, '[ABC]').replace(slots.code, '[A-Z_]+');
  return new RegExp(pattern, 'g');
}
