import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An empty protobuf message in gRPC's length-prefixed framing: no compression, length 0. */
const EMPTY_GRPC_MESSAGE = Buffer.alloc(5);

/** True when h2load (Debian's nghttp2-client) is on PATH. */
export function h2loadAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile('h2load', ['--version'], (error) => resolve(!error)));
}

/**
 * Unary calls of `method` against `address` from h2load, a C HTTP/2 client that costs the machine
 * far less than a Node client, so that the rate shows the server's own cost. `clients` connections
 * with `streams` calls in flight on each. Resolves to the rate of successful calls per second.
 */
export async function h2loadRate(address: string, options: { seconds: number; clients?: number; streams?: number; method?: string }): Promise<{ rate: number; failed: number; succeeded: number }> {
  const body = join(tmpdir(), 'thespian-bench-empty.grpc');
  writeFileSync(body, EMPTY_GRPC_MESSAGE);
  const args = [
    `-D${options.seconds}`,
    `-c${options.clients ?? 4}`,
    `-m${options.streams ?? 16}`,
    '-H', 'content-type: application/grpc',
    '-H', 'te: trailers',
    '-d', body,
    `http://${address}/thespian.Thespian/${options.method ?? 'A'}`,
  ];
  const output = await new Promise<string>((resolve, reject) =>
    execFile('h2load', args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => (error ? reject(new Error(`h2load failed: ${error.message}`)) : resolve(stdout))),
  );
  return parseH2load(output, options.seconds);
}

/**
 * h2load's summary line "requests: N total, N started, N done, N succeeded, N failed, N errored".
 * "succeeded" is by HTTP status, which gRPC sends as 200 even for a failed call; the benchmarks
 * here call behaviours that do not fail, and the servers' own counts check that.
 */
function parseH2load(output: string, seconds: number): { rate: number; failed: number; succeeded: number } {
  const line = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(output);
  if (!line) throw new Error(`h2load printed no summary:\n${output}`);
  return { rate: Number(line[4]) / seconds, failed: Number(line[5]) + Number(line[6]), succeeded: Number(line[4]) };
}
