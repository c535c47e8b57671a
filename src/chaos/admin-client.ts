import type * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { PROTO_DIR } from '../config';

/** An admin call's answer: its value, or the status it failed with. Never throws. */
export type AdminAnswer<Reply> = { readonly ok: true; readonly reply: Reply } | { readonly ok: false; readonly code: grpc.status; readonly details: string };

export interface ListedIncident {
  readonly id: string;
  readonly name: string;
  readonly method?: string;
  readonly step?: string;
  readonly failure_chance?: number;
  readonly failure_code?: string;
  readonly extra_latency_ms?: number;
  readonly latency_factor?: number;
  readonly left_ms?: number;
}

type Method = 'Inject' | 'Clear' | 'List';

/**
 * A client of one instance's thespian.Admin (proto/thespian-admin.proto), sending the bearer
 * token with every call. Each call has a deadline, so an instance that never answers is said.
 */
export class AdminClient {
  private readonly client: grpc.Client;

  constructor(
    address: string,
    private readonly token: string,
    private readonly deadlineMs = 10_000,
  ) {
    // Loaded here, not at the top: the thespian command imports this folder for every subcommand.
    const grpcJs = require('@grpc/grpc-js') as typeof grpc;
    const protoLoader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
    const definition = protoLoader.loadSync(join(PROTO_DIR, 'thespian-admin.proto'), { keepCase: true, defaults: false });
    const Admin = (grpcJs.loadPackageDefinition(definition) as unknown as { thespian: { Admin: grpc.ServiceClientConstructor } }).thespian.Admin;
    this.client = new Admin(address, grpcJs.credentials.createInsecure());
  }

  inject(request: Record<string, unknown>): Promise<AdminAnswer<{ id: string }>> {
    return this.call('Inject', request);
  }

  /** Unset fields are absent from a reply (the proto is loaded without defaults); these fill the two that are counts. */
  async clear(request: { id?: string; all?: boolean }): Promise<AdminAnswer<{ cleared: number }>> {
    const answer = await this.call<{ cleared?: number }>('Clear', request);
    return answer.ok ? { ok: true, reply: { cleared: answer.reply.cleared ?? 0 } } : answer;
  }

  /** `service` is absent when the instance is older than ListReply.service. */
  async list(): Promise<AdminAnswer<{ incidents: ListedIncident[]; service?: string }>> {
    const answer = await this.call<{ incidents?: ListedIncident[]; service?: string }>('List', {});
    if (!answer.ok) return answer;
    const { incidents = [], service } = answer.reply;
    return { ok: true, reply: service ? { incidents, service } : { incidents } };
  }

  close(): void {
    this.client.close();
  }

  private call<Reply>(method: Method, request: object): Promise<AdminAnswer<Reply>> {
    // Two statements on purpose: tsc drops the parentheses of `new (require(...) as T).Metadata()`,
    // and `new require(...).Metadata()` calls the class without `new`.
    const grpcJs = require('@grpc/grpc-js') as typeof grpc;
    const metadata = new grpcJs.Metadata();
    metadata.set('authorization', `Bearer ${this.token}`);
    return new Promise((resolve) => {
      const send = (this.client as unknown as Record<Method, Function>)[method];
      send.call(this.client, request, metadata, { deadline: Date.now() + this.deadlineMs }, (error: grpc.ServiceError | null, reply: Reply) => {
        resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, reply });
      });
    });
  }
}
