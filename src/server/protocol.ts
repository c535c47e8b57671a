import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { join } from 'node:path';
import { PROTO_DIR } from '../config';

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, defaults: true };

/** Thespian's proto plus the health proto, so reflection can describe both to grpcurl. */
export function loadProtocol(): { definition: protoLoader.PackageDefinition; ThespianClient: grpc.ServiceClientConstructor } {
  const definition = protoLoader.loadSync([join(PROTO_DIR, 'thespian.proto'), healthProtoPath], LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    thespian: { Thespian: grpc.ServiceClientConstructor };
  };
  return { definition, ThespianClient: loaded.thespian.Thespian };
}

/** Metadata keys Thespian reads and writes. */
export const HEADERS = {
  /** How many Thespians the request has passed through; cuts call cycles. */
  hops: 'x-thespian-hops',
  /** Names the calling step's random stream, so a seeded callee draws reproducibly (see engine/performer.ts). */
  randomKey: 'x-thespian-random-key',
} as const;
