import type * as grpc from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The one answer to every admin call that is not let in: the same whether the token was missing,
 * wrong, or the admin API is off, so that a caller learns nothing about which.
 */
export const ADMIN_REFUSAL = 'the admin API needs authorization: Bearer <token>';

/**
 * Whether the call carries `authorization: Bearer <token>`. Compared as SHA-256 digests, which
 * have the same length whatever was sent, with timingSafeEqual: neither the time taken nor an
 * early length check tells a guesser how close it came.
 */
export function bearerMatches(metadata: grpc.Metadata, expectedDigest: Buffer): boolean {
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return false;
  const match = /^Bearer (.+)$/.exec(values[0]);
  if (!match) return false;
  return timingSafeEqual(tokenDigest(match[1]), expectedDigest);
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
