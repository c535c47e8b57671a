/**
 * The behaviour model: what an instance does when A, B or C is called.
 * Built once from CONFIG_JSON by config/, frozen, then only read by the engine.
 */

/** The proto service (proto/thespian.proto) that serves A, B and C, as gRPC and its instrumentation name it. */
export const THESPIAN_SERVICE_NAME = 'thespian.Thespian';

export const GRPC_METHODS = ['A', 'B', 'C'] as const;
export type GrpcMethod = (typeof GRPC_METHODS)[number];

/** Attribute values users may stamp on spans. */
export type AttributeValue = string | number | boolean;
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** One action of any registered kind; `spec` is that kind's own parsed spec (see actions/). */
export interface Action {
  readonly kind: string;
  readonly spec: unknown;
}

export type Operation =
  | { readonly kind: 'Action'; readonly action: Action }
  | { readonly kind: 'ConcurrentActions'; readonly actions: readonly Action[] };

export interface FunctionSpec {
  readonly tracingName: string;
  readonly operations: readonly Operation[];
  /** Extra attributes stamped on the Function's span (config `attributes`); absent means none. */
  readonly attributes?: Attributes;
}

export interface Behaviour {
  /** The original's top-level `service_name`; used when no SERVICE_NAME is set. */
  readonly serviceName?: string;
  readonly methods: Readonly<Record<GrpcMethod, FunctionSpec | null>>;
}
