import { type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
  METRIC_RPC_CLIENT_CALL_DURATION,
  METRIC_RPC_SERVER_CALL_DURATION,
  RPC_SYSTEM_NAME_VALUE_GRPC,
} from '@opentelemetry/semantic-conventions';
import type { StatusName } from '../common';
import { INCIDENT_ATTRIBUTE, INJECTED_FAILURES_METRIC, INJECTED_KIND_ATTRIBUTE, REQUESTS_IN_FLIGHT_METRIC, STEP_DURATION_METRIC, STEP_KIND_ATTRIBUTE, STEP_NAME_ATTRIBUTE } from '../engine';
import type { InjectedFailure, StepMeter } from '../engine';

/** The buckets the RPC conventions advise for call durations in seconds (the SDK's default ones are for milliseconds). */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The instance's own instruments: the stable RPC duration histograms, the steps' durations, the
 * failures Thespian injected (the ground truth a backend's error rate is held against) and the
 * calls in flight (read from InFlightCalls). Attribute sets are few (method × status, step ×
 * kind) and made once each, so a request costs no allocation here. With metrics off the meter is the API's no-op one.
 * Here in server/, not telemetry/: the names are Thespian's wire format (engine/span-names.ts).
 */
export class InstanceMetrics implements StepMeter {
  private readonly serverDuration: Histogram;
  private readonly clientDuration: Histogram;
  private readonly stepDuration: Histogram;
  private readonly injectedFailures: Counter;
  private readonly rpcSets = new PairCache();
  private readonly stepSets = new PairCache();
  private readonly injectedSets = new Map<string, Attributes>();

  /** `inFlight` is the instance's own count of the calls it serves (InFlightCalls), read at each export. */
  constructor(meter: Meter, inFlight: { readonly size: number }) {
    const advice = { explicitBucketBoundaries: SECONDS_BUCKETS };
    this.serverDuration = meter.createHistogram(METRIC_RPC_SERVER_CALL_DURATION, { unit: 's', description: 'Duration of incoming RPCs', advice });
    this.clientDuration = meter.createHistogram(METRIC_RPC_CLIENT_CALL_DURATION, { unit: 's', description: 'Duration of outgoing RPCs', advice });
    this.stepDuration = meter.createHistogram(STEP_DURATION_METRIC, { unit: 's', description: 'Duration of each step Thespian acted out', advice });
    this.injectedFailures = meter.createCounter(INJECTED_FAILURES_METRIC, { unit: '{failure}', description: 'Failures Thespian injected (failure_chance, timeout_ms)' });
    // Read from the count shutdown already keeps, so a request costs nothing here.
    meter
      .createObservableUpDownCounter(REQUESTS_IN_FLIGHT_METRIC, { unit: '{request}', description: 'Requests being served' })
      .addCallback((result) => result.observe(inFlight.size));
  }

  /** An incoming call of `method` (the full name, thespian.Thespian/A) answered with `code` after `seconds`. */
  serverCallEnded(method: string, code: StatusName, seconds: number): void {
    this.serverDuration.record(seconds, this.rpcAttributes(method, code));
  }

  /** An outgoing call answered (or failed locally) with `code` after `seconds`. */
  clientCallEnded(method: string, code: StatusName, seconds: number): void {
    this.clientDuration.record(seconds, this.rpcAttributes(method, code));
  }

  /** The engine's StepMeter: a step's span ended after `durationMs`. */
  stepEnded(kind: string, name: string, durationMs: number): void {
    this.stepDuration.record(durationMs / 1000, this.stepSets.get(kind, name, () => ({ [STEP_NAME_ATTRIBUTE]: name, [STEP_KIND_ATTRIBUTE]: kind })));
  }

  /** The engine's StepMeter: Thespian decided to fail `step` with `code`, for the reason `injected`. Only on failures, so a string key is cheap enough. */
  failureInjected(step: string, code: StatusName, injected: InjectedFailure, incident?: string): void {
    const key = `${step}\0${code}\0${injected}\0${incident ?? ''}`;
    let attributes = this.injectedSets.get(key);
    if (!attributes) {
      attributes = Object.freeze({
        [STEP_NAME_ATTRIBUTE]: step,
        [ATTR_RPC_STATUS_CODE]: code,
        [INJECTED_KIND_ATTRIBUTE]: injected,
        ...(incident !== undefined ? { [INCIDENT_ATTRIBUTE]: incident } : {}),
      });
      this.injectedSets.set(key, attributes);
    }
    this.injectedFailures.add(1, attributes);
  }

  /** The conventions' attributes; a failed call carries its status as error.type too. */
  private rpcAttributes(method: string, code: StatusName): Attributes {
    return this.rpcSets.get(method, code, () => ({
      [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
      [ATTR_RPC_METHOD]: method,
      [ATTR_RPC_STATUS_CODE]: code,
      ...(code === 'OK' ? {} : { [ATTR_ERROR_TYPE]: code }),
    }));
  }
}

/** Attribute sets made once per pair of values (method and status, kind and step), found without building a key. */
class PairCache {
  private readonly sets = new Map<string, Map<string, Attributes>>();

  get(first: string, second: string, make: () => Attributes): Attributes {
    let inner = this.sets.get(first);
    if (!inner) this.sets.set(first, (inner = new Map()));
    let attributes = inner.get(second);
    if (!attributes) inner.set(second, (attributes = Object.freeze(make())));
    return attributes;
  }
}
