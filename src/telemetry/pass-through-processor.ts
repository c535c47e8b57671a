/** What a span or log record processor passes on to the one it wraps, whatever it adds. */
interface FlushableProcessor {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The flush and shutdown of a processor that wraps another (the counting processors) go straight to the inner one. */
export abstract class PassThroughProcessor<Inner extends FlushableProcessor> {
  constructor(protected readonly inner: Inner) {}

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
