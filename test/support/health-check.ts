import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

type HealthClient = grpc.Client & { Check(request: { service: string }, callback: (error: grpc.ServiceError | null, reply: { status: string }) => void): void };
const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};

/**
 * Asks grpc.health.v1.Health/Check over a connection of its own (a new one each time, as a
 * Kubernetes or load-balancer probe does), and returns the status or the error's text.
 */
export async function checkHealth(address: string, service = ''): Promise<string> {
  const client = new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
  try {
    return await new Promise<string>((resolve) =>
      client.Check({ service }, (error, reply) => resolve(error ? `error ${grpc.status[error.code]}: ${error.details}` : reply.status)),
    );
  } finally {
    client.close();
  }
}
