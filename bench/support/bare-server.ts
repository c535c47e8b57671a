/**
 * The baseline: a bare @grpc/grpc-js server, with no telemetry and no behaviour. Prints its port
 * on stdout once listening.
 *
 * It answers thespian.Thespian/A with nothing, or, with BARE_SLEEP_MS set, after waiting that long
 * with a plain setTimeout, as a straightforward Node service would. It then measures each wait
 * itself and prints {"sleep_errors_ms": [...]} (actual − asked) on SIGTERM.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProtocol } from '../../src/server/protocol';

const sleepMs = Number(process.env.BARE_SLEEP_MS ?? 0);
const sleepErrors: number[] = [];

const { ThespianClient } = loadProtocol();
const server = new grpc.Server();
const answer: grpc.handleUnaryCall<object, object> = (_call, callback) => {
  if (sleepMs <= 0) return callback(null, {});
  const from = performance.now();
  setTimeout(() => {
    sleepErrors.push(performance.now() - from - sleepMs);
    callback(null, {});
  }, sleepMs);
};
server.addService(ThespianClient.service, { A: answer, B: answer, C: answer });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify({ message: 'listening', port })}\n`);
});
process.on('SIGTERM', () => {
  server.forceShutdown();
  if (sleepMs > 0) process.stdout.write(`${JSON.stringify({ sleep_errors_ms: sleepErrors })}\n`);
});
