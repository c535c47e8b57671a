/**
 * The baseline: a bare @grpc/grpc-js server that answers thespian.Thespian/A with nothing, with
 * no telemetry and no behaviour. Prints its port on stdout once listening.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProtocol } from '../../src/server/protocol';

const { ThespianClient } = loadProtocol();
const server = new grpc.Server();
const answer: grpc.handleUnaryCall<object, object> = (_call, callback) => callback(null, {});
server.addService(ThespianClient.service, { A: answer, B: answer, C: answer });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify({ message: 'listening', port })}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
