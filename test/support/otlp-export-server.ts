import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The OTLP protos the product serves with (proto/otlp), so the tests decode the same wire format. */
const PROTO_DIRS = [path.join(__dirname, '..', '..', 'proto', 'otlp')];

export interface AnyValue {
  stringValue?: string;
  intValue?: string;
  boolValue?: boolean;
  doubleValue?: number;
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}

/** Attribute values as plain strings: enough for tests to compare. */
export function attributesOf(list: KeyValue[] | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { key, value } of list ?? []) {
    const v = value ?? {};
    attributes[key] = String(v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue ?? '');
  }
  return attributes;
}

/**
 * A real gRPC server on a free 127.0.0.1 port serving one OTLP service's Export, decoded from the
 * wire by `protoFile`. `onExport` gets each request and the answer to send, so a receiver may hold
 * it back (a stalled backend).
 */
export async function serveOtlpExport<Request>(
  protoFile: string,
  serviceName: string,
  enums: typeof String | typeof Number,
  onExport: (request: Request, answer: () => void) => void,
): Promise<{ server: grpc.Server; port: number }> {
  const definition = protoLoader.loadSync(protoFile, { includeDirs: PROTO_DIRS, longs: String, enums, defaults: false, oneofs: true });
  const server = new grpc.Server();
  server.addService(definition[serviceName] as grpc.ServiceDefinition, {
    Export: (call: grpc.ServerUnaryCall<Request, object>, callback: grpc.sendUnaryData<object>) => onExport(call.request, () => callback(null, {})),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, port };
}
