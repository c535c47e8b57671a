import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import { GRPC_METHODS, type GrpcMethod } from '../model';
import { CallFailure } from '../ports';
import { descend } from '../step-context';
import { describeTrail, inStepSpan } from '../step-span';
import { StepFailure } from '../step-failure';

export interface CallServiceSpec {
  readonly tracingName: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly method: GrpcMethod;
}

/** The original wrote ports as strings ("6379"); numbers are accepted too. */
const portSchema = z.union([z.int(), z.string()]).transform((value, ctx) => {
  const port = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `must be a port number from 1 to 65535 (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  return port;
});

/** "http://payments", "payments", "https://api.example.com" → host and whether to use TLS. */
const addressSchema = z.string().min(1).transform((value, ctx) => {
  const match = /^(?:(https?):\/\/)?([^/:\s]+)\/?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a host name with an optional http:// or https://, without port or path (got ${JSON.stringify(value)}); put the port in service_port`,
    });
    return z.NEVER;
  }
  return { host: match[2], tls: match[1] === 'https' };
});

/** `{"CallService": {...}}`: calls A, B or C of another instance. */
export const callServiceAction: ActionKind<CallServiceSpec> = {
  tag: 'CallService',
  schema: z
    .strictObject({
      tracing_name: z.string().min(1).optional(),
      service_address: addressSchema,
      service_port: portSchema,
      grpc_method: z.enum(GRPC_METHODS),
    })
    .transform((raw) => ({
      tracingName: raw.tracing_name ?? `call ${raw.service_address.host}:${raw.service_port}/${raw.grpc_method}`,
      host: raw.service_address.host,
      port: raw.service_port,
      tls: raw.service_address.tls,
      method: raw.grpc_method,
    })),

  async perform(spec, context) {
    const inner = descend(context, spec.tracingName);
    const target = `${spec.host}:${spec.port}`;
    const attributes = {
      'thespian.target': target,
      'thespian.grpc_method': spec.method,
      'rpc.service': 'thespian.Thespian',
      'rpc.method': spec.method,
      'server.address': spec.host,
      'server.port': spec.port,
    };
    await inStepSpan(inner, 'CallService', spec.tracingName, attributes, async () => {
      try {
        await context.caller.call(spec, { signal: context.signal, deadline: context.deadline, hops: context.hops });
      } catch (error) {
        if (!(error instanceof CallFailure)) throw error;
        // The original answers INTERNAL whatever the downstream said; the downstream code is kept in the message.
        throw new StepFailure('INTERNAL', `${describeTrail(inner.trail)}: call to ${target}/${spec.method} failed with ${error.code}: ${error.details}`);
      }
    });
  },
};
