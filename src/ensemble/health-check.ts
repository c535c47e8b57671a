import type * as Grpc from '@grpc/grpc-js';

const POLL_INTERVAL_MS = 100;
const CHECK_DEADLINE_MS = 1_000;

/**
 * Resolves once the instance at `address` answers SERVING to a standard gRPC health check, or
 * rejects with the last reason after `timeoutMs` or as soon as `gaveUp()` says waiting is pointless
 * (the process exited). The same check orchestrators use, so "ready" means the same everywhere.
 */
export async function waitUntilServing(address: string, timeoutMs: number, gaveUp: () => string | undefined): Promise<void> {
  const grpc = require('@grpc/grpc-js') as typeof Grpc;
  const { service } = require('grpc-health-check') as typeof import('grpc-health-check');
  const Health = grpc.makeGenericClientConstructor(service as unknown as Grpc.ServiceDefinition, 'Health');
  const client = new Health(address, grpc.credentials.createInsecure());
  const deadline = Date.now() + timeoutMs;
  let lastReason = 'no answer yet';
  try {
    for (;;) {
      const stop = gaveUp();
      if (stop) throw new Error(stop);
      const answer = await check(client);
      if (answer === 'SERVING') return;
      lastReason = answer;
      if (Date.now() >= deadline) throw new Error(`not serving after ${Math.round(timeoutMs / 1000)} s (${lastReason})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  } finally {
    client.close();
  }
}

function check(client: Grpc.Client): Promise<string> {
  return new Promise((resolve) => {
    const call = (client as unknown as Record<string, Function>).Check.bind(client);
    call({ service: '' }, { deadline: Date.now() + CHECK_DEADLINE_MS }, (error: Grpc.ServiceError | null, response?: { status?: string | number }) => {
      if (error) resolve(error.details || error.message);
      else resolve(String(response?.status ?? 'UNKNOWN'));
    });
  });
}
