/** Uniform numbers in [0, 1). Seedable in tests and with THESPIAN_SEED. */
export interface Random {
  next(): number;
  /**
   * A separate stream, fixed by this stream's seed and `key` alone (not by how much either has
   * been drawn from). The engine gives every request and every step its own stream, so that
   * timing cannot reorder draws. Randoms without it (Math.random) are shared as they are.
   */
  fork?(key: string): Random;
  /** A short stable name of this stream, for propagating it to another instance (see CallOptions.randomKey). */
  readonly streamId?: string;
}
