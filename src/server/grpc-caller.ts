import * as grpc from '@grpc/grpc-js';
import { statusNameOf } from '../common';
import { CallFailure, THESPIAN_RPC_SERVICE, type CallOptions, type CallTarget, type Caller, type GrpcMethod } from '../engine';
import type { InstanceMetrics } from './instance-metrics';
import { HEADERS } from './protocol';
import { wellFormed } from './well-formed';

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null) => void,
) => grpc.ClientUnaryCall;
type ThespianClient = grpc.Client & Record<GrpcMethod, UnaryMethod>;

/** rpc.method as the conventions give it, made once rather than per call. */
const FULL_METHOD_NAMES: Record<GrpcMethod, string> = { A: `${THESPIAN_RPC_SERVICE}/A`, B: `${THESPIAN_RPC_SERVICE}/B`, C: `${THESPIAN_RPC_SERVICE}/C` };

/**
 * Calls other Thespians over gRPC. One client (one channel) per target address, reused for
 * every request. The gRPC instrumentation wraps these clients: each call gets a CLIENT span
 * and carries traceparent and baggage.
 */
export class GrpcCaller implements Caller {
  private readonly clients = new Map<string, ThespianClient>();

  constructor(
    private readonly ClientConstructor: grpc.ServiceClientConstructor,
    /** rpc.client.call.duration is recorded here, timed like the CLIENT span: from the call to its answer. */
    private readonly metrics: InstanceMetrics,
  ) {}

  call(target: CallTarget, options: CallOptions): Promise<void> {
    const client = this.clientFor(target);
    const metadata = new grpc.Metadata();
    metadata.set(HEADERS.hops, String(options.hops + 1));
    if (options.randomKey !== undefined) metadata.set(HEADERS.randomKey, options.randomKey);
    const deadline = callDeadline(options);
    // grpc-js sends the deadline as grpc-timeout, and on expiry cancels the stream, so the callee sees it too.
    const callOptions: grpc.CallOptions = deadline !== undefined ? { deadline: new Date(deadline) } : {};
    const fullMethod = FULL_METHOD_NAMES[target.method];
    return new Promise((resolve, reject) => {
      const onAbort = () => call.cancel();
      const startedAt = performance.now();
      const call = client[target.method]({}, metadata, callOptions, (error) => {
        this.metrics.clientCallEnded(fullMethod, error ? statusNameOf(error.code) : 'OK', (performance.now() - startedAt) / 1000);
        options.signal.removeEventListener('abort', onAbort);
        if (!error) return resolve();
        // Whatever the other side sent (it may not be a Thespian) is made safe here, where it enters,
        // before it reaches our spans, logs and status.
        reject(new CallFailure(statusNameOf(error.code), wellFormed(error.details || error.message)));
      });
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientFor(target: CallTarget): ThespianClient {
    const address = `${target.host}:${target.port}`;
    const key = `${target.tls ? 'tls' : 'plain'}:${address}`;
    let client = this.clients.get(key);
    if (!client) {
      const credentials = target.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
      // round_robin spreads calls over every address a name resolves to (e.g. a headless Service's pods).
      const serviceConfig = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
      client = new this.ClientConstructor(address, credentials, { 'grpc.service_config': serviceConfig }) as unknown as ThespianClient;
      this.clients.set(key, client);
    }
    return client;
  }
}

/** The earlier of the incoming request's deadline and the step's own timeout (epoch ms), if either exists. */
function callDeadline(options: CallOptions): number | undefined {
  const own = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
  if (own === undefined) return options.deadline;
  return options.deadline === undefined ? own : Math.min(own, options.deadline);
}
