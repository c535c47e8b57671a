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
  count = 0;

  constructor(initialCapacity = 256) {
    this.capacity = initialCapacity;
    this.target = new Uint16Array(initialCapacity);
    this.scheduledAt = new Float64Array(initialCapacity);
    this.sentAt = new Float64Array(initialCapacity);
    this.free = new Int32Array(initialCapacity);
    for (let slot = 0; slot < initialCapacity; slot++) this.free[slot] = initialCapacity - 1 - slot;
    this.freeCount = initialCapacity;
  }

  acquire(target: number, scheduledAt: number, sentAt: number): number {
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount]!;
    this.target[slot] = target;
    this.scheduledAt[slot] = scheduledAt;
    this.sentAt[slot] = sentAt;
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
    this.target = target;
    this.scheduledAt = scheduledAt;
    this.sentAt = sentAt;
    this.free = new Int32Array(this.capacity);
    for (let slot = this.capacity - 1; slot >= old; slot--) this.free[this.freeCount++] = slot;
  }
}
