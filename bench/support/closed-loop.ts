import * as grpc from '@grpc/grpc-js';
import { loadProtocol } from '../../src/server/protocol';

const Client = loadProtocol().ThespianClient;

/**
 * Keeps `concurrency` calls of A in flight against `address` for `seconds`, and returns the
 * completed calls per second. The same client code measures the baseline and Thespian.
 */
export async function closedLoop(address: string, concurrency: number, seconds: number): Promise<{ rate: number; errors: number; completed: number }> {
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  let completed = 0;
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      await new Promise<void>((resolve) =>
        client.A({}, (error: grpc.ServiceError | null) => {
          if (error) errors++;
          else completed++;
          resolve();
        }),
      );
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  return { rate: completed / elapsed, errors, completed };
}

/** Fires `total` calls of A, keeping `inFlight` outstanding at all times. */
export async function keepInFlight(address: string, inFlight: number, total: number): Promise<number> {
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await new Promise<void>((resolve) =>
        client.A({}, (error: grpc.ServiceError | null) => {
          if (error) failed++;
          resolve();
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  client.close();
  return failed;
}

/** Calls A `calls` times one after another (concurrency 1) and returns each call's latency in ms. */
export async function sequentialLatencies(address: string, calls: number): Promise<{ latencies: number[]; errors: number }> {
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  const latencies: number[] = [];
  let errors = 0;
  for (let call = 0; call < calls; call++) {
    const from = performance.now();
    await new Promise<void>((resolve) =>
      client.A({}, (error: grpc.ServiceError | null) => {
        if (error) errors++;
        else latencies.push(performance.now() - from);
        resolve();
      }),
    );
  }
  client.close();
  return { latencies, errors };
}
