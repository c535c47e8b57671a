import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { join } from 'node:path';
import { PROTO_DIR } from '../config';

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, defaults: true };
const ADMIN_PROTO = join(PROTO_DIR, 'thespian-admin.proto');

/** Thespian's proto plus the health proto, so reflection can describe both to grpcurl. */
export function loadProtocol(): { definition: protoLoader.PackageDefinition; ThespianClient: grpc.ServiceClientConstructor } {
  const definition = protoLoader.loadSync([join(PROTO_DIR, 'thespian.proto'), healthProtoPath], LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    thespian: { Thespian: grpc.ServiceClientConstructor };
  };
  return { definition, ThespianClient: loaded.thespian.Thespian };
}

/**
 * The admin API's proto (proto/thespian-admin.proto). Loaded without defaults, so that an unset
 * `optional` field stays absent: a latency_factor of 0 is a request, not a missing field.
 */
export function loadAdminProtocol(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(ADMIN_PROTO, { keepCase: true, defaults: false });
  return (grpc.loadPackageDefinition(definition) as unknown as { thespian: { Admin: grpc.ServiceClientConstructor } }).thespian.Admin.service;
}

/** What reflection describes when the admin API is on: every proto the instance serves, loaded as one (reflection reads one set of files). */
export function loadProtocolWithAdmin(): protoLoader.PackageDefinition {
  return protoLoader.loadSync([join(PROTO_DIR, 'thespian.proto'), healthProtoPath, ADMIN_PROTO], LOADER_OPTIONS);
}

/** Metadata keys Thespian reads and writes. */
export const HEADERS = {
  /** How many Thespians the request has passed through; cuts call cycles. */
  hops: 'x-thespian-hops',
  /** Names the calling step's random stream, so a seeded callee draws reproducibly (see engine/performer.ts). */
  randomKey: 'x-thespian-random-key',
} as const;
