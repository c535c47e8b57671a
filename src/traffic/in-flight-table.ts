/**
 * What the scheduler must remember about each request in flight, in reusable numbered slots,
 * so that starting a request allocates nothing however high the rate.
 */
export class InFlightTable {
  private capacity: number;
  private free: Int32Array;
  private freeCount: number;
  target: Uint16Array;
  scheduledAt: Float64Array;
  sentAt: Float64Array;
  /** The stage of a staged load the request was scheduled in (0 otherwise). */
  stage: Uint16Array;
  count = 0;

  constructor(initialCapacity = 256) {
    this.capacity = initialCapacity;
    this.target = new Uint16Array(initialCapacity);
    this.scheduledAt = new Float64Array(initialCapacity);
    this.sentAt = new Float64Array(initialCapacity);
    this.stage = new Uint16Array(initialCapacity);
    this.free = new Int32Array(initialCapacity);
    for (let slot = 0; slot < initialCapacity; slot++) this.free[slot] = initialCapacity - 1 - slot;
    this.freeCount = initialCapacity;
  }

  acquire(target: number, scheduledAt: number, sentAt: number, stage = 0): number {
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount]!;
    this.target[slot] = target;
    this.scheduledAt[slot] = scheduledAt;
    this.sentAt[slot] = sentAt;
    this.stage[slot] = stage;
    this.count++;
    return slot;
  }

  release(slot: number): void {
    this.free[this.freeCount++] = slot;
    this.count--;
  }

  private grow(): void {
    const old = this.capacity;
    this.capacity *= 2;
    const target = new Uint16Array(this.capacity);
    target.set(this.target);
    const scheduledAt = new Float64Array(this.capacity);
    scheduledAt.set(this.scheduledAt);
    const sentAt = new Float64Array(this.capacity);
    sentAt.set(this.sentAt);
    const stage = new Uint16Array(this.capacity);
    stage.set(this.stage);
    this.target = target;
    this.stage = stage;
    this.scheduledAt = scheduledAt;
    this.sentAt = sentAt;
    this.free = new Int32Array(this.capacity);
    for (let slot = this.capacity - 1; slot >= old; slot--) this.free[this.freeCount++] = slot;
  }
}
