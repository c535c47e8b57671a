import { statusNameOf, type StatusName } from '../common';

/** One request that was sent, as `verify` and `--json` see it. Times in ms from the run's start. */
export interface RequestRecord {
  /** Index of the target in the plan. */
  target: number;
  status: StatusName;
  /** When the open-loop schedule said to send it. */
  scheduledMs: number;
  /** When it was actually sent (later than scheduled if the sender fell behind). */
  sentMs: number;
  /** From the scheduled send time to the answer: what a user arriving on schedule would have waited. */
  latencyMs: number;
  /** From the actual send to the answer. */
  serviceMs: number;
  /** From the answer's x-trace-id header; absent when the server was never reached. */
  traceId?: string;
  /** The status message, for failed requests. */
  details?: string;
  /** In a staged load, the stage (1 for the first) the request was scheduled in. */
  stage?: number;
}

const INITIAL_CAPACITY = 1024;

/**
 * Every finished request, kept as columns of typed arrays rather than one object per request,
 * so a long run at a high rate costs tens of bytes per request (plus its trace id string).
 */
export class RequestLog {
  private capacity = INITIAL_CAPACITY;
  private length = 0;
  private targets = new Uint16Array(INITIAL_CAPACITY);
  private codes = new Uint8Array(INITIAL_CAPACITY);
  private scheduled = new Float64Array(INITIAL_CAPACITY);
  private sent = new Float64Array(INITIAL_CAPACITY);
  private ended = new Float64Array(INITIAL_CAPACITY);
  // 0 for a request of a flat rate, else its stage counted from 1.
  private stages = new Uint16Array(INITIAL_CAPACITY);
  private readonly traceIds: (string | undefined)[] = [];
  // Only failures carry a message; most runs have few, so they live in a sparse map.
  private readonly details = new Map<number, string>();

  get size(): number {
    return this.length;
  }

  add(target: number, code: number, scheduledMs: number, sentMs: number, endedMs: number, traceId: string | undefined, details: string, stage = 0): void {
    if (this.length === this.capacity) this.grow();
    const index = this.length++;
    this.targets[index] = target;
    this.codes[index] = code;
    this.scheduled[index] = scheduledMs;
    this.sent[index] = sentMs;
    this.ended[index] = endedMs;
    this.stages[index] = stage;
    this.traceIds.push(traceId);
    if (code !== 0 && details) this.details.set(index, details);
  }

  /** The records in the order they were scheduled (they finish in any order). */
  inScheduleOrder(): RequestRecord[] {
    const order = Array.from({ length: this.length }, (_, index) => index);
    order.sort((a, b) => this.scheduled[a]! - this.scheduled[b]!);
    return order.map((index) => this.record(index));
  }

  *[Symbol.iterator](): IterableIterator<RequestRecord> {
    for (let index = 0; index < this.length; index++) yield this.record(index);
  }

  private record(index: number): RequestRecord {
    const record: RequestRecord = {
      target: this.targets[index]!,
      status: statusNameOf(this.codes[index]!),
      scheduledMs: this.scheduled[index]!,
      sentMs: this.sent[index]!,
      latencyMs: this.ended[index]! - this.scheduled[index]!,
      serviceMs: this.ended[index]! - this.sent[index]!,
    };
    const traceId = this.traceIds[index];
    if (traceId !== undefined) record.traceId = traceId;
    const details = this.details.get(index);
    if (details !== undefined) record.details = details;
    if (this.stages[index]! > 0) record.stage = this.stages[index]!;
    return record;
  }

  private grow(): void {
    this.capacity *= 2;
    this.targets = copyInto(new Uint16Array(this.capacity), this.targets);
    this.codes = copyInto(new Uint8Array(this.capacity), this.codes);
    this.scheduled = copyInto(new Float64Array(this.capacity), this.scheduled);
    this.sent = copyInto(new Float64Array(this.capacity), this.sent);
    this.ended = copyInto(new Float64Array(this.capacity), this.ended);
    this.stages = copyInto(new Uint16Array(this.capacity), this.stages);
  }
}

function copyInto<T extends Uint16Array | Uint8Array | Float64Array>(target: T, source: T): T {
  target.set(source as never);
  return target;
}
