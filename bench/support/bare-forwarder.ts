/**
 * The per-hop baseline: a bare @grpc/grpc-js server that answers thespian.Thespian/A by calling A
 * on the next server (BARE_FORWARD_TO, host:port) and answering once that call returns, or at once
 * when BARE_FORWARD_TO is unset (the end of the chain). No telemetry. Prints its port on stdout
 * once listening, as bare-server.ts does.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProtocol } from '../../src/server/protocol';

const { ThespianClient } = loadProtocol();
const next = process.env.BARE_FORWARD_TO
  ? (new ThespianClient(process.env.BARE_FORWARD_TO, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>)
  : undefined;

const answer: grpc.handleUnaryCall<object, object> = (_call, callback) => {
  if (!next) return callback(null, {});
  next.A({}, (error: grpc.ServiceError | null) => callback(error, {}));
};

const server = new grpc.Server();
server.addService(ThespianClient.service, { A: answer, B: answer, C: answer });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify({ message: 'listening', port })}\n`);
});
process.on('SIGTERM', () => {
  next?.close();
  server.forceShutdown();
});
