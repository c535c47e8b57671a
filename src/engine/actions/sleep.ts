import { z } from 'zod';
import type { ActionKind } from '../action-kind';
import { configString, formatPercent, STRING_LIMITS, type StatusName } from '../../common';
import { descend } from '../step-context';
import { describeTrail, inStepSpan, stepSpanLines } from '../step-span';
import { StepFailure } from '../step-failure';
import { addLines, describeDistribution, drawnDuration, inSpan, latencyModel, MAX_LATENCY_MS, sampleLatency, scaledDuration, type Outcome } from '../../probability';
import { distributionSchema, durationMsSchema, pickDuration } from '../distributions/duration-schema';
import { attributesSchema } from './attributes-schema';
import { timedStepAttributes, type TimedStepSpec } from './timed-step';
import { statusNameSchema } from './status-code-schema';
import { FAILURE_CHANCE_ATTRIBUTE, INCIDENT_ATTRIBUTE, ROLL_ATTRIBUTE } from '../span-names';
import { changedDuration, combinedChance, durationChange, incidentNames, incidentOfRoll, incidentShares, incidentsOn, type Incident } from '../incident';

/** Shared by every step no incident changes, so that they allocate nothing for incidents. */
const NO_INCIDENTS: readonly Incident[] = [];

/** setTimeout cannot wait longer than 2^31-1 ms; a day is already far past any sensible sleep. */
const MAX_SLEEP_MS = MAX_LATENCY_MS;

interface SleepSpec extends TimedStepSpec {
  readonly failureChance: number;
  /** The status an injected failure answers with; INTERNAL unless the config says otherwise. */
  readonly failureCode: StatusName;
  /** Replaces the generated failure message (which names the step and the roll). */
  readonly failureMessage?: string;
}

/** `{"Sleep": {...}}`: waits, then fails with the configured chance. */
export const sleepAction: ActionKind<SleepSpec> = {
  tag: 'Sleep',
  schema: z
    .strictObject({
      tracing_name: configString({ maxLength: STRING_LIMITS.name }),
      duration_ms: durationMsSchema.optional(),
      duration: distributionSchema.optional(),
      failure_chance: z.number().min(0).max(1).optional(),
      failure_code: statusNameSchema({ allowPropagate: false }).optional(),
      failure_message: configString({ maxLength: STRING_LIMITS.statusMessage }).optional(),
      attributes: attributesSchema().optional(),
    })
    .transform(
      (raw, ctx): SleepSpec => ({
        tracingName: raw.tracing_name,
        duration: pickDuration(raw, ctx),
        failureChance: raw.failure_chance ?? 0,
        failureCode: (raw.failure_code ?? 'INTERNAL') as StatusName,
        failureMessage: raw.failure_message,
        attributes: raw.attributes ?? {},
      }),
    ),

  // Not async: the step's span callback is (see inStepSpan).
  perform(spec, context) {
    const inner = descend(context, spec.tracingName);
    const fixed = spec.duration.kind === 'Fixed';
    // Drawn before the span starts, so a fixed sleep (the original's only kind) pays nothing extra.
    const drawnMs = fixed ? (spec.duration as { ms: number }).ms : Math.round(sampleLatency(spec.duration, context.random));
    const incidents = context.incidents ? incidentsOn(context.incidents(), spec.tracingName) : NO_INCIDENTS;
    const durationMs = incidents.length === 0 ? drawnMs : Math.min(MAX_SLEEP_MS, Math.round(changedDuration(drawnMs, incidents)));
    const chance = incidents.length === 0 ? spec.failureChance : combinedChance(spec.failureChance, incidents);
    const attributes = {
      ...timedStepAttributes(spec, durationMs),
      [FAILURE_CHANCE_ATTRIBUTE]: chance,
      ...(incidents.length > 0 ? { [INCIDENT_ATTRIBUTE]: incidentNames(incidents) } : {}),
    };
    return inStepSpan(inner, 'Sleep', spec.tracingName, attributes, async (span, timing) => {
      // The span is the sleep itself: timed from the span's start (so logging the start, or a
      // garbage collection meanwhile, does not lengthen it), and ended when the time was up, not
      // when the turn that continues after it came round.
      timing.endedAt = await context.clock.sleep(durationMs, context.signal, timing.startedAt);
      // The original sleeps first and rolls afterwards, so a failing sleep still takes its time.
      if (chance <= 0) return;
      const roll = context.random.next();
      span.setAttribute(ROLL_ATTRIBUTE, roll);
      if (roll < spec.failureChance) {
        const message =
          spec.failureMessage ??
          `${describeTrail(inner.trail)}: injected failure (rolled ${roll.toFixed(4)} < failure_chance ${spec.failureChance})`;
        context.meter?.failureInjected(spec.tracingName, spec.failureCode, 'failure_chance');
        throw new StepFailure(spec.failureCode, message, 'failure_chance');
      }
      const incident = incidentOfRoll(roll, spec.failureChance, incidents);
      if (incident) {
        const message = `${describeTrail(inner.trail)}: injected failure by incident "${incident.name}" (rolled ${roll.toFixed(4)} < ${chance.toFixed(4)}, the step's chance with its incidents)`;
        context.meter?.failureInjected(spec.tracingName, incident.failureCode, 'failure_chance', incident.name);
        throw new StepFailure(incident.failureCode, message, 'failure_chance');
      }
    });
  },

  predict(spec, context) {
    // What perform does, as probabilities: the same incidents, the same one roll shared out.
    const incidents = context.incidents ? incidentsOn(context.incidents(), spec.tracingName) : NO_INCIDENTS;
    // A failing sleep still takes its time: it sleeps first and rolls afterwards.
    const drawn = drawnDuration(latencyModel(spec.duration), { round: true, capMs: MAX_SLEEP_MS });
    const change = durationChange(incidents);
    const duration = incidents.length === 0 ? drawn : scaledDuration(drawn, change.factor, change.extraMs, { round: true, capMs: MAX_SLEEP_MS });
    const p = incidents.length === 0 ? spec.failureChance : combinedChance(spec.failureChance, incidents);
    const ok = { code: 'OK' as const, p: 1 - p, duration, spans: 0, lines: { info: 0, warn: 0, error: 0 } };
    // The failure begins here, so it is logged here, once; the step's own code and each
    // incident's are one branch per code.
    const failures = new Map<StatusName, number>([[spec.failureCode, spec.failureChance]]);
    for (const share of incidentShares(spec.failureChance, incidents)) failures.set(share.incident.failureCode, (failures.get(share.incident.failureCode) ?? 0) + share.p);
    const failed = [...failures].map(([code, chance]) => ({ code, p: chance, duration, spans: 0, lines: addLines(ok.lines, { info: 0, warn: 0, error: 1 }) }));
    const outcome: Outcome = inSpan({ branches: [ok, ...failed].filter((branch) => branch.p > 0) });
    const changed = incidents.length > 0 ? `, changed by incident ${incidents.map((incident) => `"${incident.name}"`).join(', ')}` : '';
    const failing = p > 0 ? `, fails ${[...failures].filter(([, chance]) => chance > 0).map(([code, chance]) => `${code} ${formatPercent(chance)}`).join(', ')}` : '';
    const detail = `${describeDistribution(spec.duration)}${failing}${changed}`;
    // Its failure, the roll, is its own: nothing runs below it.
    const lines = stepSpanLines(true);
    return { shape: { service: context.service, name: spec.tracingName, kind: 'INTERNAL', step: 'Sleep', detail, pFail: p, lines, groups: [] }, outcome };
  },
};
