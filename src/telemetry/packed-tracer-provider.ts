import { context, INVALID_SPAN_CONTEXT, trace, type Context, type Span, type SpanOptions, type Tracer, type TracerOptions, type TracerProvider } from '@opentelemetry/api';

/** One service of a pack, as its own code and its server see it. */
export interface PackMember {
  /** The tracer its own code starts spans on: always its own provider's. */
  tracer(name: string): Tracer;
  /** Runs `fn`, the entry into one of its gRPC handlers, as this service's. */
  enter<T>(fn: () => T): T;
}

/**
 * Several services in one process (`thespian up` packs large topologies), each with its own
 * TracerProvider, so each span carries its own service's resource, goes through its own batch
 * processor and is counted in its own `stopped` line, exactly as in a process of its own.
 *
 * The gRPC instrumentation is one per process, though, and starts its SERVER and CLIENT spans on
 * one tracer. This provider, registered globally in a pack, is that tracer's provider: it hands
 * each span to the provider of the service the span belongs to:
 * - a span with a local parent belongs to the parent's service (a CLIENT span is started inside
 *   the step that calls; every engine span is started on its own service's tracer, member().tracer);
 * - a span without one (a SERVER span: its parent is the caller's, remote) belongs to the service
 *   whose gRPC handler is being entered (member().enter, wrapped around its server's handlers).
 * A span that fits neither (none is known: the exporters' own calls are not traced) is not recorded.
 */
export class PackedTracerProvider implements TracerProvider {
  /** Which service's provider each live span belongs to; weak, so ended spans are not held. */
  private readonly owners = new WeakMap<Span, TracerProvider>();
  /** The provider of the service whose handler is being entered, while it is (synchronously). */
  private entering: TracerProvider | undefined;

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    return this.tracerWith(name, version, options, (parent) => (parent && this.owners.get(parent)) ?? this.entering);
  }

  /** A service of the pack, with the provider its spans go to. */
  member(provider: TracerProvider): PackMember {
    return {
      tracer: (tracerName) => this.tracerWith(tracerName, undefined, undefined, () => provider),
      enter: (fn) => {
        const outer = this.entering;
        this.entering = provider;
        try {
          return fn();
        } finally {
          this.entering = outer;
        }
      },
    };
  }

  private tracerWith(tracerName: string, version: string | undefined, options: TracerOptions | undefined, ownerOf: (parent: Span | undefined) => TracerProvider | undefined): Tracer {
    /** One SDK tracer per member provider, made on first use. */
    const tracers = new Map<TracerProvider, Tracer>();
    const startSpan = (spanName: string, spanOptions?: SpanOptions, parentContext: Context = context.active()): Span => {
      const owner = ownerOf(trace.getSpan(parentContext));
      if (!owner) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
      let tracer = tracers.get(owner);
      if (!tracer) tracers.set(owner, (tracer = owner.getTracer(tracerName, version, options)));
      const span = tracer.startSpan(spanName, spanOptions, parentContext);
      this.owners.set(span, owner);
      return span;
    };
    return { startSpan, startActiveSpan: startActiveSpanWith(startSpan) as Tracer['startActiveSpan'] };
  }
}

/** The API's startActiveSpan overloads, on top of startSpan: the span made active while `fn` runs. */
function startActiveSpanWith(startSpan: (name: string, options?: SpanOptions, parent?: Context) => Span) {
  return (name: string, ...rest: unknown[]): unknown => {
    const fn = rest[rest.length - 1] as (span: Span) => unknown;
    const options = (rest.length > 1 ? rest[0] : undefined) as SpanOptions | undefined;
    const parent = (rest.length > 2 ? rest[1] : undefined) as Context | undefined;
    const span = startSpan(name, options, parent ?? context.active());
    return context.with(trace.setSpan(parent ?? context.active(), span), fn, undefined, span);
  };
}
