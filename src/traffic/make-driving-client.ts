import type { DrivingClient, DrivingClientOptions } from './driving-client';
import type { TargetAddress } from './target-address';

/**
 * A new DrivingClient, loading @grpc/grpc-js only now. Importing traffic/ must not load it:
 * `thespian serve` starts the OpenTelemetry SDK before grpc-js loads, so that its instrumentation
 * can patch it, and every command module imports traffic/ when the CLI starts.
 */
export function makeDrivingClient(targets: readonly TargetAddress[], options: DrivingClientOptions): DrivingClient {
  const { DrivingClient: Client } = require('./driving-client') as typeof import('./driving-client');
  return new Client(targets, options);
}
