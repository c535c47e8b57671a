import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type * as Grpc from '@grpc/grpc-js';

/** The three OTLP signals, each served by its own gRPC service on one port. */
export type OtlpSignal = 'traces' | 'metrics' | 'logs';

/** One Export request as it came: the protobuf bytes (what a forwarder sends on unchanged) and the message decoded from them. */
export interface RawAndDecoded<T> {
  readonly body: Buffer;
  readonly message: T;
}

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto', 'otlp');

/** Each signal's .proto file, its service and the full path of its Export method, as the OTLP spec names them. */
export const OTLP_SERVICES: Readonly<Record<OtlpSignal, { file: string; service: string; exportPath: string }>> = {
  traces: serviceNamed('trace-service.proto', 'trace'),
  metrics: serviceNamed('metrics-service.proto', 'metrics'),
  logs: serviceNamed('logs-service.proto', 'logs'),
};

function serviceNamed(file: string, signal: string): { file: string; service: string; exportPath: string } {
  const service = `opentelemetry.proto.collector.${signal}.v1.${signal[0].toUpperCase()}${signal.slice(1)}Service`;
  return { file, service, exportPath: `/${service}/Export` };
}

const loaded = new Map<OtlpSignal, Grpc.ServiceDefinition>();

/**
 * The gRPC service definition of a signal, whose Export hands its handler both the request's
 * bytes and the decoded message. Options that keep decoding lossless and simple to read:
 * fixed64 nanosecond times come as decimal strings (BigInt-ready), bytes ids stay Buffers, enums
 * come as names, and `oneofs` names the member of a oneof that is set.
 */
export function otlpExportService(signal: OtlpSignal): Grpc.ServiceDefinition {
  let definition = loaded.get(signal);
  if (!definition) {
    const { file, service } = OTLP_SERVICES[signal];
    const plain = protoLoader.loadSync(file, { includeDirs: [PROTO_DIR], keepCase: false, longs: String, enums: String, defaults: false, oneofs: true })[
      service
    ] as Grpc.ServiceDefinition;
    const method = plain.Export;
    definition = { Export: { ...method, requestDeserialize: (body: Buffer) => ({ body, message: method.requestDeserialize(body) }) } };
    loaded.set(signal, definition);
  }
  return definition;
}
