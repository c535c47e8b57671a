import * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { Duplex } from 'node:stream';

/** grpcurl asks v1 first; older clients know only v1alpha. @grpc/reflection serves both. */
const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'] as const;
const METHOD = 'ServerReflectionInfo';

type Reflection = { readonly method: grpc.MethodDefinition<object, object>; readonly handler: grpc.handleBidiStreamingCall<object, object> };
type Call = grpc.ServerDuplexStream<Buffer, Buffer>;

const asIs = (message: Buffer) => message;

/**
 * gRPC server reflection (both versions), with @grpc/reflection loaded on the first reflection
 * call rather than at start. Loaded at start, it held about 1.9 MB of RSS in every idle
 * instance (bench/scale.ts), while reflection is asked for only when someone runs grpcurl.
 *
 * Until then the server knows the two methods by path alone and passes their messages through
 * as bytes; the first call loads the package, which decodes and encodes them as it always did.
 */
export function addReflectionOnDemand(server: grpc.Server, definition: PackageDefinition): void {
  let loaded: Map<string, Reflection> | undefined;
  for (const service of REFLECTION_SERVICES) {
    const method: grpc.MethodDefinition<Buffer, Buffer> = {
      path: `/${service}/${METHOD}`,
      requestStream: true,
      responseStream: true,
      requestSerialize: asIs,
      requestDeserialize: asIs,
      responseSerialize: asIs,
      responseDeserialize: asIs,
    };
    server.addService({ [METHOD]: method }, {
      [METHOD]: (call: Call) => {
        loaded ??= loadReflection(definition);
        answer(call, loaded.get(service)!);
      },
    });
  }
}

/** Builds @grpc/reflection's services against a stand-in server that only notes what it is given. */
function loadReflection(definition: PackageDefinition): Map<string, Reflection> {
  const { ReflectionService } = require('@grpc/reflection') as typeof import('@grpc/reflection');
  const services = new Map<string, Reflection>();
  const noter = {
    addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
      const method = service[METHOD] as grpc.MethodDefinition<object, object>;
      services.set(method.path.split('/')[1], { method, handler: implementation[METHOD] as grpc.handleBidiStreamingCall<object, object> });
    },
  };
  new ReflectionService(definition).addToServer(noter as unknown as grpc.Server);
  return services;
}

/** Runs the package's handler on a stream of decoded messages that stands in for the call. */
function answer(call: Call, { method, handler }: Reflection): void {
  const messages = new Duplex({
    objectMode: true,
    read() {},
    write(response: object, _encoding, done) {
      call.write(method.responseSerialize(response));
      done();
    },
    final(done) {
      call.end();
      done();
    },
  });
  call.on('data', (bytes: Buffer) => {
    let request: object;
    try {
      request = method.requestDeserialize(bytes);
    } catch {
      // What grpc-js answers to a message it cannot decode, had it decoded this one itself.
      call.emit('error', { code: grpc.status.INTERNAL, details: 'cannot decode the reflection request' });
      return;
    }
    messages.push(request);
  });
  call.on('end', () => messages.push(null));
  handler(messages as unknown as grpc.ServerDuplexStream<object, object>);
}
