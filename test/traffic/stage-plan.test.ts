import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StagePlan, type LoadStage } from '../../src/traffic';

// The staged schedule as a pure function: when each request is due, and how many each stage holds.

const stageArb = fc.record({
  durationS: fc.double({ min: 0.05, max: 120, noNaN: true }),
  rate: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 500, noNaN: true })),
});
const plansArb = fc.array(stageArb, { minLength: 1, maxLength: 8 }).filter((stages) => stages.some((stage) => stage.rate > 0));

/** The integral of the staged rate over one pass, summed by hand (trapezia), independent of the class. */
function integralOf(stages: readonly LoadStage[]): number[] {
  let previous = 0;
  let total = 0;
  return stages.map((stage) => {
    total += ((previous + stage.rate) / 2) * stage.durationS;
    previous = stage.rate;
    return total;
  });
}

/** Every due time of a plan without repeat, in order. */
function dueTimes(plan: StagePlan): number[] {
  const times: number[] = [];
  for (let n = 1; n <= plan.totalRequests; n++) times.push(plan.dueMs(n));
  return times;
}

test('10s:100,1m:100,10s:0 sends 500, 6000 and 500 requests, due on the ramps as the square root says', () => {
  const plan = new StagePlan([
    { durationS: 10, rate: 100 },
    { durationS: 60, rate: 100 },
    { durationS: 10, rate: 0 },
  ]);
  assert.equal(plan.totalRequests, 7000);
  assert.deepEqual([0, 1, 2].map((stage) => plan.plannedBy(stage, plan.cycleMs)), [500, 6000, 500]);
  // On a ramp 0 → 100 over 10 s the integral is 5·t², so request n is due at √(n/5) s.
  assert.ok(Math.abs(plan.dueMs(1) - Math.sqrt(1 / 5) * 1000) < 1e-6);
  assert.ok(Math.abs(plan.dueMs(125) - 5000) < 1e-6);
  assert.equal(plan.dueMs(500), 10_000, 'the last request of the ramp is due at its very end');
  // Flat: one every 10 ms.
  assert.ok(Math.abs(plan.dueMs(501) - 10_010) < 1e-6);
  // Down to 0: the last request is due at the end of the plan, none after it.
  assert.ok(Math.abs(plan.dueMs(7000) - 80_000) < 1e-6);
  assert.equal(plan.dueMs(7001), Infinity);
  assert.equal(plan.stageOf(500), 0);
  assert.equal(plan.stageOf(501), 1);
  assert.equal(plan.stageOf(6500), 1);
  assert.equal(plan.stageOf(6501), 2);
  assert.equal(plan.meanRate, 87.5);
});

test('due times never go backwards, stay inside the plan, and each stage holds floor(∫ at its end) − floor(∫ at its start)', () => {
  fc.assert(
    fc.property(plansArb, (stages) => {
      const plan = new StagePlan(stages);
      const ends = integralOf(stages);
      const times = dueTimes(plan);
      assert.equal(times.length, Math.floor(ends[ends.length - 1]! + 1e-9), 'the count is the floor of the integral');
      for (let index = 1; index < times.length; index++) assert.ok(times[index]! >= times[index - 1]!, `request ${index + 1} due before request ${index}`);
      for (const time of times) assert.ok(time >= 0 && time <= plan.cycleMs + 1e-6);
      assert.equal(plan.dueMs(plan.totalRequests + 1), Infinity, 'nothing is due after the plan');
      let start = 0;
      stages.forEach((_, stage) => {
        const expected = Math.floor(ends[stage]! + 1e-9) - Math.floor(start + 1e-9);
        const counted = times.filter((_, index) => plan.stageOf(index + 1) === stage).length;
        assert.equal(counted, expected, `stage ${stage + 1}`);
        assert.equal(plan.plannedBy(stage, plan.cycleMs), expected);
        start = ends[stage]!;
      });
    }),
    { numRuns: 200 },
  );
});

test('a request due in a stage falls within its time, and the integral up to its due time is its number', () => {
  fc.assert(
    fc.property(plansArb, fc.double({ min: 0, max: 1, noNaN: true }), (stages, where) => {
      const plan = new StagePlan(stages);
      const n = Math.max(1, Math.ceil(where * plan.totalRequests));
      if (plan.totalRequests === 0) return;
      const due = plan.dueMs(n);
      const stage = plan.stageOf(n);
      assert.ok(due >= plan.startMs[stage]! - 1e-6 && due <= plan.endMs[stage]! + 1e-6, `request ${n} due at ${due} outside stage ${stage + 1}`);
      assert.ok(Math.abs(plan.integralBy(due) - n) < 1e-6 * Math.max(1, n), `∫ to ${due} ms is ${plan.integralBy(due)}, not ${n}`);
    }),
    { numRuns: 300 },
  );
});

test('a ramp down to 0 ends: its last request is due by the end of the stage and none comes after', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.1, max: 60, noNaN: true }), fc.double({ min: 1, max: 300, noNaN: true }), (durationS, rate) => {
      const plan = new StagePlan([{ durationS: 1, rate }, { durationS, rate: 0 }]);
      const last = plan.dueMs(plan.totalRequests);
      assert.ok(last <= plan.cycleMs + 1e-6);
      assert.equal(plan.dueMs(plan.totalRequests + 1), Infinity);
      assert.equal(plan.rateAt(plan.cycleMs), 0);
    }),
  );
});

test('with repeat the stages cycle: request n + one cycle is due one cycle later, in the same stage', () => {
  const plan = new StagePlan([{ durationS: 2, rate: 10 }, { durationS: 3, rate: 10 }], true);
  assert.equal(plan.cycleRequests, 40);
  for (const n of [1, 7, 10, 11, 40]) {
    assert.ok(Math.abs(plan.dueMs(n + 40) - plan.dueMs(n) - 5000) < 1e-6, `request ${n}`);
    assert.equal(plan.stageOf(n + 40), plan.stageOf(n));
  }
  assert.equal(plan.plannedBy(1, 10_000), 60, 'two cycles of stage 2');
  assert.equal(plan.stageAt(6000), 0);
  assert.equal(plan.rateAt(6000), 5);
});

test('stages that send nothing, or last no time, are refused', () => {
  assert.throws(() => new StagePlan([]), /at least one stage/);
  assert.throws(() => new StagePlan([{ durationS: 5, rate: 0 }]), /must send something/);
  assert.throws(() => new StagePlan([{ durationS: 0, rate: 5 }]), /more than 0 s/);
  assert.throws(() => new StagePlan([{ durationS: 1, rate: -1 }]), /0 or more/);
});
