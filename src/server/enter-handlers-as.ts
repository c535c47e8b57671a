import type * as grpc from '@grpc/grpc-js';

/** What grpc-js keeps per registered method: `func` is called with each call. */
interface RegisteredHandler {
  func: (...args: unknown[]) => unknown;
}

/**
 * Wraps every handler registered on `server` (Thespian's, health's, reflection's) so each call
 * enters through `enter`. For a service packed with others into one process: the gRPC
 * instrumentation starts its SERVER span inside `func`, and `enter` says whose span it is.
 *
 * The handlers live in grpc-js's private `handlers` map, which the OpenTelemetry gRPC
 * instrumentation also patches: ours must wrap outside its wrapper, so this runs after every
 * addService. The packed-services test fails if that map moves in another grpc-js.
 */
export function enterHandlersAs(server: grpc.Server, enter: <T>(fn: () => T) => T): void {
  const handlers = (server as unknown as { handlers: Map<string, RegisteredHandler> }).handlers;
  for (const handler of handlers.values()) {
    const inner = handler.func;
    handler.func = function (this: unknown, ...args: unknown[]) {
      return enter(() => inner.apply(this, args));
    };
  }
}
